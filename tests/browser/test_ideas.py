"""An idea for change goes from a pair to a decision, in the browser: a mentor answers the
pre survey, then records an idea; a coordinator considers it, invites a new owner by name and
address and accepts it; the board shows it to the mentor with what happened, and without the
experience behind it. Every page is checked by axe-core and screenshotted."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import World
from flipside.ideas.models import Idea, Status
from flipside.surveys.models import Response
from flipside.surveys.services.instruments import ensure_standard
from flipside.surveys.services.schedules import schedule_survey

from .conftest import Session, sign_in

pytestmark = pytest.mark.browser

TITLE = "Diverse patient images in anatomy teaching"
EXPERIENCE = "I had never seen a rash on dark skin in any lecture."


def test_a_mentor_answers_the_pre_survey_and_their_idea_is_accepted_and_shown_on_the_board(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    world = live_world
    today = timezone.localdate()
    instrument = ensure_standard(world.scheme)["mentor_prepost"]
    survey = schedule_survey(
        world.cohort, by=world.coordinator, instrument=instrument, stage="pre", opens_on=today,
        closes_on=today + datetime.timedelta(days=14),
    )  # fmt: skip
    # --- The mentor answers the pre survey, then records an idea. ----------------------------
    mentor = new_session()
    sign_in(mentor.page, live_server, world.mentor.email)
    page = mentor.goto(reverse("surveys:mine"), "your surveys")
    page.get_by_role("link", name="Student mentors: before, during and after").click()
    for fieldset in page.locator("fieldset").all():
        options = fieldset.get_by_role("radio")
        options.nth(min(3, options.count() - 1)).check()
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    assert Response.objects.filter(survey=survey).count() == 1
    page = mentor.goto(reverse("ideas:record", args=[world.cohort.pk]), "record an idea")
    page.get_by_role("button", name="Record the idea").click()
    expect(page.locator(".error-summary")).to_be_visible()  # nothing filled in: errors
    mentor.check("record an idea with errors")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("The idea", exact=True).fill("Use images of patients of every skin tone.")
    page.get_by_label("Area").select_option("curriculum")
    page.get_by_label("Departmental").check()
    page.get_by_label("The experience behind it").fill(EXPERIENCE)
    page.get_by_label("Me", exact=True).check()
    page.get_by_role("button", name="Record the idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    mentor.check("the recorded idea")
    idea = Idea.objects.get()

    # --- A coordinator considers it, invites an owner and accepts it. ---------------------
    coordinator = new_session()
    sign_in(coordinator.page, live_server, world.coordinator.email)
    page = coordinator.goto(reverse("ideas:register", args=[world.organisation.pk]), "register")
    page.get_by_role("link", name=TITLE).click()
    coordinator.check("the idea, for a coordinator")
    page.get_by_label("Under consideration").check()
    page.get_by_label("Note").fill("We will ask the anatomy team.")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".messages")).to_contain_text("Under consideration")
    page.get_by_role("link", name="Give it an owner").click()
    coordinator.check("give it an owner")
    page.get_by_label("Their name").fill("Professor Dee Dean")
    page.get_by_label("Their work email address").fill("dee.dean@example.ac.uk")
    page.get_by_role("button", name="Invite them as the owner").click()
    expect(page.locator(".messages")).to_contain_text("Owner saved")
    page.get_by_label("Accepted").check()
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".messages")).to_contain_text("Accepted")
    coordinator.check("the accepted idea")
    idea.refresh_from_db()
    assert idea.status == Status.ACCEPTED and idea.owner is not None
    assert idea.owner.email == "dee.dean@example.ac.uk"

    # --- The board shows it to the mentor, without the experience. -------------------------
    page = mentor.goto(reverse("ideas:board", args=[world.organisation.pk]), "the board")
    board = page.locator(".idea-board")
    expect(board).to_contain_text(TITLE)
    expect(board).to_contain_text("Accepted")
    expect(page.locator("main")).not_to_contain_text(EXPERIENCE)
