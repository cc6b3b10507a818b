"""A mentor raises an anonymous concern; the coordinator finds it, acknowledges it, and checks
who in the cohort is ready to be paired. Every page is checked by axe-core and screenshotted."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import World
from flipside.schemes.models import Stage
from flipside.training.models import (
    AgreementVersion,
    Concern,
    HandbookAcknowledgement,
    HandbookVersion,
    SupportService,
    TrainingSession,
)

from .conftest import PHONE, Session, sign_in

pytestmark = pytest.mark.browser


def training_cohort(world: World) -> None:
    """The cohort in training, with a required session, a handbook the mentor has read and
    ground rules nobody has accepted yet."""
    world.cohort.stage = Stage.TRAINING
    world.cohort.save()
    TrainingSession.objects.create(
        cohort=world.cohort,
        title="Mentor training",
        audience="both",
        starts_at=timezone.now() + datetime.timedelta(days=7),
    )
    handbook = HandbookVersion.objects.create(scheme=world.scheme, number=1, body="# Welcome")
    HandbookAcknowledgement.objects.create(user=world.mentor, version=handbook)
    AgreementVersion.objects.create(scheme=world.scheme, number=1, body="Be kind.")
    SupportService.objects.create(
        organisation=world.organisation,
        name="Student Wellbeing Service",
        description="Confidential support for any student.",
        contact="https://wellbeing.example.ac.uk",
    )


def test_mentor_raises_an_anonymous_concern_and_the_coordinator_triages_it(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    training_cohort(live_world)
    mentor = new_session()
    sign_in(mentor.page, live_server, live_world.mentor.email)
    page = mentor.page
    expect(page.get_by_text("Before you are paired:")).to_be_visible()
    mentor.check("mentor-home")
    mentor.screenshot("mentor-home", phone=True)

    page.get_by_role("link", name="Get support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get support")
    mentor.check("support")
    mentor.screenshot("support", phone=True)
    page.get_by_role("button", name="Send to the coordinators").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    mentor.check("support-errors")

    page.get_by_label("Subject").fill("Comments in our last meeting")
    page.get_by_label("What happened?").fill("My mentee made a remark about my accent.\nTwice.")
    page.get_by_label("Raise this anonymously").check()
    page.get_by_role("button", name="Send to the coordinators").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your concern has been sent")
    expect(page.get_by_text("cannot reply to you")).to_be_visible()
    mentor.check("thanks")
    assert Concern.objects.get().raised_by is None

    coordinator = new_session()
    sign_in(coordinator.page, live_server, live_world.coordinator.email)
    page = coordinator.page
    page.get_by_role("link", name="Concerns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Concerns")
    coordinator.check("concerns")
    coordinator.screenshot("concerns", phone=True)

    page.get_by_role("link", name="Comments in our last meeting").click()
    expect(page.get_by_text("Raised anonymously")).to_be_visible()
    expect(page.get_by_text("remark about my accent")).to_be_visible()
    coordinator.check("concern")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Concern updated.")).to_be_visible()
    expect(page.locator(".status-line")).to_contain_text("Acknowledged")
    coordinator.check("concern-acknowledged")
    coordinator.screenshot("concern-acknowledged", phone=True)

    page.goto(coordinator.url(reverse("home:cohort", args=[live_world.cohort.pk])))
    page.get_by_role("link", name="Readiness", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ready to be paired?")
    expect(page.get_by_text("0 of 1 student mentor ready")).to_be_visible()
    coordinator.check("readiness")
    coordinator.screenshot("readiness", phone=True)

    row = page.locator(f"#person-{live_world.mentee.pk}")
    row.get_by_text("Let through").first.click()
    row.get_by_label("Why may they be paired now?").fill("Did the training last year")
    row.get_by_role("button", name="Let through").click()
    expect(page.get_by_text("may now be paired")).to_be_visible()
    expect(page.locator(f"#person-{live_world.mentee.pk}")).to_contain_text(
        "Let through by a coordinator"
    )
    coordinator.check("readiness-let-through")


def test_support_page_on_a_phone(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    phone = new_session(PHONE)
    sign_in(phone.page, live_server, live_world.nobody.email)
    page = phone.goto(reverse("training:support"), "support-nobody")
    expect(page.get_by_text("116 123")).to_be_visible()
