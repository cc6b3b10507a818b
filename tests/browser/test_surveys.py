"""A student mentor answers the pre survey in the browser: they find it on their surveys
page, miss a required answer and are told so with what they typed kept, then send their
answers; every page is checked by axe-core."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import World
from flipside.surveys.models import Invitation, Response
from flipside.surveys.services.instruments import ensure_standard
from flipside.surveys.services.schedules import schedule_survey

from .conftest import Session, sign_in

pytestmark = pytest.mark.browser


def test_a_mentor_answers_the_pre_survey(
    live_world: World, session: Session, live_server: Any
) -> None:
    world = live_world
    today = timezone.localdate()
    instrument = ensure_standard(world.scheme)["mentor_prepost"]
    survey = schedule_survey(
        world.cohort, by=world.coordinator, instrument=instrument, stage="pre",
        opens_on=today - datetime.timedelta(days=1), closes_on=today + datetime.timedelta(days=14),
    )  # fmt: skip
    page = session.page
    sign_in(page, live_server, world.mentor.email)
    session.goto("/my-surveys/", "your surveys")
    page.get_by_role("link", name="Student mentors: before, during and after").click()
    session.check("the pre survey")
    page.get_by_label("Anything you would like to add?").fill("Looking forward to it <b>!</b>")
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Anything you would like to add?")).to_have_value(
        "Looking forward to it <b>!</b>"
    )
    session.check("the pre survey with errors")
    for fieldset in page.locator("fieldset").all():
        options = fieldset.get_by_role("radio")
        options.nth(min(3, options.count() - 1)).check()
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    session.check("answered")
    assert Response.objects.filter(survey=survey).count() == 1
    assert Invitation.objects.get(survey=survey, user=world.mentor).answered
