"""Each pair's kept meeting facts (``PairFacts``) follow every change to its meetings and
pauses, so the board and the cohort page count one row per pair; ``selfcheck`` finds facts
that went out of date."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import World
from flipside.lib.dates import LONDON
from flipside.matching.models import Pair
from flipside.matching.tests.builders import many_pairs
from flipside.partnerships import board, facts
from flipside.partnerships.models import Meeting, PairFacts
from flipside.partnerships.progress import STATUSES
from flipside.partnerships.services import meetings, pauses

pytestmark = pytest.mark.django_db


def kept(pair: Pair) -> dict[str, Any]:
    found = PairFacts.objects.filter(pair=pair).first()
    return {name: getattr(found, name) for name in facts.FIELDS} if found else {}


def test_facts_follow_a_meetings_life_and_pauses(world: World, time_machine: Any) -> None:
    time_machine.move_to(datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC))
    pair = Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    assert kept(pair) == {}
    when = datetime.datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)
    meeting = meetings.propose(pair, by=world.mentor, options=[when], minutes=60, mode="online")
    assert kept(pair)["contacts"] == 1 and kept(pair)["held"] == 0
    meeting = meetings.accept(meeting, meeting.options.get(), by=world.mentee)
    time_machine.move_to(datetime.datetime(2026, 12, 2, 16, 0, tzinfo=datetime.UTC))
    meeting = meetings.record(meeting, by=world.mentee, held=True, minutes=50)
    assert kept(pair)["held"] == 1 and kept(pair)["unconfirmed"] == 1
    assert kept(pair)["last_contact"] == meeting.starts_at
    meetings.answer(meeting, by=world.mentor, confirm=False)  # disputed: no longer counts
    assert kept(pair)["held"] == 0 and kept(pair)["unconfirmed"] == 0
    pauses.pause_pair(pair, by=world.mentor, reason="Exams")
    assert kept(pair)["paused"] is True
    pauses.resume_pair(pair, by=world.mentee)
    assert kept(pair)["paused"] is False
    assert facts.check_facts().problems == ()


def test_selfcheck_finds_facts_out_of_date(world: World) -> None:
    pair = Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    Meeting.objects.create(pair=pair, status="held", record="confirmed", held_minutes=60,
                           starts_at=timezone.now() - datetime.timedelta(days=3))  # fmt: skip
    assert facts.check_facts().problems == ()
    Meeting.objects.filter(pair=pair).update(record="disputed")  # one statement, no signal
    assert facts.check_facts().problems == (f"pair {pair.pk}: kept meeting facts out of date",)
    facts.refresh([pair.pk])
    assert facts.check_facts().problems == ()


def test_counting_a_cohort_by_status_reads_no_meeting(world: World) -> None:
    many_pairs(world.cohort, 20)
    pairs = list(Pair.objects.filter(cohort=world.cohort))
    Meeting.objects.bulk_create(
        Meeting(pair=pair, status="held", record="confirmed", held_minutes=60,
                starts_at=timezone.now() - datetime.timedelta(days=k + 1))
        for k, pair in enumerate(pairs) for _ in range(k % 3)
    )  # fmt: skip
    facts.refresh_cohort(world.cohort.pk)
    with CaptureQueriesContext(connection) as counted:
        counts = board.status_counts(world.cohort)
    # The kept counts, stale after the meetings: counted again over the facts, and kept.
    assert len(counted) == 3
    assert not any("partnerships_meeting" in query["sql"] for query in counted)
    with CaptureQueriesContext(connection) as kept_only:
        assert board.status_counts(world.cohort) == counts
    assert len(kept_only) == 1 and "matching_pair " not in kept_only[0]["sql"]
    assert sum(counts.values()) == 20
    live = {pk: f["held"] for pk, f in facts.counted([p.pk for p in pairs]).items()}
    assert live == {pair.pk: kept(pair)["held"] for pair in pairs}


# --- The cohorts' kept status counts (decision 0019) ---------------------------------------


def assert_counts_hold(world: World) -> dict[str, int]:
    """Read twice (a change makes the first read count again), the kept counts equal a fresh
    count, and the second read counted nothing."""
    board.status_counts(world.cohort)
    with CaptureQueriesContext(connection) as reads:
        kept_counts = board.status_counts(world.cohort)
    assert len(reads) == 1, "the counts did not hold after being counted"
    assert kept_counts == board.tally({world.cohort.pk: world.cohort})[world.cohort.pk].counts
    assert facts.check_status_counts().problems == ()
    return kept_counts


def test_kept_status_counts_follow_every_change(world: World, time_machine: Any) -> None:
    from flipside.matching.services import end_pair

    time_machine.move_to(datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC))
    pair = Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    board.status_counts(world.cohort)  # a cohort's first count is kept from its next one on
    assert assert_counts_hold(world)["behind"] == 1  # one expected by now; paired today
    # Two weeks without contact: the clock alone makes it "no contact yet".
    time_machine.move_to(datetime.datetime(2026, 12, 14, 10, 0, tzinfo=datetime.UTC))
    assert assert_counts_hold(world)["no_contact"] == 1
    when = datetime.datetime(2026, 12, 16, 14, 0, tzinfo=LONDON)
    meeting = meetings.propose(pair, by=world.mentor, options=[when], minutes=60, mode="online")
    assert assert_counts_hold(world)["behind"] == 1  # contact, none held, one expected
    meeting = meetings.accept(meeting, meeting.options.get(), by=world.mentee)
    time_machine.move_to(datetime.datetime(2026, 12, 16, 16, 0, tzinfo=datetime.UTC))
    meetings.record(meeting, by=world.mentee, held=True, minutes=50)
    assert assert_counts_hold(world)["on_track"] == 1
    # A new day that expects more meetings: the same facts, another status.
    time_machine.move_to(datetime.datetime(2027, 5, 20, 10, 0, tzinfo=datetime.UTC))
    assert assert_counts_hold(world)["at_risk"] == 1  # one held, three expected
    # A coordinator shortens the year's minimum: fewer expected.
    world.cohort.min_meetings = 2
    world.cohort.save()
    assert assert_counts_hold(world)["on_track"] == 1
    pauses.pause_pair(pair, by=world.mentor, reason="Exams")
    assert assert_counts_hold(world)["paused"] == 1
    pauses.resume_pair(pair, by=world.mentee)
    Meeting.objects.filter(pair=pair).delete()
    assert assert_counts_hold(world)["no_contact"] == 1  # nothing left, no longer paused
    end_pair(pair, by=world.coordinator, reason="Moved away")
    assert assert_counts_hold(world) == dict.fromkeys(STATUSES, 0) | {"ended": 1}
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    assert sum(assert_counts_hold(world).values()) == 2


def test_selfcheck_finds_kept_status_counts_out_of_date(world: World) -> None:
    pair = Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    board.status_counts(world.cohort), board.status_counts(world.cohort)
    assert facts.check_status_counts().summary == "Pairs' statuses: 1 cohorts' counts kept"
    # Facts written without their signal, and the cohort's counts not marked.
    PairFacts.objects.update_or_create(pair=pair, defaults={"paused": True})
    assert facts.check_status_counts().problems != ()
    facts.refresh([pair.pk])
    assert facts.check_status_counts().problems == ()
