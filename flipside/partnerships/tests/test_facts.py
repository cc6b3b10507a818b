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
    assert len(counted) == 1 and "partnerships_meeting" not in counted[0]["sql"]
    assert sum(counts.values()) == 20
    live = {pk: f["held"] for pk, f in facts.counted([p.pk for p in pairs]).items()}
    assert live == {pair.pk: kept(pair)["held"] for pair in pairs}
