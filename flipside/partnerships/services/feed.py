"""Each person's private calendar feed: an address with a long random token that calendar
programs subscribe to without signing in.

Only the token's SHA-256 is stored, so the address cannot be read back from the database and
a new one replaces (revokes) the old at once. A token is found by looking up its hash, never
by comparing tokens. The feed holds, for its owner only, their arranged and held meetings,
the training sessions they have a place at and the reflection events of their cohorts, each
with no more than its title, time, place and link.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from typing import Any

import icalendar
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.notifications.calendar import PRODID, Event, build_calendar, event_uid
from flipside.privacy import audit
from flipside.schemes.models import Role
from flipside.schemes.permissions import managed_cohorts
from flipside.training.models import Booking

from ..models import CalendarFeed, Meeting, ReflectionEvent
from .events import calendar_event

TOKEN_BYTES = 32
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
# Older items drop out of the feed; calendar programs keep what they already have.
LOOK_BACK = datetime.timedelta(days=366)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_address(user: Any) -> str:
    """Create the person's feed, or replace it: the old address stops working at once.
    Returns the new token, which is not stored and cannot be shown again."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.update_or_create(
            user=user, defaults={"token_hash": token_hash(token), "created_at": timezone.now()}
        )
        verb = "created" if created else "regenerated"
        audit.record(user, f"partnerships.feed.{verb}", feed)
    return token


def feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("partnerships:feed_ics", args=[token])


def owner_of(token: str) -> Any:
    """The person whose current feed ``token`` opens, or None (unknown, revoked or not a
    token at all)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None


def feed_of(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


# --- What the feed holds ------------------------------------------------------------------


def _meeting_entries(user: Any, since: datetime.datetime) -> list[Event]:
    meetings = Meeting.objects.filter(
        Q(pair__mentor=user) | Q(pair__mentee=user),
        status__in=[Meeting.Status.ACCEPTED, Meeting.Status.HELD],
        starts_at__isnull=False,
        starts_at__gte=since,
    )
    return [
        Event(
            uid=event_uid("meeting", meeting.pk),
            starts_at=meeting.starts_at,
            ends_at=meeting.starts_at + datetime.timedelta(minutes=meeting.minutes),
            summary=_("Reverse mentoring meeting"),
            location=meeting.place,
            url=settings.SITE_URL + reverse("partnerships:meeting", args=[meeting.pk]),
            sequence=meeting.sequence,
        )
        for meeting in meetings
        if meeting.starts_at is not None
    ]


def _training_entries(user: Any, since: datetime.datetime) -> list[Event]:
    bookings = Booking.objects.filter(
        user=user,
        status=Booking.Status.BOOKED,
        session__cancelled_at__isnull=True,
        session__starts_at__gte=since,
    ).select_related("session")
    return [
        Event(
            uid=event_uid("training", booking.session.pk),
            starts_at=booking.session.starts_at,
            ends_at=booking.session.ends_at,
            summary=booking.session.title,
            location=", ".join(
                filter(None, [booking.session.location, booking.session.online_url])
            ),
            url=settings.SITE_URL + reverse("training:session", args=[booking.session.pk]),
            sequence=booking.session.sequence,
        )
        for booking in bookings
    ]


def _event_entries(user: Any, since: datetime.datetime) -> list[Event]:
    cohorts = Q(
        cohort__memberships__user=user,
        cohort__memberships__role__in=[Role.MENTOR, Role.MENTEE, Role.COORDINATOR],
    ) | Q(cohort__in=managed_cohorts(user).values("pk"))
    events = ReflectionEvent.objects.filter(
        cohorts, cancelled_at__isnull=True, starts_at__gte=since
    ).distinct()
    return [calendar_event(event) for event in events]


def entries_for(user: Any) -> list[Event]:
    since = timezone.now() - LOOK_BACK
    entries = (
        _meeting_entries(user, since) + _training_entries(user, since) + _event_entries(user, since)
    )
    return sorted(entries, key=lambda entry: (entry.starts_at, entry.uid))


def feed_calendar(user: Any) -> bytes:
    """The person's feed as iCalendar text (PUBLISH, with a VTIMEZONE when it holds any
    entry)."""
    entries = entries_for(user)
    if entries:
        calendar = icalendar.Calendar.from_ical(build_calendar(entries, method="PUBLISH"))
    else:
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Flipside"))
    calendar.add("x-published-ttl", "PT1H")
    result: bytes = calendar.to_ical()
    return result
