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

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.lib.dates import LONDON
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
    partner = meeting.pair.mentee.display_name
    when = formats.date_format(meeting.starts_at.astimezone(LONDON), "j F Y")
    # Titles become lines' descriptions: no names in them (pages show the partner's name
    # beside the title, isolated).
    found = []
    if pays_for(settings, Line.Kind.MEETING):
        found.append(
            Activity(
                kind=Line.Kind.MEETING,
                id=meeting.pk,
                started_at=meeting.starts_at,
                hours=hours_of(meeting.held_minutes),
                title=_("Mentoring meeting, %(minutes)s minutes")
                % {"minutes": meeting.held_minutes},
                meeting_id=meeting.pk,
                record=meeting.record,
                partner=partner,
            )
        )
    if pays_for(settings, Line.Kind.PREPARATION):
        found.append(
            Activity(
                kind=Line.Kind.PREPARATION,
                id=meeting.pk,
                started_at=meeting.starts_at,
                hours=hours_of(settings.preparation_minutes),
                title=_("Preparation for the meeting on %(when)s") % {"when": when},
                meeting_id=meeting.pk,
                record=meeting.record,
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
    return Activity(
        kind=Line.Kind.TRAINING,
        id=booking.pk,
        started_at=session.starts_at,
        hours=hours_of(session.minutes),
        title=_("Training: %(title)s") % {"title": session.title},
        booking_id=booking.pk,
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
    return Activity(
        kind=Line.Kind.EVENT,
        id=reply.pk,
        started_at=event.starts_at,
        hours=hours_of(event.minutes),
        title=_("Reflection event: %(title)s") % {"title": event.title},
        event_reply_id=reply.pk,
    )


# --- What a mentor can claim ----------------------------------------------------------------


def all_activity(cohort: Cohort, mentor_id: int, settings: PaySettings) -> list[Activity]:
    """Everything the mentor did in the cohort that its settings pay for, claimed or not,
    started by now, oldest first (three queries)."""
    found: list[Activity] = []
    if pays_for(settings, Line.Kind.MEETING):
        for meeting in _meetings(cohort, mentor_id):
            found.extend(_meeting_activities(meeting, settings))
    if pays_for(settings, Line.Kind.TRAINING):
        found.extend(_training_activity(b) for b in _bookings(cohort, mentor_id))
    if pays_for(settings, Line.Kind.EVENT):
        found.extend(_event_activity(r) for r in _replies(cohort, mentor_id))
    now = timezone.now()
    return sorted(
        (a for a in found if a.started_at <= now), key=lambda a: (a.started_at, a.kind, a.id)
    )


def claimed_keys(cohort: Cohort, mentor_id: int) -> dict[str, str]:
    """The claim keys already on the mentor's lines in the cohort, with each line's status
    (rejected ones included: a rejected activity is not offered again)."""
    # Claims are refused for anyone else's activity, so the mentor's own lines hold every
    # claim of their activity.
    lines = Line.objects.filter(cohort=cohort, mentor_id=mentor_id, claim__isnull=False)
    return {claim: status for claim, status in lines.values_list("claim", "status") if claim}


def _offered(item: Activity, taken: dict[str, str]) -> bool:
    if item.key in taken:
        return False
    if item.kind != Line.Kind.PREPARATION:
        return True
    # Preparation is paid with its meeting: offered while the meeting is claimable or
    # claimed, never once the meeting's claim was rejected.
    return taken.get(claim_key(Line.Kind.MEETING, item.id)) != Line.Status.REJECTED


def claimable(
    cohort: Cohort,
    mentor_id: int,
    settings: PaySettings,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[Activity]:
    """What the mentor can still claim in the cohort, oldest first, optionally only from
    ``start`` to ``end`` (inclusive). Four queries whatever the numbers."""
    taken = claimed_keys(cohort, mentor_id)
    return [
        a
        for a in all_activity(cohort, mentor_id, settings)
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
