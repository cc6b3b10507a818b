"""Reminders, sent by an hourly scheduled job through the outbox.

- **meeting_reminder**: about 24 hours before an arranged meeting, to both partners;
- **meeting_record_reminder**: from 9am on the day after an arranged meeting that nobody has
  recorded yet, to both partners;
- **pair_behind**: when a pair is behind or at risk, at most once per pair a month (from 9am);
- **event_reminder**: two days before a reflection event, to everyone invited who has not
  said they are not coming.

None is sent for a cancelled meeting, a paused or ended pair, a cohort that is not running
or a cancelled event. Each reminder is recorded in ``ReminderSent`` (kind, subject, person)
*before* it is queued, in the same transaction: a second run, even at the same moment,
fails to insert the row and sends nothing. A meeting's subject holds its start time, so a
moved meeting is reminded about at its new time and never at its old one.

A person who has turned optional email off gets no reminder, and the reminder still counts
as decided: turning email back on later does not bring old reminders back.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from flipside.lib.dates import LONDON
from flipside.matching.models import Pair
from flipside.notifications import outbox
from flipside.schemes.models import Membership, Stage

from .models import EventReply, Meeting, Pause, ReflectionEvent, ReminderSent
from .selectors import progress_for
from .services.events import event_values, when_text

MEETING_AHEAD = datetime.timedelta(hours=24)
MEETING_TOO_CLOSE = datetime.timedelta(hours=2)  # arranged at the last minute: no reminder
RECORD_LOOK_BACK = datetime.timedelta(days=7)
EVENT_AHEAD = datetime.timedelta(hours=48)
DAYTIME_FROM = 9  # London hour from which next-day and monthly reminders go out
EVERY = datetime.timedelta(hours=1)


def _once(kind: str, subject: str, user: Any, *, scheme: Any, values: dict[str, str]) -> bool:
    """Record the reminder, then queue it, in one transaction; False if it was already
    recorded (by an earlier run or one running now)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(kind=kind, subject=subject[:120], user=user)
            outbox.enqueue(kind, to=user.email, user=user, scheme=scheme, values=values)
    except IntegrityError:
        return False
    return True


def meeting_subject(meeting: Meeting) -> str:
    if meeting.starts_at is None:
        raise ValueError("Only a meeting with a time is reminded about.")
    moment = meeting.starts_at.astimezone(datetime.UTC)
    return f"meeting:{meeting.pk}:{moment:%Y-%m-%dT%H:%MZ}"


def _live_meetings() -> Any:
    """Arranged meetings of active, unpaused pairs in running cohorts."""
    return (
        Meeting.objects.filter(
            status=Meeting.Status.ACCEPTED,
            starts_at__isnull=False,
            pair__status=Pair.Status.ACTIVE,
            pair__cohort__stage=Stage.RUNNING,
        )
        .exclude(Exists(Pause.objects.filter(pair=OuterRef("pair"), resumed_at__isnull=True)))
        .select_related("pair__cohort__scheme", "pair__mentor", "pair__mentee")
    )


def _meeting_link(meeting: Meeting) -> str:
    return settings.SITE_URL + reverse("partnerships:meeting", args=[meeting.pk])


def _send_meeting(meeting: Meeting, kind: str) -> int:
    pair = meeting.pair
    if meeting.starts_at is None:
        return 0
    sent = 0
    for person, partner in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
        if not person.is_active:
            continue
        values = {
            "partner": partner.display_name,
            "when": when_text(meeting.starts_at),
            "where": meeting.place or str(meeting.get_mode_display()),
            "cohort": str(pair.cohort),
            "link": _meeting_link(meeting),
        }
        sent += _once(
            kind, meeting_subject(meeting), person, scheme=pair.cohort.scheme, values=values
        )
    return sent


def meeting_reminders(now: datetime.datetime) -> int:
    due = _live_meetings().filter(
        starts_at__gt=now + MEETING_TOO_CLOSE, starts_at__lte=now + MEETING_AHEAD
    )
    return sum(_send_meeting(meeting, "meeting_reminder") for meeting in due)


def record_reminders(now: datetime.datetime) -> int:
    local = now.astimezone(LONDON)
    if local.hour < DAYTIME_FROM:
        return 0
    # Meetings that started before today (London) and within the last week, still arranged
    # (so not recorded as held or not held).
    midnight = datetime.datetime.combine(local.date(), datetime.time(0), tzinfo=LONDON)
    due = _live_meetings().filter(starts_at__lt=midnight, starts_at__gte=now - RECORD_LOOK_BACK)
    return sum(
        _send_meeting(meeting, "meeting_record_reminder")
        for meeting in due
        if meeting.ends_at is not None and meeting.ends_at <= now
    )


def behind_reminders(now: datetime.datetime) -> int:
    local = now.astimezone(LONDON)
    if local.hour < DAYTIME_FROM:
        return 0
    pairs = list(
        Pair.objects.filter(status=Pair.Status.ACTIVE, cohort__stage=Stage.RUNNING)
        .exclude(Exists(Pause.objects.filter(pair=OuterRef("pk"), resumed_at__isnull=True)))
        .select_related("cohort__scheme", "mentor", "mentee")
    )
    progress = progress_for(pairs, today=local.date())
    sent = 0
    for pair in pairs:
        state = progress[pair.pk]
        if state.status not in ("behind", "at_risk"):
            continue
        subject = f"pair:{pair.pk}:{local:%Y-%m}"
        link = settings.SITE_URL + reverse("partnerships:workspace", args=[pair.pk])
        for person, partner in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
            if not person.is_active:
                continue
            values = {
                "partner": partner.display_name,
                "held": str(state.held),
                "expected": str(state.expected),
                "cohort": str(pair.cohort),
                "link": link,
            }
            sent += _once("pair_behind", subject, person, scheme=pair.cohort.scheme, values=values)
    return sent


def event_reminders(now: datetime.datetime) -> int:
    events = ReflectionEvent.objects.filter(
        cancelled_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + EVENT_AHEAD,
        cohort__stage=Stage.RUNNING,
    ).select_related("cohort__scheme")
    sent = 0
    for event in events:
        members = Membership.objects.filter(
            cohort_id=event.cohort_id, user=OuterRef("user"), role__in=["mentor", "mentee"]
        )
        replies = (
            event.replies.filter(Exists(members), user__is_active=True)
            .filter(~Q(answer=EventReply.Answer.NO))
            .select_related("user")
        )
        moment = event.starts_at.astimezone(datetime.UTC)
        subject = f"event:{event.pk}:{moment:%Y-%m-%dT%H:%MZ}"
        values = event_values(event)
        for row in replies:
            sent += _once(
                "event_reminder", subject, row.user, scheme=event.cohort.scheme, values=values
            )
    return sent


def run_reminders(now: datetime.datetime) -> str:
    """The scheduled job: every kind of reminder that is due at ``now``."""
    counts = {
        "meeting": meeting_reminders(now),
        "record": record_reminders(now),
        "behind": behind_reminders(now),
        "event": event_reminders(now),
    }
    return ", ".join(f"{n} {name}" for name, n in counts.items()) + " reminders queued"
