"""The matching page's list of runs: paged, counted in one query, with the published run
named whichever page it is on, in a number of queries that does not grow with the cohort."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, bulk_members
from flipside.matching.models import Capacity, PairRule, Run
from flipside.schemes.models import Cohort, Role

from .builders import matching_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client: Client, world: World) -> Client:
    client.force_login(world.coordinator)
    return client


def with_runs(world: World, n: int, *, published: int | None = None) -> Cohort:
    """A cohort with ``n`` finished runs; run number ``published`` is the published one."""
    cohort = matching_cohort(world.scheme)
    Run.objects.bulk_create(
        Run(cohort=cohort, number=number, status=Run.Status.DONE, matched=number,
            total_score=10 * number, min_score=number, created_by=world.coordinator,
            published_at=timezone.now() if number == published else None,
            published_by=world.cohort_coordinator if number == published else None)
        for number in range(1, n + 1)
    )  # fmt: skip
    return cohort


def visit(client: Client, cohort: Cohort, page: int = 1) -> tuple[int, str]:
    """(queries, HTML) of one page of the matching page."""
    address = reverse("matching:overview", args=[cohort.pk])
    client.get(address)  # the first visit saves the cohort's default settings
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, {"page": page})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_published_run_is_named_on_every_page_of_runs(
    coordinator: Client, world: World
) -> None:
    cohort = with_runs(world, 25, published=2)
    name = world.cohort_coordinator.display_name
    for page in (1, 2):
        _queries, html = visit(coordinator, cohort, page)
        assert "The pairs are published" in html
        assert "Proposal 2 was published on" in html and f"by <bdi>{name}</bdi>" in html
        assert "Compare two proposals" in html
    _queries, html = visit(coordinator, cohort, 1)
    assert "Showing 1–20 of 25" in html and "Page 1 of 2" in html
    assert reverse("matching:run", args=[cohort.matching_runs.get(number=25).pk]) in html
    assert reverse("matching:run", args=[cohort.matching_runs.get(number=5).pk]) not in html


def test_a_cohort_with_no_published_run_says_nothing_is_published(
    coordinator: Client, world: World
) -> None:
    _queries, html = visit(coordinator, with_runs(world, 1))
    assert "The pairs are published" not in html and "Compare two proposals" not in html
    assert "Proposal 1" in html


def test_the_matching_page_costs_the_same_for_one_run_as_for_many(
    coordinator: Client, world: World
) -> None:
    small, large = with_runs(world, 2, published=1), with_runs(world, 45, published=44)
    mentors = bulk_members(large, Role.MENTOR, 30, name="Mentor")
    mentees = bulk_members(large, Role.MENTEE, 30, name="Mentee")
    PairRule.objects.bulk_create(
        PairRule(cohort=large, mentor=a, mentee=b, kind=kind)
        for a, b, kind in zip(mentors, mentees, ["never", "lock"] * 15, strict=True)
    )
    Capacity.objects.bulk_create(Capacity(cohort=large, user=a, partners=2) for a in mentors)

    small_queries, _html = visit(coordinator, small)
    large_queries, html = visit(coordinator, large)
    assert "Mentor 0029" in html.split('id="capacity"')[1]
    assert html.count(">Proposal 45</option>") == html.count(">Proposal 1</option>") == 2
    # At most: session, user, cohort, navigation, breadcrumb; settings, readiness counts,
    # rules, runs counted, the page of runs (with the published run on it), the runs to
    # compare, capacities.
    assert small_queries == large_queries <= 12


def test_a_published_run_off_the_page_costs_one_more_query(
    coordinator: Client, world: World
) -> None:
    cohort = with_runs(world, 25, published=25)
    on_the_page, _html = visit(coordinator, cohort, 1)
    off_the_page, html = visit(coordinator, cohort, 2)
    assert "Proposal 25 was published on" in html
    assert off_the_page == on_the_page + 1


def test_each_run_row_shows_who_when_the_aim_the_status_and_the_scores(
    coordinator: Client, world: World
) -> None:
    cohort = matching_cohort(world.scheme)
    world.coordinator.display_name = "<i>Ann</i> & co"
    world.coordinator.save()
    winter = datetime.datetime(2027, 1, 5, 23, 30, tzinfo=datetime.UTC)
    summer = datetime.datetime(2027, 6, 30, 23, 30, tzinfo=datetime.UTC)
    done, failed = Run.objects.bulk_create([
        Run(cohort=cohort, number=1, status=Run.Status.DONE, mode=Run.Mode.FAIREST, matched=40,
            total_score=2800, min_score=51, created_by=world.coordinator, created_at=winter),
        Run(cohort=cohort, number=2, status=Run.Status.FAILED, created_at=summer),
    ])  # fmt: skip
    _queries, html = visit(coordinator, cohort)
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert [row.count('data-label="') for row in rows] == [9, 9]
    newest, oldest = rows
    assert f'<a href="{reverse("matching:run", args=[failed.pk])}">Proposal 2</a>' in newest
    assert '<time datetime="2027-07-01T00:30:00+01:00">1 Jul 2027, 00:30</time>' in newest
    assert '<span class="tag tag--run-failed">Could not finish</span>' in newest
    assert "<bdi>–</bdi>" in newest and "Best overall" in newest and "<svg" not in newest
    assert "<bdi>&lt;i&gt;Ann&lt;/i&gt; &amp; co</bdi>" in oldest
    assert '<time datetime="2027-01-05T23:30:00+00:00">5 Jan 2027, 23:30</time>' in oldest
    assert ">Fairest</td>" in oldest and 'class="num">40</td>' in oldest
    assert '<span class="score__number">2800</span><svg class="bar"' in oldest
    assert 'class="bar__fill" width="100"' in oldest and 'class="bar__fill" width="51"' in oldest
    assert f'<a href="{reverse("matching:run", args=[done.pk])}">Proposal 1</a>' in oldest
