"""Matching in the browser: a coordinator runs a proposal (computed by a real background
worker), adjusts it, publishes it, and a mentor reads about their partner. Every page is
checked by axe-core and screenshotted, the run page at phone width too."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from conftest import World
from flipside.demo import seed as demo
from flipside.lib.text import isolate
from flipside.matching.models import Pair, Proposal, Run
from flipside.matching.tests.builders import matching_cohort, mentee, mentor
from flipside.notifications.models import OutboxMessage
from flipside.schemes.models import Cohort
from flipside.worker.tests.test_worker_process import database_url

from .conftest import PHONE, Session, sign_in
from .test_pickers import pick

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WORKER_LOG = ROOT / "test-results" / "matching-worker.log"
WORKED_OUT = 90_000  # ms: a cold worker process starts, claims the run and computes it
MENTORS = [
    ("Aisha Begum", ("Racism",), ("mon-am", "wed-pm")),
    ("Ben Okafor", ("Names and pronouns",), ("tue-pm",)),
    ("Chen Li", ("Commuting",), ("wed-eve", "thu-am")),
    ("Dara Kelly", ("Racism", "Placements"), ("thu-pm",)),
    ("Eli Novak", ("Placements",), ("fri-am", "mon-am")),
    ("Femi Adeyemi", ("Names and pronouns", "Commuting"), ("tue-eve",)),
]
MENTEES = [
    ("Prof Helen Xu", ("Racism",), ("mon-am",)),
    ("Dr Ian Yates", ("Names and pronouns",), ("tue-pm", "tue-eve")),
    ("Dr Jo Zola", ("Commuting",), ("wed-eve",)),
    ("Prof Kim Park", ("Placements",), ("thu-pm", "fri-am")),
    ("Dr Lena Ruiz", ("Racism", "Placements"), ("thu-am",)),
    ("Prof Max Stone", ("Names and pronouns",), ("mon-am", "tue-eve")),
]


def matching_world(world: World) -> Any:
    """A cohort at the matching stage with six student mentors and six staff mentees, each
    with an accepted application (everyone is ready: no training is required)."""
    cohort = matching_cohort(world.scheme, label="2027/28")
    for name, topics, slots in MENTORS:
        mentor(cohort, name, topics=topics, availability=slots, mode="online")
    for name, topics, slots in MENTEES:
        mentee(cohort, name, topics=topics, availability=slots, mode="online")
    return cohort


@pytest.fixture
def start_worker() -> Iterator[Callable[[], subprocess.Popen[str]]]:
    """Start ``manage.py run_worker`` on the test database the live server uses."""
    started: list[subprocess.Popen[str]] = []
    # What the worker says is kept beside the screenshots, for when a run never finishes.
    WORKER_LOG.parent.mkdir(parents=True, exist_ok=True)
    log = WORKER_LOG.open("w")

    def start() -> subprocess.Popen[str]:
        env = {**os.environ, "DATABASE_URL": database_url()}
        for name in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            env.pop(name, None)
        command = [sys.executable, "manage.py", "run_worker", "--no-schedules"]
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [*command, "--idle-sleep", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log.close()


def row_of(page: Page, name: str) -> Any:
    return page.locator("table.proposals tbody tr").filter(has_text=name)


def test_a_coordinator_runs_adjusts_and_publishes_a_proposal(
    new_session: Callable[..., Session],
    live_server: Any,
    live_world: World,
    start_worker: Callable[[], subprocess.Popen[str]],
) -> None:
    cohort = matching_world(live_world)
    coordinator = new_session()
    sign_in(coordinator.page, live_server, live_world.coordinator.email)
    page = coordinator.goto(reverse("home:cohort", args=[cohort.pk]), "cohort")
    page.get_by_role("link", name="Propose, check and publish pairs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Matching")
    expect(page.get_by_text("of 6 student mentors ready")).to_be_visible()
    coordinator.check("overview")
    coordinator.screenshot("overview", phone=True)

    # The settings: sliders with their number and their effect, updated as they move.
    page.get_by_role("link", name="Change the settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Matching settings")
    coordinator.check("settings")
    slider = page.get_by_label("Times both can meet")
    slider.evaluate(
        "(el) => { el.value = '9'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    expect(page.locator("#id_weight_availability_output")).to_have_text("9")
    expect(page.get_by_role("heading", name="How scores would change")).to_be_visible()
    expect(page.locator("#effect")).to_contain_text("(weight 9)")
    coordinator.check("settings-preview")
    coordinator.screenshot("settings-preview", phone=True)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Matching settings saved.")

    # Run a proposal; the page shows its progress until the worker has computed it.
    page.get_by_role("radio", name="Fairest").check()
    page.get_by_role("button", name="Run a proposal").click()
    expect(page.get_by_label("Working out the pairs")).to_be_visible()
    coordinator.check("run-working")
    run = Run.objects.get(cohort=cohort)
    assert run.mode == "fairest"
    start_worker()
    expect(page.get_by_role("heading", name="How the scores are spread")).to_be_visible(
        timeout=WORKED_OUT
    )
    run.refresh_from_db()
    assert run.status == Run.Status.DONE and run.matched == 6
    expect(page.locator("table.proposals tbody tr")).to_have_count(6)
    expect(row_of(page, "Aisha Begum")).to_contain_text("Prof Helen Xu")
    expect(row_of(page, "Aisha Begum")).to_contain_text("Both are available on Monday morning")
    coordinator.check("run-done")
    coordinator.screenshot("run-done", phone=True)

    # Lock one pair, remove another, then add it back by hand.
    row_of(page, "Aisha Begum").get_by_role("button", name="Lock").click()
    locked = f"Locked: {isolate('Aisha Begum')} and {isolate('Prof Helen Xu')}"
    expect(page.get_by_role("status")).to_contain_text(locked)
    expect(row_of(page, "Aisha Begum")).to_contain_text("Locked")
    coordinator.check("run-locked")
    removed = Proposal.objects.select_related("mentee").get(
        run=run, mentor__display_name="Ben Okafor"
    )
    row_of(page, "Ben Okafor").get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text(f"Removed {isolate('Ben Okafor')}")
    expect(page.locator("table.proposals tbody tr")).to_have_count(5)
    expect(page.get_by_text("Taken out of a pair by a coordinator").first).to_be_visible()
    coordinator.check("run-removed")

    pick(page, "Student mentor", "Ben", "Ben Okafor")
    pick(page, "Staff mentee", removed.mentee.display_name[-4:], removed.mentee.display_name)
    page.get_by_role("button", name="Check and add this pair").click()
    if page.get_by_role("heading", name="Add Ben Okafor with").is_visible():
        coordinator.check("add-confirm")
        page.get_by_role("button", name="Add this pair anyway").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added {isolate('Ben Okafor')} with")
    expect(row_of(page, "Ben Okafor")).to_contain_text("Added by hand")
    coordinator.check("run-added")

    # Run again keeping the lock, then compare the two proposals.
    page.get_by_role("button", name="Run again, keeping locked pairs").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Proposal 2")
    expect(page.get_by_role("heading", name="How the scores are spread")).to_be_visible(
        timeout=WORKED_OUT
    )
    expect(row_of(page, "Aisha Begum")).to_contain_text("Locked")
    page.get_by_role("link", name="Matching").click()
    page.get_by_label("First proposal").select_option(label="Proposal 1")
    page.get_by_label("Second proposal").select_option(label="Proposal 2")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare two proposals")
    expect(page.get_by_role("heading", name="In both")).to_be_visible()
    coordinator.check("compare")
    coordinator.screenshot("compare", phone=True)

    # Publish the first, after a confirmation that says who will be emailed.
    page = coordinator.goto(reverse("matching:run", args=[run.pk]), "run-before-publishing")
    page.get_by_role("link", name="Publish these pairs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Publish proposal {run.number}?")
    expect(page.get_by_text("12 people will each be emailed")).to_be_visible()
    coordinator.check("publish-confirm")
    page.get_by_role("button", name="Publish and send the emails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pairs")
    expect(page.get_by_role("status")).to_contain_text("12 introduction emails")
    expect(page.locator("table.pairs tbody tr")).to_have_count(6)
    coordinator.check("pairs")
    coordinator.screenshot("pairs", phone=True)
    assert Pair.objects.filter(cohort=cohort, status="active").count() == 6
    assert OutboxMessage.objects.filter(kind="pair_introduction").count() == 12

    # The published run is read-only.
    page = coordinator.goto(reverse("matching:run", args=[run.pk]), "run-published")
    expect(page.get_by_role("button", name="Lock")).to_have_count(0)

    # The run page on a phone.
    phone = new_session(PHONE)
    sign_in(phone.page, live_server, live_world.coordinator.email)
    phone.goto(reverse("matching:run", args=[run.pk]), "run-phone")

    # A mentor finds their partner from the home page.
    aisha = Pair.objects.select_related("mentor").get(mentor__display_name="Aisha Begum").mentor
    student = new_session()
    sign_in(student.page, live_server, aisha.email)
    page = student.page
    expect(page.get_by_role("heading", name="Your partner")).to_be_visible()
    student.check("home-partner")
    page.get_by_role("link", name="About Helen and how to get in touch").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Prof Helen Xu")
    expect(page.get_by_text("Helen gets in touch first.")).to_be_visible()
    student.check("partner")
    student.screenshot("partner", phone=True)


def test_a_coordinator_matches_the_demo_cohort(
    new_session: Callable[..., Session],
    live_server: Any,
    transactional_db: None,
    start_worker: Callable[[], subprocess.Popen[str]],
) -> None:
    """The demo's Race Equality 2026/27 cohort, as `make run` seeds it: fifteen students and
    fifteen staff with real answers, some not ready yet, teaching conflicts and a named one."""
    demo.seed()
    cohort = Cohort.objects.get(scheme__name__startswith="Race Equality", label="2026/27")
    start_worker()
    coordinator = new_session()
    sign_in(coordinator.page, live_server, demo.COORDINATOR, demo.DEMO_PASSWORD)
    page = coordinator.goto(reverse("matching:overview", args=[cohort.pk]), "demo-overview")
    page.get_by_role("checkbox", name="Include people who are not ready yet").check()
    page.get_by_role("button", name="Run a proposal").click()
    expect(page.get_by_role("heading", name="How the scores are spread")).to_be_visible(
        timeout=WORKED_OUT
    )
    run = Run.objects.get(cohort=cohort)
    assert run.status == Run.Status.DONE and run.matched == 15
    expect(page.locator("table.proposals tbody tr")).to_have_count(15)
    coordinator.check("demo-run")
    coordinator.screenshot("demo-run")

    # Nobody is paired with someone they teach, or whom either of them named.
    from flipside.matching import loader, services

    loaded = loader.load(cohort, settings=services.settings_for(cohort), include_unready=True)
    mentor_at, mentee_at = loaded.mentor_index(), loaded.mentee_index()
    from flipside.matching import engine

    for proposal in run.proposals.all():
        i, j = mentor_at[proposal.mentor_id], mentee_at[proposal.mentee_id]
        assert engine.check_pair(loaded.problem, i, j) == []

    # Swap two pairs' mentees, then lock one.
    first, second = run.proposals.select_related("mentor", "mentee").order_by("-score")[:2]
    page.get_by_label("First pair").select_option(value=str(first.pk))
    page.get_by_label("Second pair").select_option(value=str(second.pk))
    page.get_by_role("button", name="Swap").click()
    status = page.get_by_role("status").or_(page.get_by_role("alert"))
    expect(status.first).to_be_visible()
    coordinator.check("demo-swapped")
    top = run.proposals.select_related("mentor").order_by("-score").first()
    assert top is not None
    row_of(page, top.mentor.display_name).get_by_role("button", name="Lock").click()
    expect(row_of(page, top.mentor.display_name)).to_contain_text("Locked")

    # Publish: thirty introductions go to the outbox, once.
    page.get_by_role("link", name="Publish these pairs").click()
    page.get_by_role("button", name="Publish and send the emails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pairs")
    expect(page.locator("table.pairs tbody tr")).to_have_count(15)
    coordinator.check("demo-pairs")
    coordinator.screenshot("demo-pairs", phone=True)
    assert OutboxMessage.objects.filter(kind="pair_introduction").count() == 30
