"""Reminders: each once, never for cancelled or moved times, across clock changes, and only
for people who want optional email."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail

from conftest import sent_mail
from flipside.lib.background import scheduled_jobs
from flipside.lib.dates import LONDON
from flipside.matching.models import Pair
from flipside.notifications.preferences import set_optional_email
from flipside.notifications.schedules import run_due_jobs
from flipside.partnerships import reminders
from flipside.partnerships.models import (
    EventReply,
    Meeting,
    Pause,
    ReflectionEvent,
    ReminderSent,
)

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
H = datetime.timedelta(hours=1)


def at(year: int, month: int, day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=LONDON).astimezone(UTC)


def _pair(world: Any, started: datetime.datetime) -> Pair:
    return Pair.objects.create(
        cohort=world.cohort, mentor=world.mentor, mentee=world.mentee, started_at=started
    )


def _meeting(pair: Pair, starts_at: datetime.datetime, **fields: Any) -> Meeting:
    return Meeting.objects.create(pair=pair, status="accepted", starts_at=starts_at, **fields)


def _run(now: datetime.datetime) -> list[Any]:
    mail.outbox.clear()
    with time_machine.travel(now, tick=False):
        reminders.run_reminders(now)
        return sent_mail()


def _kinds(messages: list[Any]) -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in messages)


def test_meeting_reminder_once_across_runs(world: Any) -> None:
    now = at(2026, 11, 10, 12)
    pair = _pair(world, now - 30 * 24 * H)
    _meeting(pair, now + 20 * H, place="Café")
    first = _run(now)
    assert sorted(m.to[0] for m in first) == ["mentee@example.ac.uk", "mentor@example.ac.uk"]
    assert "Prof Mena Mentee" in next(m for m in first if m.to[0] == "mentor@example.ac.uk").subject
    assert _run(now) == []
    assert _run(now + H) == []
    # The scheduled job too, in its own slots.
    assert "partnerships.reminders" in [job.name for job in scheduled_jobs()]
    with time_machine.travel(now + 2 * H, tick=False):
        assert run_due_jobs(now + 2 * H, [j for j in scheduled_jobs()
                                          if j.name == "partnerships.reminders"])  # fmt: skip
    assert sent_mail() == []


def test_a_run_at_the_same_moment_sends_nothing_more(world: Any) -> None:
    now = at(2026, 11, 10, 12)
    pair = _pair(world, now - 30 * 24 * H)
    meeting = _meeting(pair, now + 20 * H)
    # Another run has just recorded the mentor's reminder (and is about to send it).
    ReminderSent.objects.create(
        kind="meeting_reminder", subject=reminders.meeting_subject(meeting), user=world.mentor
    )
    assert [m.to[0] for m in _run(now)] == ["mentee@example.ac.uk"]


def test_none_for_cancelled_paused_or_ended(world: Any) -> None:
    now = at(2026, 11, 10, 12)
    pair = _pair(world, now - 30 * 24 * H)
    Meeting.objects.create(pair=pair, status="cancelled", starts_at=now + 20 * H)
    assert _run(now) == []
    meeting = _meeting(pair, now + 21 * H)
    Pause.objects.create(pair=pair)
    assert _run(now) == []
    Pause.objects.update(resumed_at=now)
    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.ENDED, ended_at=now)
    assert _run(now) == []
    assert not ReminderSent.objects.filter(subject__contains=f":{meeting.pk}:").exists()


def test_a_moved_meeting_is_reminded_at_its_new_time_only(world: Any) -> None:
    now = at(2026, 11, 10, 12)
    pair = _pair(world, now - 30 * 24 * H)
    meeting = _meeting(pair, now + 20 * H)
    assert len(_run(now)) == 2
    # Moved to three days later: nothing now, one reminder a day before the new time.
    meeting.starts_at = now + 72 * H
    meeting.sequence += 1
    meeting.save()
    assert _run(now + H) == []
    assert _run(now + 47 * H) == []
    later = _run(now + 49 * H)
    assert len(later) == 2 and all("Wednesday 13 November" not in m.body for m in later)
    assert _run(now + 50 * H) == []
    # A meeting moved back to its first time after that time passed is long gone: no repeat.
    assert ReminderSent.objects.filter(kind="meeting_reminder").count() == 4


@pytest.mark.parametrize(
    "meeting_at",
    [at(2026, 10, 25, 10), at(2026, 10, 26, 10), at(2027, 3, 28, 10), at(2027, 3, 29, 10)],
)
def test_reminded_24_real_hours_before_across_clock_changes(world: Any, meeting_at: Any) -> None:
    pair = _pair(world, at(2026, 9, 1, 9))
    _meeting(pair, meeting_at)
    day_before = meeting_at - 24 * H
    early = _run(day_before - datetime.timedelta(minutes=30))
    assert [m for m in early if "tomorrow" in m.subject] == []
    assert len([m for m in _run(day_before) if "tomorrow" in m.subject]) == 2


def test_opting_out_is_respected_and_not_sent_later(world: Any) -> None:
    now = at(2026, 11, 10, 12)
    pair = _pair(world, now - 30 * 24 * H)
    _meeting(pair, now + 20 * H)
    set_optional_email(world.mentee, enabled=False, by=world.mentee)
    assert [m.to[0] for m in _run(now)] == ["mentor@example.ac.uk"]
    set_optional_email(world.mentee, enabled=True, by=world.mentee)
    assert _run(now + H) == []


def test_record_reminder_the_day_after(world: Any) -> None:
    meeting_at = at(2026, 11, 10, 15)
    pair = _pair(world, meeting_at - 30 * 24 * H)
    _meeting(pair, meeting_at)
    recorded = _meeting(pair, meeting_at - 2 * H)
    Meeting.objects.filter(pk=recorded.pk).update(
        status="held", record="unconfirmed", held_minutes=60
    )
    assert _run(at(2026, 11, 10, 23)) == []  # same day
    assert _run(at(2026, 11, 11, 8)) == []  # before 9am
    sent = _run(at(2026, 11, 11, 9))
    assert len(sent) == 2 and all("record" in m.subject.lower() for m in sent)
    assert _run(at(2026, 11, 11, 10)) == []


def test_pair_behind_at_most_once_a_month(world: Any) -> None:
    now = at(2027, 1, 15, 10)  # 4 meetings over the year: 1 expected by now
    pair = _pair(world, at(2026, 9, 15, 9))
    Meeting.objects.create(pair=pair, status="proposed")  # in contact, none held
    sent = _run(now)
    assert len(sent) == 2 and all(m.subject.startswith("Time to meet") for m in sent)
    assert _run(now + 24 * H) == []
    assert len(_run(at(2027, 2, 1, 10))) == 2
    Pause.objects.create(pair=pair)
    assert _run(at(2027, 3, 1, 10)) == []


def test_event_reminder_two_days_before_to_all_but_those_not_coming(world: Any) -> None:
    now = at(2026, 11, 10, 12)
    event = ReflectionEvent.objects.create(
        cohort=world.cohort, title="Mid-point", starts_at=now + 47 * H
    )
    EventReply.objects.create(event=event, user=world.mentor, answer="no")
    EventReply.objects.create(event=event, user=world.mentee)
    assert [m.to[0] for m in _run(now - 2 * H)] == []
    assert [m.to[0] for m in _run(now)] == ["mentee@example.ac.uk"]
    assert _run(now + H) == []
    cancelled = ReflectionEvent.objects.create(
        cohort=world.cohort, title="Off", starts_at=now + 40 * H, cancelled_at=now
    )
    EventReply.objects.create(event=cancelled, user=world.mentee, answer="yes")
    assert _run(now + 2 * H) == []
