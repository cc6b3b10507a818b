"""What partnerships offers the home pages and the cohort page: each partner's progress and
next meeting, the cohort's pairs by status for coordinators (counts only for observers), and
a running cohort's next step."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import join, make_cohort
from flipside.matching.models import Pair
from flipside.partnerships import offers
from flipside.partnerships.models import Meeting, Pause
from flipside.schemes.models import Membership, Role, Stage

TODAY = datetime.datetime(2027, 2, 15, 12, 0, tzinfo=datetime.UTC)  # 2 of 4 expected


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def pair_of(cohort: Any, mentor: Any = None, mentee: Any = None) -> Pair:
    return Pair.objects.create(
        cohort=cohort,
        mentor=mentor or join(cohort, Role.MENTOR),
        mentee=mentee or join(cohort, Role.MENTEE),
        started_at=timezone.now() - datetime.timedelta(days=90),
    )


def held(pair: Pair, days_ago: int = 30) -> Meeting:
    at = timezone.now() - datetime.timedelta(days=days_ago)
    return Meeting.objects.create(pair=pair, status="held", record="confirmed", starts_at=at,
                                  held_minutes=60)  # fmt: skip


def coordinator_steps(cohorts: list[Any]) -> dict[int, Any]:
    """Partnerships' step over matching's, as the home page combines them (later wins)."""
    from flipside.matching import offers as matching

    return {**matching.coordinator_steps(cohorts), **offers.coordinator_steps(cohorts)}


def test_running_cohorts_step_counts_pairs_behind(world: Any, clock: Any) -> None:
    on_track = pair_of(world.cohort, world.mentor, world.mentee)
    held(on_track), held(on_track, 10)
    step = coordinator_steps([world.cohort])[world.cohort.pk]
    assert step.text == "Keep pairs meeting: every pair is on track. Plan the reflection meetings."
    assert step.url == reverse("partnerships:board", args=[world.cohort.pk])
    held(pair_of(world.cohort))  # behind
    pair_of(world.cohort)  # no contact yet
    paused = pair_of(world.cohort)
    Pause.objects.create(pair=paused)  # paused pairs are not behind
    assert coordinator_steps([world.cohort])[world.cohort.pk].text == (
        "Keep pairs meeting: 2 pairs behind."
    )


def test_a_running_cohort_without_pairs_keeps_matchings_step(world: Any) -> None:
    step = coordinator_steps([world.cohort])[world.cohort.pk]
    assert step.text == "No pair is meeting: find people new partners."


def test_steps_for_many_cohorts_in_one_query(world: Any, clock: Any) -> None:
    cohorts = [world.cohort] + [make_cohort(world.scheme, label=f"20{n}/x") for n in range(40, 45)]
    for cohort in cohorts:
        for _ in range(3):
            pair_of(cohort)
    for _ in range(2):
        with CaptureQueriesContext(connection) as first:
            offers.coordinator_steps(cohorts)
        # Counted for every cohort at once and kept in one statement; a cohort's first
        # count is kept from the next one on (decision 0016's rule).
        assert len(first) == 3
    with CaptureQueriesContext(connection) as queries:
        steps = offers.coordinator_steps(cohorts)
    assert len(queries) == 1
    assert len(steps) == 6
    assert all(s.text == "Keep pairs meeting: 3 pairs behind." for s in steps.values())


def test_a_partner_sees_progress_and_next_meeting_on_home(world: Any, client: Any,
                                                          clock: Any) -> None:  # fmt: skip
    pair = pair_of(world.cohort, world.mentor, world.mentee)
    held(pair)
    client.force_login(world.mentee)
    page = client.get(reverse("home")).content.decode()
    assert "1 of 4 meetings held — Behind" in page
    assert "Arrange your next meeting with your partner." in page
    assert reverse("partnerships:workspace", args=[pair.pk]) in page
    assert reverse("partnerships:points", args=[world.cohort.pk]) in page
    assert reverse("partnerships:events", args=[world.cohort.pk]) in page

    soon = timezone.now() + datetime.timedelta(days=3)
    Meeting.objects.create(pair=pair, status="accepted", starts_at=soon)
    page = client.get(reverse("home")).content.decode()
    assert "Next meeting:" in page and "Thursday 18 February 2027" in page
    assert "Arrange your next meeting" not in page


def test_participant_offers_ask_once_whatever_the_pairs(world: Any, clock: Any) -> None:
    for n in range(3):
        cohort = make_cohort(world.scheme, label=f"20{50 + n}/x")
        join(cohort, Role.MENTOR, world.mentor)
        held(pair_of(cohort, world.mentor))
    memberships = list(Membership.objects.filter(user=world.mentor).select_related("cohort"))
    with CaptureQueriesContext(connection) as queries:
        found = offers.participant_offers(world.mentor, memberships)
    assert len(queries) == 1
    with_progress = [o for o in found.values() if o.parts]
    assert len(with_progress) == 3


def test_no_progress_before_the_cohort_runs(world: Any, client: Any) -> None:
    world.cohort.stage = Stage.MATCHING
    world.cohort.save()
    pair_of(world.cohort, world.mentor, world.mentee)
    client.force_login(world.mentor)
    page = client.get(reverse("home")).content.decode()
    assert "meetings held" not in page


def test_coordinators_see_counts_and_links_on_the_cohort_page(world: Any, client: Any,
                                                              clock: Any) -> None:  # fmt: skip
    pair = pair_of(world.cohort, world.mentor, world.mentee)
    held(pair), held(pair, 10)
    pair_of(world.cohort)
    client.force_login(world.coordinator)
    page = client.get(reverse("home:cohort", args=[world.cohort.pk])).content.decode()
    assert "Pairs&#x27; progress" in page or "Pairs' progress" in page
    assert "<dt>On track</dt><dd>1</dd>" in page
    assert "<dt>No contact yet</dt><dd>1</dd>" in page
    assert reverse("partnerships:board", args=[world.cohort.pk]) in page
    assert reverse("partnerships:events", args=[world.cohort.pk]) in page
    assert reverse("partnerships:points_manage", args=[world.scheme.pk]) in page


def test_observers_see_counts_only(world: Any, client: Any, clock: Any) -> None:
    pair = pair_of(world.cohort, world.mentor, world.mentee)
    held(pair)
    client.force_login(world.observer)
    page = client.get(reverse("home:cohort", args=[world.cohort.pk])).content.decode()
    assert "<dt>Behind</dt><dd>1</dd>" in page
    assert reverse("partnerships:board", args=[world.cohort.pk]) not in page
    assert world.mentor.display_name not in page and world.mentee.display_name not in page


def test_each_partner_is_told_their_own_next_step_most_pressing_first(
    world: Any, clock: Any
) -> None:
    """Recording a meeting that has passed comes first; then confirming the partner's record,
    answering the partner's proposal, and arranging a meeting when none is arranged. What a
    person did themselves never asks them for more."""
    pair = pair_of(world.cohort, world.mentor, world.mentee)
    mentor_membership = Membership.objects.get(user=world.mentor, cohort=world.cohort)
    mentee_membership = Membership.objects.get(user=world.mentee, cohort=world.cohort)

    def steps() -> tuple[str, str]:
        return (
            offers.participant_offers(world.mentor, [mentor_membership])[
                mentor_membership.pk
            ].next_step,
            offers.participant_offers(world.mentee, [mentee_membership])[
                mentee_membership.pk
            ].next_step,
        )

    assert steps() == ("Arrange your next meeting with your partner.",) * 2
    proposed = Meeting.objects.create(pair=pair, status="proposed", proposed_by=world.mentor)
    assert steps() == (
        "Arrange your next meeting with your partner.",
        "Answer the meeting times your partner proposed.",
    )
    held(pair).__class__.objects.filter(pair=pair, status="held").update(
        record="unconfirmed", recorded_by=world.mentee
    )
    assert steps() == (
        "Confirm the meeting your partner recorded.",
        "Answer the meeting times your partner proposed.",
    )
    proposed.status, proposed.starts_at = "accepted", timezone.now() - datetime.timedelta(hours=2)
    proposed.save()
    assert steps() == ("Record whether your last meeting happened.",) * 2


def test_partners_and_coordinators_find_their_calendar_feed(
    world: Any, clock: Any, client: Any
) -> None:
    pair_of(world.cohort, world.mentor, world.mentee)
    feed = reverse("partnerships:feed")
    client.force_login(world.mentor)
    assert f'href="{feed}"' in client.get(reverse("home")).content.decode()
    client.force_login(world.coordinator)
    cohort_page = client.get(reverse("home:cohort", args=[world.cohort.pk])).content.decode()
    assert f'href="{feed}"' in cohort_page
