"""Matching forms choose people with the search picker, so pages do not grow with the cohort."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, bulk_members
from flipside.matching.models import Capacity, PairRule
from flipside.schemes.models import Role

from .builders import matching_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client: Client, world: World) -> Client:
    client.force_login(world.coordinator)
    return client


def overview(client: Client, cohort: Any) -> tuple[int, int]:
    """(queries, bytes) of the matching page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("matching:overview", args=[cohort.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<option" not in html.split('id="rules"')[1]  # no option per person in the forms
    return len(queries), len(html)


def test_the_matching_page_does_not_grow_with_the_cohort(coordinator: Client, world: World) -> None:
    small, large = matching_cohort(world.scheme), matching_cohort(world.scheme)
    for cohort, n in ((small, 3), (large, 60)):
        bulk_members(cohort, Role.MENTOR, n, name="Mentor")
        bulk_members(cohort, Role.MENTEE, n, name="Mentee")
    for cohort in (small, large):  # the first visit saves the cohort's default settings
        overview(coordinator, cohort)
    small_queries, small_size = overview(coordinator, small)
    large_queries, large_size = overview(coordinator, large)
    assert large_queries == small_queries
    assert abs(large_size - small_size) < 200  # only labels and counts differ


def test_without_javascript_a_rule_is_made_by_searching_then_choosing(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    mentors = bulk_members(cohort, Role.MENTOR, 3, name="Mentor")
    mentees = bulk_members(cohort, Role.MENTEE, 3, name="Mentee")
    url = reverse("matching:rule_add", args=[cohort.pk])
    typed = {"rule-mentor_search": "mentor 0001", "rule-mentee_search": "0002",
             "rule-kind": "never", "rule-reason": "Same lab"}  # fmt: skip
    html = coordinator.post(url, typed).content.decode()
    assert "Choose one of the people found below" in html and not PairRule.objects.exists()
    assert f'type="radio" name="rule-mentor" value="{mentors[1].pk}"' in html
    assert f'type="radio" name="rule-mentee" value="{mentees[2].pk}"' in html
    assert 'value="Same lab"' in html  # the rest of the input is kept
    chosen = typed | {"rule-mentor": mentors[1].pk, "rule-mentee": mentees[2].pk}
    response = coordinator.post(url, chosen)
    assert response.status_code == 302
    rule = PairRule.objects.get()
    assert (rule.mentor, rule.mentee, rule.kind) == (mentors[1], mentees[2], "never")


def test_a_mentee_cannot_be_posted_as_the_mentor_of_a_rule(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    mentee = bulk_members(cohort, Role.MENTEE, 2, name="Mentee")
    data = {"rule-mentor": mentee[0].pk, "rule-mentee": mentee[1].pk, "rule-kind": "never"}
    html = coordinator.post(reverse("matching:rule_add", args=[cohort.pk]), data).content.decode()
    assert "Select a valid choice" in html and not PairRule.objects.exists()


def test_capacity_takes_a_mentor_or_a_mentee_by_id(coordinator: Client, world: World) -> None:
    cohort = matching_cohort(world.scheme)
    mentee = bulk_members(cohort, Role.MENTEE, 1, name="Mentee")[0]
    data = {"capacity-person": mentee.pk, "capacity-partners": 2}
    response = coordinator.post(reverse("matching:capacity", args=[cohort.pk]), data)
    assert response.status_code == 302
    assert Capacity.objects.get(cohort=cohort, user=mentee).partners == 2
