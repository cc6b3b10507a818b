"""A student applies to be a mentor from the public link, and a coordinator accepts them."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import World, make_user, sent_mail
from flipside.notifications.models import OutboxMessage
from flipside.privacy.models import EqualityRecord
from flipside.recruitment.models import Application, Call
from flipside.recruitment.services import start_application_as
from flipside.recruitment.tests.builders import ELIGIBILITY, make_programme, make_topics

from .conftest import PHONE, Session, sign_in

pytestmark = pytest.mark.browser

EMAIL = "sam.student@example.ac.uk"
PASSWORD = "a long enough passphrase 42"
STATEMENT = "I want senior staff to hear what placements are like for queer students."


def open_call(world: World) -> Call:
    make_programme(world.organisation)
    make_topics(world.scheme)
    now = timezone.now()
    return Call.objects.create(
        cohort=world.cohort,
        role="mentor",
        title="Call for student mentors 2026/27",
        introduction="Mentor a senior member of staff.\n\nYour time is paid.",
        eligibility=ELIGIBILITY,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
        word_limit=250,
    )


def test_a_student_applies_from_the_public_link(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    call = open_call(live_world)
    session = new_session()

    page = session.goto(reverse("recruitment:call_public", args=[call.token]), "call")
    expect(page.get_by_role("heading", level=1)).to_have_text(call.title)
    session.screenshot("call", phone=True)
    page.get_by_label("Your full name").fill("Sam Student")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    session.check("check-email")

    sent = [m for m in sent_mail() if EMAIL in m.to]
    assert len(sent) == 1
    found = re.search(r"https?://\S+/apply/verify/[^/\s]+/", sent[0].body)
    assert found is not None, sent[0].body
    page = session.goto(urlsplit(found.group(0)).path, "verify")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    page.get_by_label("Pronouns").fill("they/them")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your application: {call.title}")
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    session.check("application-new")
    page.get_by_label("Programme of study").select_option(label="MBBS")
    page.get_by_label("Year of study").select_option(label="Year 2")
    page.get_by_role("radio", name="Medical School").check()
    counter = page.locator("#id_statement_count")
    expect(counter).to_have_text("0 of 250 words")
    page.get_by_label("Why would you be a good mentor?").press_sequentially(STATEMENT[:30])
    expect(counter).to_have_text(f"{len(STATEMENT[:30].split())} of 250 words")
    page.get_by_label("Why would you be a good mentor?").fill(STATEMENT)
    expect(counter).to_have_text(f"{len(STATEMENT.split())} of 250 words")
    page.get_by_label("Names and pronouns").check()
    page.get_by_label("Tuesday afternoon").check()
    page.get_by_label("Thursday evening").check()
    page.get_by_label("Online").check()
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("status")).to_contain_text("Your draft is saved.")
    expect(page.get_by_label("Tuesday afternoon")).to_be_checked()
    session.check("application-draft")
    session.screenshot("application-draft", phone=True)

    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("[data-error-summary]")).to_contain_text("Tick every statement")
    session.check("application-errors")
    for statement in ELIGIBILITY:
        page.get_by_label(statement).check()
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("status")).to_contain_text("Your application is submitted.")
    expect(page.locator(".status-line")).to_contain_text("Submitted")
    session.check("application-submitted")
    assert Application.objects.get(applicant__email=EMAIL).status == "submitted"

    page.get_by_role("link", name="Equality monitoring questions (optional)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Equality monitoring")
    expect(page.get_by_label("Your ethnic group, in your own words")).to_be_hidden()
    session.check("equality")
    session.screenshot("equality", phone=True)
    page.get_by_role("group", name="What is your ethnic group?").get_by_label(
        "I'd prefer to describe myself"
    ).check()
    expect(page.get_by_label("Your ethnic group, in your own words")).to_be_visible()
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("status")).to_contain_text("we have stored none")
    session.check("application-after-equality")
    assert not EqualityRecord.objects.exists()

    page = session.goto(reverse("recruitment:my_applications"), "my-applications")
    expect(page.get_by_role("link", name=call.title)).to_be_visible()
    page = session.goto(reverse("home"), "home")
    expect(page.get_by_role("heading", name="Your applications")).to_be_visible()

    # The coordinator reviews and accepts; the student is emailed and joins the cohort.
    coordinator = new_session()
    sign_in(coordinator.page, live_server, live_world.coordinator.email)
    page = coordinator.goto(reverse("recruitment:applications", args=[call.pk]), "applications")
    page.get_by_role("link", name="Sam Student").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Student")
    page.get_by_role("button", name="Accept", exact=True).click()
    page.get_by_role("button", name="Yes, mark it “Accepted”").click()
    expect(page.get_by_role("status")).to_contain_text("Accepted")
    coordinator.check("review-accepted")
    assert OutboxMessage.objects.filter(kind="application_accepted", to=EMAIL).exists()
    page = coordinator.goto(reverse("schemes:cohort_people", args=[live_world.cohort.pk]), "people")
    expect(page.get_by_role("rowheader", name=re.compile("Sam Student"))).to_be_visible()

    page = session.goto(reverse("home"), "home-accepted")
    expect(page.locator(".card").filter(has_text=str(live_world.cohort))).to_contain_text(
        "Student mentor"
    )


def test_call_pages_on_a_phone(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    call = open_call(live_world)
    session = new_session(PHONE)
    page = session.goto(reverse("recruitment:call_public", args=[call.token]), "call")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    session.check("call-errors")


def test_the_application_fits_a_phone(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    call = open_call(live_world)
    student = make_user("Sam Student", email=EMAIL)
    application = start_application_as(call, user=student)
    session = new_session(PHONE)
    sign_in(session.page, live_server, EMAIL)

    page = session.goto(reverse("recruitment:application", args=[application.pk]), "application")
    grid = page.locator("#id_availability")
    expect(grid.get_by_role("columnheader", name="Evening")).to_be_visible()
    assert grid.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the week grid scrolls"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_member_of_staff_sees_the_mentee_form_and_can_withdraw(
    session: Session, live_server: Any, live_world: World
) -> None:
    open_call(live_world)
    call = Call.objects.create(
        cohort=live_world.cohort,
        role="mentee",
        title="Call for staff mentees",
        introduction="Be mentored by a student.",
        opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    staff = make_user("Dr Sam Staff", email="sam.staff@example.ac.uk")
    application = start_application_as(call, user=staff)
    sign_in(session.page, live_server, staff.email)

    page = session.goto(reverse("recruitment:application", args=[application.pk]), "mentee")
    page.get_by_label("MBBS year 3").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your draft is saved.")
    expect(page.get_by_label("MBBS year 3")).to_be_checked()
    session.check("mentee-saved")

    page.get_by_role("link", name="Withdraw your application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your application?")
    session.check("withdraw-confirm")
    page.get_by_role("button", name="Yes, withdraw my application").click()
    expect(page.get_by_role("status")).to_contain_text("You have withdrawn your application.")
    expect(page.locator(".status-line")).to_contain_text("Withdrawn")
    session.check("withdrawn")
