"""Journals are deleted a period after their pair ends; meetings are anonymised a period after
the cohort closes, keeping the figures."""

from __future__ import annotations

import datetime

import pytest

from conftest import World
from flipside.matching.models import Pair
from flipside.partnerships.models import JournalEntry, Meeting
from flipside.privacy import retention
from flipside.privacy.models import DeletionRecord, LegalHold
from flipside.schemes.models import Stage

pytestmark = pytest.mark.django_db

ENDED = datetime.datetime(2027, 3, 10, 12, tzinfo=datetime.UTC)
JOURNALS_DUE = datetime.datetime(2027, 9, 10, 12, tzinfo=datetime.UTC)
MEETINGS_DUE = datetime.datetime(2029, 3, 10, 12, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def run(now: datetime.datetime, key: str) -> retention.Outcome:
    return {o.rule.key: o for o in retention.run(now)}[key]


def close(world: World) -> None:
    world.cohort.stage = Stage.CLOSED
    world.cohort.stage_changed_at = ENDED
    world.cohort.save()


@pytest.fixture
def pair(world: World) -> Pair:
    return Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)


def test_a_journal_goes_six_months_after_its_pair_ends_early(world: World, pair: Pair) -> None:
    entry = JournalEntry.objects.create(pair=pair, author=world.mentor, ciphertext="x")
    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.ENDED, ended_at=ENDED)

    assert run(JOURNALS_DUE - DAY, "partnerships.journals").eligible == 0
    outcome = run(JOURNALS_DUE + DAY, "partnerships.journals")

    assert outcome.removed == [entry.pk]
    assert not JournalEntry.objects.exists()
    assert DeletionRecord.objects.get(label="partnerships.JournalEntry").ids == [entry.pk]


def test_a_journal_goes_six_months_after_its_cohort_closes_unless_held(
    world: World, pair: Pair
) -> None:
    mine = JournalEntry.objects.create(pair=pair, author=world.mentor, ciphertext="x")
    theirs = JournalEntry.objects.create(pair=pair, author=world.mentee, ciphertext="y")
    close(world)
    LegalHold.objects.create(user=world.mentee, reason="Complaint", placed_by=world.nobody)

    assert run(JOURNALS_DUE - DAY, "partnerships.journals").eligible == 0
    outcome = run(JOURNALS_DUE + DAY, "partnerships.journals")

    assert (outcome.removed, outcome.held) == ([mine.pk], [theirs.pk])
    assert list(JournalEntry.objects.values_list("pk", flat=True)) == [theirs.pk]
    record = DeletionRecord.objects.get(label="partnerships.JournalEntry")
    assert (record.count, record.held, record.eligible) == (1, 1, 2)


def meeting(pair: Pair, world: World) -> Meeting:
    return Meeting.objects.create(
        pair=pair,
        status=Meeting.Status.HELD,
        starts_at=ENDED - 30 * DAY,
        place="Room 4.12, the Dean's office",
        proposed_by=world.mentor,
        recorded_by=world.mentee,
        record=Meeting.Record.CONFIRMED,
        held_minutes=55,
    )


def test_meetings_are_anonymised_two_years_after_the_cohort_closes_keeping_figures(
    world: World, pair: Pair
) -> None:
    held = meeting(pair, world)
    close(world)

    assert run(MEETINGS_DUE - DAY, "partnerships.meetings").eligible == 0
    outcome = run(MEETINGS_DUE + DAY, "partnerships.meetings")

    assert outcome.removed == [held.pk]
    held.refresh_from_db()
    assert (held.place, held.proposed_by, held.recorded_by) == ("", None, None)
    assert (held.status, held.held_minutes, held.starts_at) == ("held", 55, ENDED - 30 * DAY)
    record = DeletionRecord.objects.get(label="partnerships.Meeting")
    assert (record.action, record.ids) == ("anonymised", [held.pk])
    assert run(MEETINGS_DUE + 2 * DAY, "partnerships.meetings").eligible == 0


def test_a_hold_on_the_scheme_keeps_meetings_named(world: World, pair: Pair) -> None:
    held = meeting(pair, world)
    close(world)
    LegalHold.objects.create(scheme=world.scheme, reason="Inquiry", placed_by=world.nobody)
    outcome = run(MEETINGS_DUE + DAY, "partnerships.meetings")
    assert (outcome.removed, outcome.held) == ([], [held.pk])
    held.refresh_from_db()
    assert held.proposed_by == world.mentor
