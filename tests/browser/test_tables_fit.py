"""Tables fit the page: the review page's scores show every column beside the answers, and
email addresses in tables wrap only between their parts (after the @, before a dot), never
mid-word. Checked at desktop and phone widths, with screenshots kept."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_user
from flipside.accounts.services import invite_person
from flipside.recruitment import services
from flipside.recruitment.models import Application, Call, Programme, RubricCriterion, Topic
from flipside.schemes.models import Role

from .conftest import PHONE, Session, sign_in

pytestmark = pytest.mark.browser

# Long, ordinary addresses: the kind a university or NHS Trust gives out.
EMAILS = [
    "margaret.lee-anderson@students.northbridge.example",
    "oluwaseun.adebayo-williams@students.northbridge.example",
    "k.obi@riversidecommunityhealth.nhs.example",
]
# The demo scheme's rubric: three criteria with long names.
CRITERIA = ["Reflection on lived experience", "Readiness to share and listen", "Commitment"]

# Every place a line of ``element``'s text wraps, with the characters either side.
BREAKS_JS = """(element) => {
    const breaks = [];
    let seen = "", top = null;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (!rect) continue;
            if (top !== null && rect.top > top + 1) breaks.push(seen + "|" + node.data[i]);
            top = rect.top;
            seen += node.data[i];
        }
    }
    return breaks;
}"""


def applications(world: World) -> list[Application]:
    """Submitted applications from people with long addresses; the first scored twice."""
    now = timezone.now()
    call = Call.objects.create(
        cohort=world.cohort,
        role=Role.MENTOR,
        title="Call for student mentors",
        introduction="Mentor a senior member of staff.",
        opens_at=now - datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=20),
    )
    criteria = [
        RubricCriterion.objects.create(scheme=world.scheme, name=name, max_score=5, order=n)
        for n, name in enumerate(CRITERIA)
    ]
    topic = Topic.objects.create(scheme=world.scheme, name="Placements")
    programme = Programme.objects.create(organisation=world.organisation, name="MBBS Medicine")
    made = []
    for n, email in enumerate(EMAILS):
        applicant = make_user(f"Applicant {n}", email=email)
        application = services.start_application_as(call, user=applicant)
        answers = {
            "site": world.organisation.sites.first(),
            "availability": ["tue-pm"],
            "mode": "online",
            "programme": programme,
            "year": 2,
            "statement": "I want staff to hear from us.",
            "topics": [topic.pk],
        }
        services.save_answers(application, by=applicant, answers=answers)
        made.append(services.submit_application(application, by=applicant))
    for reviewer in (world.coordinator, world.cohort_coordinator):
        scores = {c.pk: 3 + n % 3 for n, c in enumerate(criteria)}
        services.score_application(made[0], reviewer=reviewer, scores=scores)
    return made


def wrong_breaks(page: Any, email: str) -> list[str]:
    """Where ``email`` wraps other than after its @ or before a dot, wherever it is shown."""
    shown = page.get_by_text(email, exact=True)
    assert shown.count() > 0, f"{email} is not on {page.url}"
    wrong = []
    for n in range(shown.count()):
        for place in shown.nth(n).evaluate(BREAKS_JS):
            before, after = place.split("|")
            if not (before.endswith("@") or after == "."):
                wrong.append(f"{email} wraps after “{before}”")
    return wrong


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_score_table_shows_every_column_beside_the_answers(
    new_session: Callable[..., Session], live_server: Any, live_world: World, viewport: str
) -> None:
    scored = applications(live_world)[0]
    session = new_session(PHONE) if viewport == "phone" else new_session()
    sign_in(session.page, live_server, live_world.coordinator.email)
    page = session.goto(reverse("recruitment:review", args=[scored.pk]), "review-scores")
    table = page.locator("section[aria-labelledby=scores-title] .table-wrap")
    assert table.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the scores scroll"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_email_addresses_in_tables_wrap_only_between_their_parts(
    new_session: Callable[..., Session], live_server: Any, live_world: World, viewport: str
) -> None:
    made = applications(live_world)
    for email in EMAILS:
        invite_person(
            live_world.other_cohort, email=email, role=Role.MENTOR, by=live_world.outsider
        )
    session = new_session(PHONE) if viewport == "phone" else new_session()
    sign_in(session.page, live_server, live_world.coordinator.email)
    pages = [
        (reverse("recruitment:applications", args=[made[0].call_id]), "applications"),
        (reverse("recruitment:review", args=[made[0].pk]), "review"),
    ]
    wrong, scrolled = [], []
    for path, name in pages:
        page = session.goto(path, name)
        for email in EMAILS[: 1 if name == "review" else None]:
            wrong += wrong_breaks(page, email)
        scrolled += tables_that_scroll(page, name)
    outsider = new_session(PHONE) if viewport == "phone" else new_session()
    sign_in(outsider.page, live_server, live_world.outsider.email)
    page = outsider.goto(reverse("notifications:outbox"), "outbox")
    for email in EMAILS:
        wrong += wrong_breaks(page, email)
    scrolled += tables_that_scroll(page, "outbox")
    assert wrong == []
    # On a phone wide tables scroll sideways in their own region; on a desktop none need to.
    assert scrolled == [] or viewport == "phone"


def tables_that_scroll(page: Any, name: str) -> list[str]:
    widths = page.locator(".table-wrap").evaluate_all(
        "(wraps) => wraps.map((w) => [w.scrollWidth, w.clientWidth])"
    )
    return [f"{name}: {wide} px in {shown} px" for wide, shown in widths if wide > shown]
