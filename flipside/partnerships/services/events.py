"""Reflection events: the cohort's group meetings halfway through and at the end (created once
from the cohort's dates), others coordinators add, invitations with calendar files, replies,
the attendance register and the coordinators' anonymised themes.

An ``EventReply`` row is written for each person the moment they are invited, so pressing
"Send invitations" again invites only people who have not been invited yet.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.lib.conflicts import EditConflict
from flipside.lib.dates import LONDON, london_datetime
from flipside.notifications import outbox
from flipside.notifications.calendar import Event, Method, calendar_attachment, event_uid
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Membership, Role, Stage

from ..models import EventReply, ReflectionEvent
from . import PartnershipError

DEFAULT_TIME = datetime.time(17, 0)
DEFAULT_MINUTES = 90
END_BEFORE = datetime.timedelta(days=7)
INVITED_ROLES = (Role.MENTOR, Role.MENTEE)
REGISTER_OPENS = datetime.timedelta(hours=1)
EDITABLE = ("title", "starts_at", "minutes", "location", "online_url")


class EventConflict(PartnershipError, EditConflict):
    """The event changed or was cancelled after the editor opened it."""


# --- The default events -------------------------------------------------------------------


def _weekday_on_or_before(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:  # Saturday or Sunday: the Friday before
        day -= datetime.timedelta(days=1)
    return day


def default_dates(starts_on: datetime.date, ends_on: datetime.date) -> dict[str, datetime.date]:
    """The mid-point (halfway through the running dates) and end (a week before the last
    day) events' dates, moved off weekends to the Friday before."""
    middle = starts_on + (ends_on - starts_on) // 2
    end = max(ends_on - END_BEFORE, middle + datetime.timedelta(days=1))
    return {
        ReflectionEvent.Kind.MIDPOINT: _weekday_on_or_before(middle),
        ReflectionEvent.Kind.END: _weekday_on_or_before(end),
    }


def _default_title(kind: str) -> str:
    if kind == ReflectionEvent.Kind.MIDPOINT:
        return _("Mid-point reflection")
    return _("End-of-year reflection")


def ensure_default_events(cohort: Cohort, *, by: Any = None) -> list[ReflectionEvent]:
    """Create the cohort's mid-point and end events if they were never created (a cancelled
    one counts as created, so it does not come back). Safe to call any number of times, also
    at once: the cohort row is locked while checking. Returns the events created."""
    kinds = (ReflectionEvent.Kind.MIDPOINT, ReflectionEvent.Kind.END)
    if ReflectionEvent.objects.filter(cohort_id=cohort.pk, kind__in=kinds).count() == len(kinds):
        return []
    created = []
    with transaction.atomic():
        locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
        existing = set(
            ReflectionEvent.objects.filter(cohort=locked, kind__in=kinds).values_list(
                "kind", flat=True
            )
        )
        for kind, day in default_dates(locked.starts_on, locked.ends_on).items():
            if kind in existing:
                continue
            event = ReflectionEvent.objects.create(
                cohort=locked,
                kind=kind,
                title=_default_title(kind),
                starts_at=london_datetime(day, DEFAULT_TIME),  # 17:00 is never skipped
                minutes=DEFAULT_MINUTES,
            )
            audit.record(by, "partnerships.event.created", event, default=True)
            created.append(event)
    return created


def on_cohort_saved(sender: Any, instance: Cohort, created: bool, **kwargs: Any) -> None:
    """When a cohort moves to running (``change_cohort_stage`` saves ``stage``), create its
    default events. New cohorts and other edits are left to the events page, which creates
    them when first opened."""
    update_fields = kwargs.get("update_fields")
    if created or update_fields is None or "stage" not in update_fields:
        return
    if instance.stage == Stage.RUNNING:
        ensure_default_events(instance)


# --- Creating, changing and cancelling ----------------------------------------------------


def create_event(cohort: Cohort, *, by: Any, invite: bool = True, **values: Any) -> ReflectionEvent:
    with transaction.atomic():
        event = ReflectionEvent.objects.create(
            cohort=cohort, kind=ReflectionEvent.Kind.OTHER, **values
        )
        event.cohort = cohort
        audit.record(by, "partnerships.event.created", event)
        if invite:
            send_invitations(event, by=by)
    return event


def update_event(
    event: ReflectionEvent, *, by: Any, version: int, **values: Any
) -> ReflectionEvent:
    """Change an event; everyone invited gets an updated calendar invitation (same UID,
    higher SEQUENCE)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")
    with transaction.atomic():
        changed = ReflectionEvent.objects.filter(
            pk=event.pk, version=version, cancelled_at__isnull=True
        ).update(**values, version=version + 1, sequence=event.sequence + 1)
        if not changed:
            raise EventConflict(
                _("This event was changed or cancelled while you were editing. Nothing was "
                  "saved: check the event as it is now and make your changes again."),
                latest=ReflectionEvent.objects.get(pk=event.pk),
            )  # fmt: skip
        event.refresh_from_db()
        audit.record(by, "partnerships.event.updated", event)
        for reply in _invited(event):
            _email(event, reply.user, "event_changed", method="REQUEST")
    return event


def cancel_event(event: ReflectionEvent, *, by: Any) -> ReflectionEvent:
    """Cancel an event and remove it from invitees' calendars. Cancelling twice changes
    nothing."""
    with transaction.atomic():
        locked = ReflectionEvent.objects.select_for_update().get(pk=event.pk)
        locked.cohort = event.cohort
        if locked.cancelled_at is not None:
            return locked
        locked.cancelled_at = timezone.now()
        locked.sequence += 1
        locked.version += 1
        locked.save(update_fields=["cancelled_at", "sequence", "version"])
        audit.record(by, "partnerships.event.cancelled", locked)
        for reply in _invited(locked):
            _email(locked, reply.user, "event_cancelled", method="CANCEL")
    return locked


def _invited(event: ReflectionEvent) -> Any:
    return event.replies.filter(user__is_active=True).select_related("user")


# --- Invitations and replies --------------------------------------------------------------


def invitees(cohort: Cohort) -> Any:
    """The cohort's mentors and mentees, whom its events are for."""
    return Membership.objects.filter(
        cohort=cohort, role__in=INVITED_ROLES, user__is_active=True
    ).select_related("user")


def send_invitations(event: ReflectionEvent, *, by: Any) -> int:
    """Invite every mentor and mentee of the cohort not invited yet; how many were invited.
    Each invitation is recorded as a reply row first, so nobody is invited twice."""
    with transaction.atomic():
        locked = ReflectionEvent.objects.select_for_update().get(pk=event.pk)
        locked.cohort = event.cohort
        if locked.cancelled_at is not None:
            raise PartnershipError(_("This event has been cancelled."))
        if locked.starts_at <= timezone.now():
            raise PartnershipError(_("This event has already started, so nobody was invited."))
        already = set(locked.replies.values_list("user_id", flat=True))
        invited = 0
        for membership in invitees(locked.cohort).exclude(user_id__in=already):
            try:
                with transaction.atomic():
                    EventReply.objects.create(event=locked, user=membership.user)
            except IntegrityError:  # the person replied at this very moment
                continue
            _email(locked, membership.user, "event_invitation", method="REQUEST")
            invited += 1
        if invited:
            audit.record(by, "partnerships.event.invited", locked, people=invited)
    return invited


def reply(event: ReflectionEvent, *, user: Any, answer: str) -> EventReply:
    """A mentor's or mentee's answer. Answering again replaces the answer."""
    if answer not in (EventReply.Answer.YES, EventReply.Answer.NO, EventReply.Answer.MAYBE):
        raise PartnershipError(_("Choose coming, not coming or maybe."))
    if event.cancelled_at is not None:
        raise PartnershipError(_("This event has been cancelled."))
    if event.starts_at <= timezone.now():
        raise PartnershipError(_("This event has already started, so replies are closed."))
    member = Membership.objects.filter(cohort_id=event.cohort_id, user=user, role__in=INVITED_ROLES)
    if not member.exists():
        raise PartnershipError(_("Replies are for the cohort's mentors and mentees."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                row, _created = EventReply.objects.get_or_create(event=event, user=user)
        except IntegrityError:  # invited or answered at the same moment
            row = EventReply.objects.get(event=event, user=user)
        if row.answer != answer:
            row.answer, row.answered_at = answer, timezone.now()
            row.save(update_fields=["answer", "answered_at"])
            audit.record(user, "partnerships.event.replied", event, answer=answer)
    return row


def mark_attendance(event: ReflectionEvent, changes: list[tuple[int, str]], *, by: Any) -> int:
    """Mark (reply id, present|absent) pairs; how many changed."""
    allowed = (EventReply.Attendance.PRESENT, EventReply.Attendance.ABSENT)
    if event.cancelled_at is not None:
        raise PartnershipError(_("This event has been cancelled, so there is no register."))
    if event.starts_at - REGISTER_OPENS > timezone.now():
        raise PartnershipError(_("The register opens an hour before the event starts."))
    changed = 0
    with transaction.atomic():
        for reply_id, attendance in changes:
            if attendance not in allowed:
                raise PartnershipError(_("Choose present or absent."))
            changed += EventReply.objects.filter(pk=reply_id, event=event).update(
                attendance=attendance, marked_at=timezone.now()
            )
        if changed:
            audit.record(by, "partnerships.event.attendance_marked", event, people=changed)
    return changed


def save_notes(event: ReflectionEvent, *, notes: str, version: int, by: Any) -> ReflectionEvent:
    """The coordinators' anonymised themes (shown to coordinators only)."""
    with transaction.atomic():
        if not ReflectionEvent.objects.filter(pk=event.pk, version=version).update(
            notes=notes, version=version + 1
        ):
            raise EventConflict(
                _("Someone else saved these notes while you were writing. Nothing was saved: "
                  "check the notes as they are now and add your changes again."),
                latest=ReflectionEvent.objects.get(pk=event.pk),
            )  # fmt: skip
        event.refresh_from_db()
        audit.record(by, "partnerships.event.notes_saved", event)
    return event


# --- Calendar files and emails ------------------------------------------------------------


def where(event: ReflectionEvent) -> str:
    return ", ".join(filter(None, [event.location, event.online_url]))


def event_link(event: ReflectionEvent) -> str:
    return settings.SITE_URL + reverse("partnerships:event", args=[event.pk])


def calendar_event(event: ReflectionEvent, **extra: Any) -> Event:
    """The event's calendar entry: title, time, place and link, nothing else."""
    return Event(
        uid=event_uid("reflection", event.pk),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        summary=event.title,
        location=where(event),
        url=event_link(event),
        sequence=event.sequence,
        **extra,
    )


def when_text(moment: datetime.datetime) -> str:
    return formats.date_format(moment.astimezone(LONDON), "l j F Y, H:i")


def organiser() -> str:
    return settings.DEFAULT_FROM_EMAIL.split("<")[-1].strip(">").strip()


def _email(event: ReflectionEvent, user: Any, kind: str, *, method: Method) -> None:
    entry = calendar_event(event, organiser_email=organiser(), attendee_emails=(user.email,))
    outbox.enqueue(
        kind,
        to=user.email,
        user=user,
        scheme=event.cohort.scheme,
        values=event_values(event),
        attachments=[calendar_attachment([entry], method=method, filename="event.ics")],
    )


def event_values(event: ReflectionEvent) -> dict[str, str]:
    return {
        "event": event.title,
        "when": when_text(event.starts_at),
        "where": where(event) or _("to be confirmed"),
        "cohort": str(event.cohort),
        "link": event_link(event),
    }
