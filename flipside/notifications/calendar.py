"""Calendar files (.ics) for training sessions, pair meetings and reflection events.

Times are written as Europe/London wall time with a VTIMEZONE that icalendar generates from
the zoneinfo database, so every calendar program converts them correctly across the clock
changes. Callers keep an event's UID stable and raise its SEQUENCE on every change, so a
later file updates or cancels the same entry instead of adding another.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from flipside.lib.dates import LONDON

from .outbox import Attachment

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]
METHODS: tuple[str, ...] = get_args(Method)
PRODID = "-//Flipside//Reverse mentoring//EN"
UTC = datetime.UTC

# RFC 5545 text may not carry control characters; tab and line breaks are escaped for us.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Event:
    """One calendar entry. Checked when built: aware times, end after start, clean text."""

    uid: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    sequence: int = 0
    organiser_email: str = ""
    attendee_emails: tuple[str, ...] = ()
    # All day: only the London dates of starts_at and ends_at count, and the end date is
    # exclusive (RFC 5545), so a one-day event on 1 July runs from 1 July to 2 July.
    all_day: bool = False

    def __post_init__(self) -> None:
        _check_times(self)
        _check_text(self)


def event_uid(kind: str, pk: int) -> str:
    """A UID that stays the same for the life of the object, e.g. ``meeting-7@example.org``."""
    host = urlsplit(settings.SITE_URL).hostname or "flipside.invalid"
    return f"{kind}-{pk}@{host}"


def build_calendar(events: Sequence[Event], *, method: Method = "PUBLISH") -> bytes:
    """A VCALENDAR holding ``events``; CANCEL marks each of them cancelled."""
    _check_calendar(events, method)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(_london_timezone(events))
    stamp = timezone.now().astimezone(UTC)
    for event in events:
        calendar.add_component(_vevent(event, method=method, stamp=stamp))
    result: bytes = calendar.to_ical()
    return result


def calendar_attachment(
    events: Sequence[Event], *, method: Method, filename: str = "invite.ics"
) -> Attachment:
    """The calendar as an outbox attachment; mail programs read the method from the type."""
    return Attachment(
        filename=filename,
        content=build_calendar(events, method=method).decode(),
        mimetype=f"text/calendar; method={method}; charset=UTF-8",
    )


def calendar_response(content: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    """A calendar file to download (or, not as an ``attachment``, for a calendar program that
    subscribes to it)."""
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(attachment, filename) or ""
    return response


def _check_times(event: Event) -> None:
    for name in ("starts_at", "ends_at"):
        moment: datetime.datetime = getattr(event, name)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"Event {event.uid!r}: {name} must be an aware datetime.")
    # Compare instants: aware datetimes sharing a tzinfo compare by wall time, ignoring fold.
    if _instant(event.ends_at) <= _instant(event.starts_at):
        raise ValueError(f"Event {event.uid!r} must end after it starts.")
    if event.all_day and _london(event.ends_at).date() <= _london(event.starts_at).date():
        raise ValueError(
            f"All-day event {event.uid!r} must end on a later date than it starts "
            "(the end date is exclusive: a one-day event on 1 July ends on 2 July)."
        )
    if event.sequence < 0:
        raise ValueError(f"Event {event.uid!r}: sequence cannot be negative.")


def _check_text(event: Event) -> None:
    if not event.uid:
        raise ValueError("An event needs a uid; see event_uid().")
    for name in ("uid", "url"):
        if _CONTROL_OR_BREAK.search(getattr(event, name)):
            raise ValueError(f"Event {event.uid!r}: {name} cannot contain control characters.")
    for name in ("summary", "description", "location"):
        if _CONTROL.search(getattr(event, name)):
            raise ValueError(
                f"Event {event.uid!r}: {name} cannot contain NUL or other control characters."
            )
    for email in filter(None, (event.organiser_email, *event.attendee_emails)):
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"Event {event.uid!r}: {email!r} is not an email address.") from None


def _check_calendar(events: Sequence[Event], method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"Unknown calendar method {method!r}; use one of {', '.join(METHODS)}.")
    if not events:
        raise ValueError("A calendar file needs at least one event.")
    # iTIP (RFC 5546): invitations and cancellations come from an organiser to attendees.
    for event in events:
        if method != "PUBLISH" and not event.organiser_email:
            raise ValueError(f"Event {event.uid!r}: a {method} needs an organiser_email.")
        if method == "REQUEST" and not event.attendee_emails:
            raise ValueError(f"Event {event.uid!r}: a REQUEST needs at least one attendee.")


def _london_timezone(events: Sequence[Event]) -> icalendar.Timezone:
    # Only the years the events touch: a smaller file, and no 2038 cut-off.
    first = min(_london(event.starts_at).year for event in events)
    last = max(_london(event.ends_at).year for event in events)
    return icalendar.Timezone.from_tzid(
        "Europe/London",
        first_date=datetime.date(first, 1, 1),
        last_date=datetime.date(last + 1, 1, 1),
    )


def _vevent(event: Event, *, method: str, stamp: datetime.datetime) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", _when(event.starts_at, all_day=event.all_day))
    vevent.add("dtend", _when(event.ends_at, all_day=event.all_day))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    if event.organiser_email:
        vevent.add("organizer", _address(event.organiser_email))
    for email in event.attendee_emails:
        attendee = _address(email, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE")
        vevent.add("attendee", attendee)
    if method == "CANCEL":
        vevent.add("status", "CANCELLED")
    return vevent


def _address(email: str, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params.update(params)
    return address


def _instant(moment: datetime.datetime) -> datetime.datetime:
    # iCalendar times have whole seconds; dropping the rest here keeps every check honest.
    return moment.astimezone(UTC).replace(microsecond=0)


def _london(moment: datetime.datetime) -> datetime.datetime:
    # Via UTC, so a wall time that does not exist in London (spring gap) is normalised too.
    return _instant(moment).astimezone(LONDON)


def _when(moment: datetime.datetime, *, all_day: bool) -> datetime.date | datetime.datetime:
    local = _london(moment)
    if all_day:
        return local.date()
    # A London wall time in the repeated autumn hour means its first pass (RFC 5545), so
    # the second pass is written in UTC instead to keep the instant right.
    if local.utcoffset() != local.replace(fold=0).utcoffset():
        return _instant(moment)
    return local
