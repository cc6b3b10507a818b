"""Training in the browser: a coordinator adds a session, a mentor books it, and the
coordinator takes the register on a phone. Every page is checked by axe-core and
screenshotted."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import World
from flipside.training import services
from flipside.training.models import Booking, TrainingSession

from .conftest import PHONE, Session, sign_in

pytestmark = pytest.mark.browser

TITLE = "Mentor training: listening and feedback"


def test_a_coordinator_adds_a_session_and_a_mentor_books_it(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    world = live_world
    coordinator = new_session()
    sign_in(coordinator.page, live_server, world.coordinator.email)
    page = coordinator.goto(reverse("training:sessions", args=[world.cohort.pk]), "list-empty")
    page.get_by_role("link", name="Add a session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a training session")
    coordinator.check("add-form")
    coordinator.screenshot("add-form", phone=True)

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("How to give feedback upwards, kindly and clearly.")
    page.get_by_role("radio", name="Student mentors").check()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("Length in minutes").fill("90")
    page.get_by_label("Location").fill("Room 2.14, Medical School")
    page.get_by_label("Online link").fill("http://meet.example.org/abc")
    page.get_by_label("Places").fill("12")
    page.get_by_role("button", name="Add session").click()

    # An http link is refused, with the summary at the top linking to the field.
    expect(page.get_by_role("alert")).to_contain_text("Enter a link starting with https://.")
    coordinator.check("add-form-error")
    page.get_by_label("Online link").fill("https://meet.example.org/abc")
    page.get_by_role("button", name="Add session").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("status")).to_contain_text("Session added.")
    expect(page.locator(".facts")).to_contain_text("2pm to 3:30pm")
    coordinator.check("detail-coordinator")
    coordinator.screenshot("detail-coordinator", phone=True)
    session = TrainingSession.objects.get()

    mentor = new_session()
    sign_in(mentor.page, live_server, world.mentor.email)
    page = mentor.goto(reverse("training:sessions", args=[world.cohort.pk]), "list-mentor")
    # Chromium names it "Book a place : <title>" (the hidden title is positioned apart).
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("status")).to_contain_text("You have a place.")
    expect(page.locator(".session-item")).to_contain_text("You have a place")
    mentor.check("list-mentor-booked")
    mentor.screenshot("list-mentor-booked", phone=True)
    page = mentor.goto(reverse("training:session", args=[session.pk]), "detail-mentor")
    expect(page.get_by_role("button", name="Cancel my place")).to_be_visible()
    assert Booking.objects.get().user == world.mentor


def test_a_coordinator_takes_the_register_on_a_phone(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    world = live_world
    # The live server cannot travel in time, so this session starts within the hour.
    session = services.create_session(
        world.cohort,
        by=world.coordinator,
        title=TITLE,
        audience="both",
        starts_at=timezone.now() + datetime.timedelta(minutes=30),
        location="Room 2.14, Medical School",
    )
    services.book(session, user=world.mentor, by=world.mentor)
    services.book(session, user=world.mentee, by=world.mentee)

    phone = new_session(PHONE)
    sign_in(phone.page, live_server, world.coordinator.email)
    page = phone.goto(reverse("training:session", args=[session.pk]), "detail")
    page.get_by_role("link", name="Attendance register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    phone.check("register")

    mentor_row = page.get_by_role("group", name="Mo Mentor")
    mentor_row.get_by_role("radio", name="Present").check()
    page.get_by_role("group", name="Prof Mena Mentee").get_by_role("radio", name="Excused").check()
    phone.check("register-chosen")
    page.get_by_role("button", name="Save register").click()

    expect(page.get_by_role("status")).to_contain_text("Register saved.")
    expect(mentor_row.get_by_role("radio", name="Present")).to_be_checked()
    phone.check("register-saved")
    marks = dict(Booking.objects.values_list("user__email", "attendance"))
    assert marks == {world.mentor.email: "present", world.mentee.email: "excused"}
