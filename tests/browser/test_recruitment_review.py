"""A coordinator reviews applications in the browser: from the cohort page to an accepted
applicant in the cohort, with every page checked by axe-core and screenshotted."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import World, make_user
from flipside.notifications.models import OutboxMessage
from flipside.recruitment import services
from flipside.recruitment.models import Application, Call, Programme, RubricCriterion, Topic
from flipside.schemes.models import Role

from .conftest import PHONE, Session, sign_in

pytestmark = pytest.mark.browser


def recruitment(world: World) -> tuple[Call, Application]:
    """An open call for mentors with a rubric, and one application submitted through the
    applicant's own services."""
    now = timezone.now()
    call = Call.objects.create(
        cohort=world.cohort,
        role=Role.MENTOR,
        title="Become a student mentor",
        introduction="Mentor a senior member of staff.",
        eligibility=["I am a student."],
        opens_at=now - datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=20),
    )
    RubricCriterion.objects.create(scheme=world.scheme, name="Insight", max_score=5, order=1)
    RubricCriterion.objects.create(scheme=world.scheme, name="Commitment", max_score=3, order=2)
    topic = Topic.objects.create(scheme=world.scheme, name="Coming out at medical school")
    programme = Programme.objects.create(organisation=world.organisation, name="MBBS")
    applicant = make_user("Robin Applicant", email="robin@example.ac.uk")
    application = services.start_application_as(call, user=applicant)
    services.save_answers(
        application,
        by=applicant,
        answers={
            "site": world.organisation.sites.first(),
            "availability": ["tue-pm", "thu-eve"],
            "mode": "online",
            "eligibility_confirmed": True,
            "programme": programme,
            "year": 3,
            "statement": "I run the LGBTQ+ medics society and want staff to hear from us.",
            "topics": [topic.pk],
        },
    )
    return call, services.submit_application(application, by=applicant)


def test_coordinator_scores_notes_and_accepts_an_application(
    session: Session, live_server: Any, live_world: World
) -> None:
    call, application = recruitment(live_world)
    sign_in(session.page, live_server, live_world.coordinator.email)

    page = session.goto(reverse("home:cohort", args=[live_world.cohort.pk]), "cohort")
    page.get_by_role("link", name="Calls for applications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Calls for {live_world.cohort}")
    expect(page.get_by_label("Link to share")).to_have_value(re.compile(call.token))
    session.check("calls")

    page.get_by_role("link", name="See 1 application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Applications: {call.title}")
    session.check("applications")
    session.screenshot("applications", phone=True)

    page.get_by_role("link", name="Robin Applicant").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Robin Applicant")
    expect(page.get_by_text("I run the LGBTQ+ medics society")).to_be_visible()
    session.check("review")

    page.get_by_label("Insight").fill("4")
    page.get_by_label("Commitment").fill("2")
    page.get_by_role("button", name="Save scores").click()
    expect(page.get_by_role("status")).to_contain_text("Your scores are saved.")
    expect(page.get_by_text("Average: 6.0 out of 8, from 1 reviewer.")).to_be_visible()
    session.check("review-scored")

    page.get_by_label("Add a private note").fill("Strong statement; ask about placements.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_contain_text("Note added.")
    expect(page.locator(".note")).to_contain_text("Strong statement; ask about placements.")

    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark 1 application “Accepted”?")
    expect(page.get_by_role("listitem").filter(has_text="Robin Applicant")).to_be_visible()
    session.check("review-confirm")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    page.get_by_role("button", name="Yes, mark it “Accepted”").click()
    expect(page.get_by_role("status")).to_contain_text("1 application is now “Accepted”.")
    expect(page.locator(".status-line .tag")).to_have_text("Accepted")
    session.check("review-accepted")
    session.screenshot("review-accepted", phone=True)
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED

    page = session.goto(reverse("schemes:cohort_people", args=[live_world.cohort.pk]), "people")
    expect(page.locator("#people")).to_contain_text("Robin Applicant")
    assert OutboxMessage.objects.filter(
        kind="application_accepted", to="robin@example.ac.uk"
    ).exists()


def recruitment_pages(world: World) -> list[tuple[str, str, str]]:
    call, application = recruitment(world)
    return [
        (
            "setup",
            reverse("recruitment:scheme_setup", args=[world.scheme.pk]),
            "Recruitment set-up",
        ),
        ("calls", reverse("recruitment:calls", args=[world.cohort.pk]), "Calls for"),
        ("call-new", reverse("recruitment:call_create", args=[world.cohort.pk]), "Make a call"),
        ("call-edit", reverse("recruitment:call_edit", args=[call.pk]), "Edit"),
        ("applications", reverse("recruitment:applications", args=[call.pk]), "Applications:"),
        ("review", reverse("recruitment:review", args=[application.pk]), "Robin Applicant"),
        (
            "import",
            reverse("recruitment:import_staff", args=[world.cohort.pk]),
            "Import a staff list",
        ),
    ]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_recruitment_pages_are_accessible(
    new_session: Callable[..., Session], live_server: Any, live_world: World, viewport: str
) -> None:
    session = new_session(PHONE) if viewport == "phone" else new_session()
    sign_in(session.page, live_server, live_world.coordinator.email)
    for name, path, heading in recruitment_pages(live_world):
        page = session.goto(path, name)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)


def test_call_form_errors_are_summarised_and_focused(
    session: Session, live_server: Any, live_world: World
) -> None:
    sign_in(session.page, live_server, live_world.coordinator.email)
    page = session.goto(reverse("recruitment:call_create", args=[live_world.cohort.pk]), "call-new")
    page.get_by_label("Staff mentee").check()
    page.get_by_label("Title").fill("Call for staff mentees")
    page.get_by_label("Introduction").fill("Learn from a student.")
    page.get_by_label("Opening date").fill("2027-03-28")
    page.get_by_label("Opening time").fill("01:30")
    page.get_by_role("button", name="Make call").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator(".field__error")).to_contain_text("There is no 01:30 on 28 March 2027")
    expect(page.get_by_label("Title")).to_have_value("Call for staff mentees")
    session.check("call-new-errors")
