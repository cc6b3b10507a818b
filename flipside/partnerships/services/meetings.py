"""A pair's meetings: proposed with one to three times, accepted, moved, cancelled, recorded
after the event (held or not) and confirmed or disputed by the other partner, or logged
afterwards within the cohort's window.

Calendar files keep one UID per meeting for its whole life; every change that reaches
people's calendars raises ``sequence`` so their calendar programs update the entry they hold,
and a cancellation sends it as CANCEL. Nothing here asks for, or stores, what was said.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.lib.dates import LONDON, AmbiguousTime, NonexistentTime, london_datetime
from flipside.matching.models import Pair
from flipside.notifications import outbox
from flipside.notifications.calendar import Event, Method, calendar_attachment, event_uid
from flipside.privacy import audit

from ..models import (
    MAX_MEETING_MINUTES,
    Meeting,
    MeetingOption,
    Mode,
    PartnershipSettings,
    TalkingPoint,
)
from ..permissions import NotNow, partner_of, require_can_act
from . import PartnershipError

Status = Meeting.Status
Record = Meeting.Record
MAX_OPTIONS = 3
MIN_MINUTES = 5
# Meetings that hold a person's time: arranged ones, and held ones (for logging afterwards).
BUSY = (Status.ACCEPTED, Status.HELD)


# --- Checks ---------------------------------------------------------------------------------


def london_moment(moment: datetime.datetime) -> datetime.datetime:
    """An aware moment for a time typed as London wall time (naive) or already aware; refuses
    times the clocks skip or repeat, with a message a person can act on."""
    if moment.tzinfo is not None:
        return moment
    try:
        return london_datetime(moment.date(), moment.time())
    except NonexistentTime:
        message = _(
            "There is no %(time)s on %(date)s in the UK: the clocks go forward an hour at 1am. "
            "Choose another time."
        )
    except AmbiguousTime:
        message = _(
            "%(time)s happens twice on %(date)s in the UK, because the clocks go back an hour "
            "at 2am. Choose a time before 1am or after 2am."
        )
    shown = {"time": f"{moment:%H:%M}", "date": formats.date_format(moment.date(), "j F Y")}
    raise PartnershipError(message % shown)


def _can_act(pair: Pair, by: Any) -> None:
    if by.pk not in (pair.mentor_id, pair.mentee_id):
        raise PartnershipError(_("Only the two partners can change their meetings."))
    try:
        require_can_act(pair, by)
    except NotNow as error:
        raise PartnershipError(str(error)) from None


def _check_minutes(minutes: int) -> None:
    if minutes < MIN_MINUTES:
        raise PartnershipError(
            _("A meeting must last at least %(n)d minutes.") % {"n": MIN_MINUTES}
        )
    if minutes > MAX_MEETING_MINUTES:
        raise PartnershipError(_("A meeting can last at most a day (1,440 minutes)."))


def _check_mode(mode: str) -> None:
    if mode not in Mode.values:
        raise PartnershipError(_("Choose how you will meet: in person, online or by phone."))


def when_text(moment: datetime.datetime) -> str:
    """ "Tuesday 12 January 2027, 14:00", in UK time."""
    return formats.date_format(moment.astimezone(LONDON), "l j F Y, H:i")


def _clash(pair: Pair, start: datetime.datetime, minutes: int, *, exclude: int | None) -> None:
    """Refuse a time that overlaps a meeting either partner has arranged (any of their
    pairs) or held."""
    end = start + datetime.timedelta(minutes=minutes)
    people = (pair.mentor_id, pair.mentee_id)
    candidates = Meeting.objects.filter(
        Q(pair__mentor_id__in=people) | Q(pair__mentee_id__in=people),
        status__in=BUSY,
        starts_at__lt=end,
        starts_at__gt=start - datetime.timedelta(minutes=MAX_MEETING_MINUTES),
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    for other in candidates:
        assert other.ends_at is not None  # noqa: S101 - arranged and held meetings have a time
        if other.ends_at > start:
            raise PartnershipError(
                _(
                    "%(when)s overlaps another meeting one of you has at %(other)s. "
                    "Choose another time."
                )
                % {"when": when_text(start), "other": when_text(other.starts_at)}  # type: ignore[arg-type]
            )


def _future_options(options: Sequence[datetime.datetime]) -> list[datetime.datetime]:
    if not options:
        raise PartnershipError(_("Offer at least one time."))
    moments = sorted({london_moment(option) for option in options})
    if len(moments) > MAX_OPTIONS:
        raise PartnershipError(_("Offer at most three times."))
    now = timezone.now()
    for moment in moments:
        if moment <= now:
            raise PartnershipError(
                _("%(when)s has already passed. Offer a time in the future.")
                % {"when": when_text(moment)}
            )
    return moments


def _locked(meeting: Meeting) -> Meeting:
    """The meeting's row, locked until the transaction ends, with its pair."""
    fresh = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("pair__cohort__scheme", "pair__mentor", "pair__mentee")
        .get(pk=meeting.pk)
    )
    return fresh


def _points(pair: Pair, ids: Iterable[int]) -> list[TalkingPoint]:
    wanted = {int(pk) for pk in ids}
    points = list(
        TalkingPoint.objects.filter(
            scheme_id=pair.cohort.scheme_id, status=TalkingPoint.Status.PUBLISHED, pk__in=wanted
        )
    )
    if len(points) != len(wanted):
        raise PartnershipError(_("Choose talking points from your scheme's library."))
    return points


# --- Emails and calendar files ------------------------------------------------------------


def link(meeting: Meeting) -> str:
    return settings.SITE_URL + reverse("partnerships:meeting", args=[meeting.pk])


def where_text(meeting: Meeting) -> str:
    mode = Mode(meeting.mode).label
    return f"{mode}: {meeting.place}" if meeting.place else str(mode)


def meeting_event(meeting: Meeting) -> Event:
    """The calendar entry of an arranged meeting: title, time, place and link, nothing
    about what the pair talks about."""
    pair = meeting.pair
    assert meeting.starts_at is not None and meeting.ends_at is not None  # noqa: S101
    return Event(
        uid=event_uid("meeting", meeting.pk),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=_("Mentoring meeting: %(mentor)s and %(mentee)s")
        % {"mentor": pair.mentor.display_name, "mentee": pair.mentee.display_name},
        location=where_text(meeting),
        url=link(meeting),
        sequence=meeting.sequence,
    )


def _organiser() -> str:
    return settings.DEFAULT_FROM_EMAIL.split("<")[-1].strip(">").strip()


def _email_both(meeting: Meeting, kind: str, *, method: Method) -> None:
    pair = meeting.pair
    event = meeting_event(meeting)
    event = Event(
        **{
            **event.__dict__,
            "organiser_email": _organiser(),
            "attendee_emails": (pair.mentor.email, pair.mentee.email),
        }
    )
    attachment = calendar_attachment([event], method=method, filename="meeting.ics")
    for person in (pair.mentor, pair.mentee):
        outbox.enqueue(
            kind,
            to=person.email,
            user=person,
            scheme=pair.cohort.scheme,
            values=_values(meeting, person),
            attachments=[attachment],
        )


def _values(meeting: Meeting, person: Any) -> dict[str, str]:
    return {
        "partner": partner_of(meeting.pair, person).display_name,
        "when": when_text(meeting.starts_at) if meeting.starts_at else "",
        "where": where_text(meeting),
        "cohort": str(meeting.pair.cohort),
        "link": link(meeting),
    }


def _email_proposed(meeting: Meeting, times: list[datetime.datetime], by: Any) -> None:
    partner = partner_of(meeting.pair, by)
    outbox.enqueue(
        "meeting_proposed",
        to=partner.email,
        user=partner,
        scheme=meeting.pair.cohort.scheme,
        values={
            "partner": by.display_name,
            "times": "\n".join(when_text(moment) for moment in times),
            "cohort": str(meeting.pair.cohort),
            "link": link(meeting),
        },
    )


# --- Proposing, accepting, moving, cancelling -----------------------------------------------


def propose(
    pair: Pair,
    *,
    by: Any,
    options: Sequence[datetime.datetime],
    minutes: int = 60,
    mode: str = Mode.IN_PERSON,
    place: str = "",
) -> Meeting:
    """Offer one to three times (London wall time or aware); the partner accepts one.
    Submitting the same offer twice returns the first."""
    _can_act(pair, by)
    _check_minutes(minutes)
    _check_mode(mode)
    moments = _future_options(options)
    for moment in moments:
        _clash(pair, moment, minutes, exclude=None)
    with transaction.atomic():
        Pair.objects.select_for_update().filter(pk=pair.pk).first()
        same = _same_offer(pair, by, moments)
        if same is not None:
            return same
        meeting = Meeting.objects.create(
            pair=pair, minutes=minutes, mode=mode, place=place.strip()[:300], proposed_by=by
        )
        MeetingOption.objects.bulk_create(
            MeetingOption(meeting=meeting, starts_at=moment) for moment in moments
        )
        audit.record(by, "partnerships.meeting.proposed", meeting, options=len(moments))
        _email_proposed(meeting, moments, by)
    return meeting


def _same_offer(pair: Pair, by: Any, moments: list[datetime.datetime]) -> Meeting | None:
    for meeting in Meeting.objects.filter(pair=pair, status=Status.PROPOSED, proposed_by=by):
        if sorted(meeting.options.values_list("starts_at", flat=True)) == moments:
            return meeting
    return None


def offer_other_times(
    meeting: Meeting,
    *,
    by: Any,
    options: Sequence[datetime.datetime],
    minutes: int | None = None,
    mode: str | None = None,
    place: str | None = None,
) -> Meeting:
    """Replace the times on offer: a counter-proposal to a proposed meeting, or moving an
    arranged one. The meeting goes back to proposed, with ``by`` as its proposer; the old
    time stays in calendars until the partner accepts a new one (then SEQUENCE rises)."""
    pair = meeting.pair
    _can_act(pair, by)
    minutes = meeting.minutes if minutes is None else minutes
    mode = meeting.mode if mode is None else mode
    _check_minutes(minutes)
    _check_mode(mode)
    moments = _future_options(options)
    for moment in moments:
        _clash(pair, moment, minutes, exclude=meeting.pk)
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.status not in (Status.PROPOSED, Status.ACCEPTED):
            raise PartnershipError(
                _("This meeting is %(status)s, so it cannot be moved.")
                % {"status": meeting.get_status_display().lower()}
            )
        if (
            meeting.status == Status.ACCEPTED
            and meeting.starts_at
            and meeting.starts_at <= timezone.now()
        ):
            raise PartnershipError(
                _("This meeting's time has come, so it cannot be moved: record whether it "
                  "happened instead, and propose a new meeting.")
            )  # fmt: skip
        if meeting.status == Status.PROPOSED and meeting.proposed_by_id == by.pk:
            current = sorted(meeting.options.values_list("starts_at", flat=True))
            if current == moments and meeting.minutes == minutes and meeting.mode == mode:
                return meeting  # the same form sent twice
        was = meeting.status
        meeting.options.all().delete()
        MeetingOption.objects.bulk_create(
            MeetingOption(meeting=meeting, starts_at=moment) for moment in moments
        )
        meeting.status, meeting.starts_at = Status.PROPOSED, None
        meeting.minutes, meeting.mode = minutes, mode
        if place is not None:
            meeting.place = place.strip()[:300]
        meeting.proposed_by, meeting.proposed_at = by, timezone.now()
        meeting.version += 1
        meeting.save()
        verb = "rescheduled" if was == Status.ACCEPTED else "countered"
        audit.record(by, f"partnerships.meeting.{verb}", meeting, options=len(moments))
        _email_proposed(meeting, moments, by)
    return meeting


def reschedule(meeting: Meeting, *, by: Any, options: Sequence[datetime.datetime],
               **changes: Any) -> Meeting:  # fmt: skip
    """Move an arranged meeting (or answer a proposal with other times)."""
    return offer_other_times(meeting, by=by, options=options, **changes)


def accept(meeting: Meeting, option: MeetingOption | int, *, by: Any) -> Meeting:
    """The partner who did not propose accepts one of the times; both get a calendar
    invitation (an update of the same entry if the meeting was arranged before)."""
    option_id = option.pk if isinstance(option, MeetingOption) else int(option)
    with transaction.atomic():
        meeting = _locked(meeting)
        pair = meeting.pair
        chosen = meeting.options.filter(pk=option_id).first()
        if meeting.status == Status.ACCEPTED and chosen and meeting.starts_at == chosen.starts_at:
            return meeting  # accepted twice
        if meeting.status != Status.PROPOSED:
            raise PartnershipError(
                _("This meeting is %(status)s, so there is no time to accept.")
                % {"status": meeting.get_status_display().lower()}
            )
        _can_act(pair, by)
        if meeting.proposed_by_id == by.pk:
            raise PartnershipError(_("You offered these times; your partner chooses one of them."))
        if chosen is None:
            raise PartnershipError(_("Choose one of the times offered."))
        if chosen.starts_at <= timezone.now():
            raise PartnershipError(
                _("That time has passed. Offer your partner other times instead.")
            )
        _clash(pair, chosen.starts_at, meeting.minutes, exclude=meeting.pk)
        moved = meeting.accepted_at is not None  # it was in calendars before
        meeting.status, meeting.starts_at = Status.ACCEPTED, chosen.starts_at
        meeting.accepted_at = timezone.now()
        if moved:
            meeting.sequence += 1
        meeting.version += 1
        meeting.save()
        audit.record(by, "partnerships.meeting.accepted", meeting)
        _email_both(meeting, "meeting_changed" if moved else "meeting_arranged", method="REQUEST")
    return meeting


def cancel(meeting: Meeting, *, by: Any) -> Meeting:
    """Cancel a proposed or arranged meeting. A meeting that was in calendars is removed
    from them (CANCEL). Cancelling twice does nothing more; a cancelled meeting never counts
    as missed. Allowed even after the partnership ended, so nobody is left with an entry."""
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.status == Status.CANCELLED:
            return meeting
        if meeting.status not in (Status.PROPOSED, Status.ACCEPTED):
            raise PartnershipError(_("This meeting has been recorded, so it cannot be cancelled."))
        in_calendars = meeting.accepted_at is not None
        if meeting.starts_at is None and in_calendars:
            # Moved and not yet agreed again: the entry people hold is cancelled by its UID.
            first = meeting.options.first()
            meeting.starts_at = first.starts_at if first else meeting.accepted_at
        meeting.status = Status.CANCELLED
        meeting.cancelled_by, meeting.cancelled_at = by, timezone.now()
        if in_calendars:
            meeting.sequence += 1
        meeting.version += 1
        meeting.save()
        audit.record(by, "partnerships.meeting.cancelled", meeting)
        if in_calendars:
            _email_both(meeting, "meeting_cancelled", method="CANCEL")
    return meeting


# --- Records ----------------------------------------------------------------------------------


def record(
    meeting: Meeting,
    *,
    by: Any,
    held: bool,
    minutes: int | None = None,
    mode: str | None = None,
    talking_point_ids: Iterable[int] = (),
) -> Meeting:
    """Record an arranged meeting, after its start, as held (its real length and how) or not
    held. The partner is asked to confirm. Two records at once make one: the row is locked,
    and the second finds it recorded (a no-op if it says the same)."""
    with transaction.atomic():
        meeting = _locked(meeting)
        pair = meeting.pair
        if by.pk not in (pair.mentor_id, pair.mentee_id):
            raise PartnershipError(_("Only the two partners can record their meetings."))
        status = Status.HELD if held else Status.NOT_HELD
        if meeting.status in (Status.HELD, Status.NOT_HELD):
            if _same_record(meeting, status, minutes, mode):
                return meeting
            who = meeting.recorded_by.display_name if meeting.recorded_by else _("Your partner")
            raise PartnershipError(
                _(
                    "%(person)s has already recorded this meeting. If their record is wrong, "
                    "dispute it."
                )
                % {"person": who}
            )
        if meeting.status == Status.CANCELLED:
            raise PartnershipError(_("This meeting was cancelled, so there is nothing to record."))
        if meeting.status != Status.ACCEPTED or meeting.starts_at is None:
            raise PartnershipError(
                _("This meeting has not been arranged yet. To record one you had, log it.")
            )
        if meeting.starts_at > timezone.now():
            raise PartnershipError(_("A meeting can be recorded once its time has come."))
        _can_act(pair, by)
        points = _held_details(meeting, held, minutes, mode, talking_point_ids)
        meeting.status, meeting.record = status, Record.UNCONFIRMED
        meeting.recorded_by, meeting.recorded_at = by, timezone.now()
        meeting.version += 1
        meeting.save()
        meeting.talking_points.set(points)
        audit.record(by, "partnerships.meeting.recorded", meeting, held=held)
        _email_recorded(meeting, by)
    return meeting


def _same_record(meeting: Meeting, status: str, minutes: int | None, mode: str | None) -> bool:
    if meeting.status != status:
        return False
    if status == Status.NOT_HELD:
        return True
    return meeting.held_minutes == minutes and (mode is None or meeting.held_mode == mode)


def _held_details(
    meeting: Meeting, held: bool, minutes: int | None, mode: str | None, ids: Iterable[int]
) -> list[TalkingPoint]:
    if not held:
        meeting.held_minutes, meeting.held_mode = None, ""
        return []
    if minutes is None:
        raise PartnershipError(_("Say how long the meeting lasted, in minutes."))
    if not 1 <= minutes <= MAX_MEETING_MINUTES:
        raise PartnershipError(_("A meeting lasts between 1 minute and a day (1,440 minutes)."))
    mode = mode or meeting.mode
    _check_mode(mode)
    meeting.held_minutes, meeting.held_mode = minutes, mode
    return _points(meeting.pair, ids)


def _email_recorded(meeting: Meeting, by: Any) -> None:
    partner = partner_of(meeting.pair, by)
    outbox.enqueue(
        "meeting_recorded",
        to=partner.email,
        user=partner,
        scheme=meeting.pair.cohort.scheme,
        values=_values(meeting, partner),
    )


def answer(meeting: Meeting, *, by: Any, confirm: bool) -> Meeting:
    """The partner who did not record it confirms or disputes the record. A disputed held
    meeting does not count. Answering the same way twice does nothing more."""
    with transaction.atomic():
        meeting = _locked(meeting)
        pair = meeting.pair
        if by.pk not in (pair.mentor_id, pair.mentee_id):
            raise PartnershipError(_("Only the two partners can answer a record."))
        if meeting.status not in (Status.HELD, Status.NOT_HELD):
            raise PartnershipError(_("This meeting has not been recorded yet."))
        if meeting.recorded_by_id == by.pk:
            raise PartnershipError(_("You recorded this meeting; your partner confirms it."))
        wanted = Record.CONFIRMED if confirm else Record.DISPUTED
        if meeting.record == wanted:
            return meeting
        if meeting.record != Record.UNCONFIRMED:
            raise PartnershipError(
                _("You have already answered: the record is %(record)s.")
                % {"record": meeting.get_record_display().lower()}
            )
        _can_act(pair, by)
        meeting.record = wanted
        meeting.answered_by, meeting.answered_at = by, timezone.now()
        meeting.version += 1
        meeting.save()
        audit.record(by, f"partnerships.meeting.{wanted}", meeting)
    return meeting


def log_window_days(pair: Pair) -> int:
    found, _created = PartnershipSettings.objects.get_or_create(cohort_id=pair.cohort_id)
    return found.log_window_days


def log(
    pair: Pair,
    *,
    by: Any,
    starts_at: datetime.datetime,
    minutes: int,
    mode: str = Mode.IN_PERSON,
    talking_point_ids: Iterable[int] = (),
) -> Meeting:
    """A meeting the pair had but did not arrange here, logged within the cohort's window.
    It counts as held once logged, unless the partner disputes it. Logging the same meeting
    twice returns the first."""
    _can_act(pair, by)
    _check_mode(mode)
    if not 1 <= minutes <= MAX_MEETING_MINUTES:
        raise PartnershipError(_("A meeting lasts between 1 minute and a day (1,440 minutes)."))
    start = london_moment(starts_at)
    now = timezone.now()
    if start > now:
        raise PartnershipError(_("That time is in the future. Propose the meeting instead."))
    days = log_window_days(pair)
    if start < now - datetime.timedelta(days=days):
        raise PartnershipError(
            _("Meetings can be logged up to %(days)d days afterwards.") % {"days": days}
        )
    with transaction.atomic():
        Pair.objects.select_for_update().filter(pk=pair.pk).first()
        same = Meeting.objects.filter(
            pair=pair, logged_after=True, starts_at=start, recorded_by=by
        ).first()
        if same is not None:
            return same
        _clash(pair, start, minutes, exclude=None)
        points = _points(pair, talking_point_ids)
        meeting = Meeting.objects.create(
            pair=pair, status=Status.HELD, starts_at=start, minutes=max(minutes, MIN_MINUTES),
            mode=mode, proposed_by=by, record=Record.UNCONFIRMED, recorded_by=by,
            recorded_at=now, held_minutes=minutes, held_mode=mode, logged_after=True,
        )  # fmt: skip
        meeting.talking_points.set(points)
        audit.record(by, "partnerships.meeting.logged", meeting)
        _email_recorded(meeting, by)
    return meeting
