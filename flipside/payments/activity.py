"""What a student mentor can claim on their timesheets: the real activity of a cohort.

Read only. Four kinds come from what happened elsewhere in Flipside:

- a meeting of one of their pairs (active or ended) that was held, whatever the staff partner
  did with its record: a meeting the partner has not confirmed, or has disputed, is still
  claimable, and carries its record so coordinators see it (the student's pay never depends
  on the senior partner);
- a preparation allowance for each such meeting, when the cohort pays one;
- a training session of the cohort they attended (marked present, not cancelled);
- a reflection event of the cohort they attended (marked present, not cancelled).

Each is named by a claim key, ``"<kind>:<id>"`` (``meeting:12``, ``preparation:12``,
``training:<booking id>``, ``event:<reply id>``), which is what ``Line.claim`` holds once it is
claimed, so no activity is paid twice. Only kinds the cohort's ``PaySettings`` pay for are
offered. Listing reads a fixed number of queries whatever the numbers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.lib.dates import LONDON
from flipside.lib.sql import fetch, field_of
from flipside.partnerships.models import EventReply, Meeting
from flipside.schemes.models import Cohort
from flipside.training.models import Booking

from .models import Line, PaySettings

HUNDREDTH = Decimal("0.01")
MINUTES_AN_HOUR = Decimal(60)
CLAIMED_KINDS = (Line.Kind.MEETING, Line.Kind.PREPARATION, Line.Kind.TRAINING, Line.Kind.EVENT)


def hours_of(minutes: int) -> Decimal:
    """Minutes as hours, to two decimal places (half up): 45 minutes is 0.75 hours, 20 is
    0.33."""
    return (Decimal(minutes) / MINUTES_AN_HOUR).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def hours_text(hours: Decimal) -> str:
    """Hours as people write them: 1.5, 20, 0.75."""
    text = f"{hours.quantize(HUNDREDTH):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def claim_key(kind: str, activity_id: int) -> str:
    return f"{kind}:{activity_id}"


def parse_key(key: str) -> tuple[str, int] | None:
    """``("meeting", 12)`` from ``"meeting:12"``; None for anything else."""
    kind, _sep, number = str(key).partition(":")
    if kind not in CLAIMED_KINDS or not number.isascii() or not number.isdigit():
        return None
    if len(number) > 18 or int(number) < 1:
        return None
    return kind, int(number)


@dataclass(frozen=True)
class Activity:
    """One thing a mentor did that can be claimed."""

    kind: str  # a claimed Line.Kind
    id: int  # the meeting's (also for preparation), booking's or event reply's id
    started_at: datetime.datetime
    hours: Decimal
    title: str  # what it was, in words: the line's description
    meeting_id: int | None = None
    booking_id: int | None = None
    event_reply_id: int | None = None
    record: str = ""  # a meeting's Meeting.Record: confirmed, unconfirmed or disputed
    partner: str = ""  # a meeting's staff partner, shown to the mentor beside the title

    @property
    def key(self) -> str:
        return claim_key(self.kind, self.id)

    @property
    def hours_text(self) -> str:
        return hours_text(self.hours)

    @property
    def worked_on(self) -> datetime.date:
        return self.started_at.astimezone(LONDON).date()

    @property
    def unconfirmed(self) -> bool:
        return self.record == Meeting.Record.UNCONFIRMED

    @property
    def disputed(self) -> bool:
        return self.record == Meeting.Record.DISPUTED


def pays_for(settings: PaySettings, kind: str) -> bool:
    """Whether the cohort's settings pay for this kind of line."""
    if kind == Line.Kind.MEETING:
        return settings.pay_meetings
    if kind == Line.Kind.PREPARATION:
        return settings.pay_meetings and settings.preparation_minutes > 0
    if kind == Line.Kind.TRAINING:
        return settings.pay_training
    if kind == Line.Kind.EVENT:
        return settings.pay_events
    if kind == Line.Kind.OTHER:
        return settings.pay_other
    return False


# --- Reading each kind --------------------------------------------------------------------


def _meetings(cohort: Cohort, mentor_id: int, pk: int | None = None) -> list[Meeting]:
    only = {} if pk is None else {"pk": pk}
    return list(
        Meeting.objects.filter(
            pair__cohort=cohort,
            pair__mentor_id=mentor_id,
            status=Meeting.Status.HELD,
            starts_at__isnull=False,
            **only,
        )
        .select_related("pair__mentee")
        .only("pk", "starts_at", "held_minutes", "record", "pair__id", "pair__mentee__display_name")
        .order_by("starts_at", "pk")
    )


def _meeting_activities(meeting: Meeting, settings: PaySettings) -> list[Activity]:
    if meeting.starts_at is None or meeting.held_minutes is None:  # never for a held one
        return []
    return _held_meeting(
        meeting.pk, meeting.starts_at, meeting.held_minutes, meeting.record,
        meeting.pair.mentee.display_name, settings,
    )  # fmt: skip


def _held_meeting(pk: int, starts_at: datetime.datetime, minutes: int, record: str,
                  partner: str, settings: PaySettings) -> list[Activity]:  # fmt: skip
    """A held meeting's activities: the meeting, and its preparation when the cohort pays
    for it."""
    when = formats.date_format(starts_at.astimezone(LONDON), "j F Y")
    # Titles become lines' descriptions: no names in them (pages show the partner's name
    # beside the title, isolated).
    found = []
    if pays_for(settings, Line.Kind.MEETING):
        found.append(
            Activity(
                kind=Line.Kind.MEETING,
                id=pk,
                started_at=starts_at,
                hours=hours_of(minutes),
                title=_("Mentoring meeting, %(minutes)s minutes") % {"minutes": minutes},
                meeting_id=pk,
                record=record,
                partner=partner,
            )
        )
    if pays_for(settings, Line.Kind.PREPARATION):
        found.append(
            Activity(
                kind=Line.Kind.PREPARATION,
                id=pk,
                started_at=starts_at,
                hours=hours_of(settings.preparation_minutes),
                title=_("Preparation for the meeting on %(when)s") % {"when": when},
                meeting_id=pk,
                record=record,
                partner=partner,
            )
        )
    return found


def _bookings(cohort: Cohort, mentor_id: int, pk: int | None = None) -> list[Booking]:
    only = {} if pk is None else {"pk": pk}
    return list(
        Booking.objects.filter(
            user_id=mentor_id,
            session__cohort=cohort,
            session__cancelled_at__isnull=True,
            attendance=Booking.Attendance.PRESENT,
            **only,
        )
        .select_related("session")
        .only("pk", "session__id", "session__title", "session__starts_at", "session__minutes")
        .order_by("session__starts_at", "pk")
    )


def _training_activity(booking: Booking) -> Activity:
    session = booking.session
    return _training(booking.pk, session.starts_at, session.minutes, session.title)


def _training(pk: int, starts_at: datetime.datetime, minutes: int, title: str) -> Activity:
    return Activity(
        kind=Line.Kind.TRAINING,
        id=pk,
        started_at=starts_at,
        hours=hours_of(minutes),
        title=_("Training: %(title)s") % {"title": title},
        booking_id=pk,
    )


def _replies(cohort: Cohort, mentor_id: int, pk: int | None = None) -> list[EventReply]:
    only = {} if pk is None else {"pk": pk}
    return list(
        EventReply.objects.filter(
            user_id=mentor_id,
            event__cohort=cohort,
            event__cancelled_at__isnull=True,
            attendance=EventReply.Attendance.PRESENT,
            **only,
        )
        .select_related("event")
        .only("pk", "event__id", "event__title", "event__starts_at", "event__minutes")
        .order_by("event__starts_at", "pk")
    )


def _event_activity(reply: EventReply) -> Activity:
    event = reply.event
    return _event(reply.pk, event.starts_at, event.minutes, event.title)


def _event(pk: int, starts_at: datetime.datetime, minutes: int, title: str) -> Activity:
    return Activity(
        kind=Line.Kind.EVENT,
        id=pk,
        started_at=starts_at,
        hours=hours_of(minutes),
        title=_("Reflection event: %(title)s") % {"title": title},
        event_reply_id=pk,
    )


# --- What a mentor can claim ----------------------------------------------------------------


def _offered(item: Activity, taken: dict[str, str]) -> bool:
    if item.key in taken:
        return False
    if item.kind != Line.Kind.PREPARATION:
        return True
    # Preparation is paid with its meeting: offered while the meeting is claimable or
    # claimed, never once the meeting's claim was rejected.
    return taken.get(claim_key(Line.Kind.MEETING, item.id)) != Line.Status.REJECTED


# What a mentor can claim is read on every visit to their pay page: one plain-SQL query
# (decision 0012) for their held meetings, attended training and events started by now, and
# the claims already on their lines.
_MEETINGS_SQL = """
    SELECT 'meeting', m.id, m.starts_at, m.held_minutes, m.record, u.display_name
    FROM partnerships_meeting m
    JOIN matching_pair p ON p.id = m.pair_id
    JOIN accounts_user u ON u.id = p.mentee_id
    WHERE p.cohort_id = %s AND p.mentor_id = %s AND m.status = %s
        AND m.starts_at IS NOT NULL AND m.starts_at <= %s"""
_TRAINING_SQL = """
    SELECT 'training', b.id, s.starts_at, s.minutes, '', s.title
    FROM training_booking b JOIN training_trainingsession s ON s.id = b.session_id
    WHERE s.cohort_id = %s AND b.user_id = %s AND b.attendance = %s
        AND s.cancelled_at IS NULL AND s.starts_at <= %s"""
_EVENTS_SQL = """
    SELECT 'event', r.id, e.starts_at, e.minutes, '', e.title
    FROM partnerships_eventreply r JOIN partnerships_reflectionevent e ON e.id = r.event_id
    WHERE e.cohort_id = %s AND r.user_id = %s AND r.attendance = %s
        AND e.cancelled_at IS NULL AND e.starts_at <= %s"""
# The claims already on the mentor's lines, each with its line's status (a rejected activity
# is not offered again). Claims are refused for anyone else's activity, so the mentor's own
# lines hold every claim of their activity.
_CLAIMS_SQL = """
    SELECT 'claimed', 0, NULL, NULL, l.status, l.claim
    FROM payments_line l
    WHERE l.cohort_id = %s AND l.mentor_id = %s AND l.claim IS NOT NULL"""


def _activity_and_claims(
    cohort: Cohort, mentor_id: int, settings: PaySettings
) -> tuple[list[Activity], dict[str, str]]:
    """Everything the mentor did in the cohort that its settings pay for and that started by
    now, claimed or not, oldest first; and the claims on their lines with each line's
    status."""
    now = timezone.now()
    parts = [_CLAIMS_SQL]
    params: list[Any] = [cohort.pk, mentor_id]
    for kind, sql, present in (
        (Line.Kind.MEETING, _MEETINGS_SQL, Meeting.Status.HELD),
        (Line.Kind.TRAINING, _TRAINING_SQL, Booking.Attendance.PRESENT),
        (Line.Kind.EVENT, _EVENTS_SQL, EventReply.Attendance.PRESENT),
    ):
        if pays_for(settings, kind):
            parts.append(sql)
            params += [cohort.pk, mentor_id, present.value, now]
    fields = (None, None, field_of(Meeting, "starts_at"), None, None, None)
    found: list[Activity] = []
    taken: dict[str, str] = {}
    for kind, pk, starts_at, minutes, record, text in fetch(
        " UNION ALL ".join(parts), params, fields
    ):
        if kind == "claimed":
            taken[text] = record
        elif kind == "meeting":
            found += _held_meeting(pk, starts_at, minutes, record, text, settings)
        elif kind == "training":
            found.append(_training(pk, starts_at, minutes, text))
        else:
            found.append(_event(pk, starts_at, minutes, text))
    found.sort(key=lambda a: (a.started_at, a.kind, a.id))
    return found, taken


def claimable(
    cohort: Cohort,
    mentor_id: int,
    settings: PaySettings,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[Activity]:
    """What the mentor can still claim in the cohort, oldest first, optionally only from
    ``start`` to ``end`` (inclusive). One query whatever the numbers."""
    found, taken = _activity_and_claims(cohort, mentor_id, settings)
    return [
        a
        for a in found
        if _offered(a, taken)
        and (start is None or a.worked_on >= start)
        and (end is None or a.worked_on <= end)
    ]


def find(
    cohort: Cohort, mentor_id: int, kind: str, activity_id: int, settings: PaySettings
) -> Activity | None:
    """One activity of the mentor in the cohort, read again from the database (one query)
    whether or not it is claimed or past (the caller checks those); None when it is not
    theirs, not of this cohort, not held or attended, not paid for by ``settings``, or does
    not exist."""
    if not pays_for(settings, kind):
        return None
    found: list[Activity] = []
    if kind in (Line.Kind.MEETING, Line.Kind.PREPARATION):
        for meeting in _meetings(cohort, mentor_id, activity_id):
            found.extend(a for a in _meeting_activities(meeting, settings) if a.kind == kind)
    elif kind == Line.Kind.TRAINING:
        found.extend(_training_activity(b) for b in _bookings(cohort, mentor_id, activity_id))
    elif kind == Line.Kind.EVENT:
        found.extend(_event_activity(r) for r in _replies(cohort, mentor_id, activity_id))
    return found[0] if found else None
