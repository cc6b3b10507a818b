"""Every link to a surveys or ideas page, on the coordinators' survey pages, and every link
on the cohort's page (from every app, at every stage), opens for the person shown it: the
builder and the talking points' library belong to the scheme's coordinators, so a cohort's
own coordinator is not sent to them."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.urls import Resolver404, resolve, reverse

from conftest import World, response_text
from flipside.schemes.models import Stage

from .helpers import answer, mentors, scheduled

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#?]*)')


def ours(href: str) -> bool:
    try:
        return resolve(href).namespace in ("surveys", "ideas")
    except Resolver404:
        return False


def pages(world: World) -> list[str]:
    survey = scheduled(world)
    for person in mentors(world, 5):
        answer(survey, person)
    question = survey.instrument.questions.get(kind="text")
    return [
        reverse("surveys:cohort_surveys", args=[world.cohort.pk]),
        reverse("surveys:results", args=[survey.pk]),
        reverse("surveys:survey_edit", args=[survey.pk]),
        reverse("surveys:text_answers", args=[survey.pk, question.pk]),
        reverse("home:cohort", args=[world.cohort.pk]),
    ]


def internal(href: str) -> bool:
    """A link to one of the site's pages that a GET only reads (not signing out)."""
    try:
        match = resolve(href)
    except Resolver404:
        return False
    return match.view_name != "accounts:logout"


@pytest.mark.parametrize("role", ["cohort_coordinator", "coordinator", "org_coordinator"])
def test_no_link_on_a_coordinators_survey_page_is_a_dead_end(
    role: str, world: World, client: Any
) -> None:
    client.force_login(getattr(world, role))
    instruments = reverse("surveys:instruments", args=[world.scheme.pk])
    seen: dict[str, int] = {}
    for page in pages(world):
        response = client.get(page)
        assert response.status_code == 200, page
        for href in {unescape(h) for h in LINK.findall(response_text(response))}:
            if href in seen or not ours(href):
                continue
            seen[href] = client.get(href).status_code
    dead = {href: status for href, status in seen.items() if status in (403, 404)}
    assert not dead, dead
    # The builder's link is shown exactly to those who may open it.
    assert (instruments in seen) == (role != "cohort_coordinator")


ROLES = ["cohort_coordinator", "coordinator", "org_coordinator"]


@pytest.mark.parametrize("role", ROLES)
def test_no_link_on_the_cohort_page_is_a_dead_end_at_any_stage(
    role: str, world: World, client: Any
) -> None:
    """Each app's section of the cohort page, at each stage it shows in: every link it
    offers a coordinator opens for that coordinator."""
    survey = scheduled(world)
    for person in mentors(world, 5):
        answer(survey, person)
    client.force_login(getattr(world, role))
    page = reverse("home:cohort", args=[world.cohort.pk])
    seen: dict[str, int] = {}
    for stage in Stage.values:
        world.cohort.stage = stage
        world.cohort.save(update_fields=["stage"])
        response = client.get(page)
        assert response.status_code == 200, stage
        for href in {unescape(h) for h in LINK.findall(response_text(response))}:
            if href not in seen and internal(href):
                seen[href] = client.get(href).status_code
    dead = {href: status for href, status in seen.items() if status not in (200, 302)}
    assert not dead, dead
    assert reverse("surveys:results", args=[survey.pk]) in seen  # the survey row's link
    talking_points = reverse("partnerships:points_manage", args=[world.scheme.pk])
    assert (talking_points in seen) == (role != "cohort_coordinator")
