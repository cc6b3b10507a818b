"""Training workflows: sessions and bookings, attendance, handbook, ground rules, concerns."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.lib.conflicts import EditConflict
from flipside.notifications import outbox
from flipside.notifications.calendar import Event, Method, calendar_attachment, event_uid
from flipside.privacy import audit, crypto
from flipside.schemes.models import Membership
from flipside.schemes.permissions import coordinators_of

from . import readiness
from .models import (
    AUDIENCE_ROLES,
    AgreementAcceptance,
    AgreementVersion,
    Booking,
    Concern,
    HandbookAcknowledgement,
    HandbookVersion,
    ReadinessOverride,
    SupportService,
    TrainingSession,
)

Status = Booking.Status
Attendance = Booking.Attendance


class TrainingError(Exception):
    """A training step that cannot be taken; the message says why."""


class TrainingConflict(TrainingError, EditConflict):
    """Someone changed or cancelled the session after the editor opened it."""


# --- Sessions -----------------------------------------------------------------------------


def create_session(cohort: Any, *, by: Any, **values: Any) -> TrainingSession:
    with transaction.atomic():
        session = TrainingSession.objects.create(cohort=cohort, **values)
        audit.record(by, "training.session.created", session)
    return session


def update_session(
    session: TrainingSession, *, by: Any, version: int, **values: Any
) -> TrainingSession:
    """Change a session; everyone booked gets an updated calendar invitation."""
    with transaction.atomic():
        changed = TrainingSession.objects.filter(
            pk=session.pk, version=version, cancelled_at__isnull=True
        )
        if not changed.update(**values, version=version + 1, sequence=session.sequence + 1):
            raise TrainingConflict(
                _("This session was changed or cancelled while you were editing. Nothing was "
                  "saved: reload the page and make your changes again."),
                latest=TrainingSession.objects.get(pk=session.pk),
            )  # fmt: skip
        session.refresh_from_db()
        # Updated in one statement, which sends no signal: whether it is required, for whom
        # and whether it is cancelled may change who is ready.
        readiness.changed("session", session.pk)
        audit.record(by, "training.session.updated", session)
        for booking in session.bookings.filter(status=Status.BOOKED).select_related("user"):
            _email_booking(booking, "training_changed", method="REQUEST")
        _fill_free_places(session, by=by)
    return session


def _fill_free_places(session: TrainingSession, *, by: Any) -> None:
    """Give places freed by a larger capacity to the waiting list, first come first served."""
    free = session.capacity - session.bookings.filter(status=Status.BOOKED).count()
    if free <= 0 or session.is_past:
        return
    waiting = session.bookings.filter(status=Status.WAITING).order_by("booked_at", "pk")
    for booking in waiting.select_related("user")[:free]:
        booking.status = Status.BOOKED
        booking.save(update_fields=["status"])
        audit.record(by, "training.booking.promoted", session, user=booking.user.email)
        _email_booking(booking, "training_booked", method="REQUEST")


def cancel_session(session: TrainingSession, *, by: Any) -> TrainingSession:
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if locked.cancelled_at is not None:
            return locked
        locked.cancelled_at = timezone.now()
        locked.sequence += 1
        locked.save(update_fields=["cancelled_at", "sequence"])
        audit.record(by, "training.session.cancelled", locked)
        for booking in locked.bookings.filter(status=Status.BOOKED).select_related("user"):
            _email_booking(booking, "training_cancelled", method="CANCEL")
    return locked


def _lock_open_session(session: TrainingSession) -> TrainingSession:
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.cancelled_at is not None:
        raise TrainingError(_("This session has been cancelled."))
    if locked.is_past:
        raise TrainingError(_("This session has already taken place."))
    return locked


def _check_audience(session: TrainingSession, user: Any) -> None:
    roles = set(
        Membership.objects.filter(cohort=session.cohort, user=user).values_list("role", flat=True)
    )
    if not roles & AUDIENCE_ROLES[session.audience]:
        raise TrainingError(
            _("This session is for %(who)s.") % {"who": session.get_audience_display().lower()}
        )


def book(session: TrainingSession, *, user: Any, by: Any) -> Booking:
    """Book a place, or a place on the waiting list when the session is full. Booking twice
    changes nothing."""
    with transaction.atomic():
        locked = _lock_open_session(session)
        _check_audience(locked, user)
        existing = Booking.objects.filter(session=locked, user=user).first()
        if existing is not None and existing.status != Status.CANCELLED:
            return existing
        full = locked.bookings.filter(status=Status.BOOKED).count() >= locked.capacity
        status = Status.WAITING if full else Status.BOOKED
        if existing is None:
            booking = Booking.objects.create(session=locked, user=user, status=status)
        else:
            booking = existing
            booking.status, booking.booked_at = status, timezone.now()
            booking.save(update_fields=["status", "booked_at"])
        audit.record(by, "training.booking.created", locked, user=user.email, status=status)
        if status == Status.BOOKED:
            _email_booking(booking, "training_booked", method="REQUEST")
    return booking


def cancel_booking(session: TrainingSession, *, user: Any, by: Any) -> None:
    """Give up a place; the first person on the waiting list gets it."""
    with transaction.atomic():
        locked = _lock_open_session(session)
        booking = (
            Booking.objects.filter(session=locked, user=user)
            .exclude(status=Status.CANCELLED)
            .first()
        )
        if booking is None:
            return
        had_place = booking.status == Status.BOOKED
        booking.status = Status.CANCELLED
        booking.save(update_fields=["status"])
        audit.record(by, "training.booking.cancelled", locked, user=user.email)
        if had_place:
            _email_booking(booking, "training_cancelled", method="CANCEL")
            waiting = (
                locked.bookings.filter(status=Status.WAITING).order_by("booked_at", "pk").first()
            )
            if waiting is not None:
                waiting.status = Status.BOOKED
                waiting.save(update_fields=["status"])
                audit.record(by, "training.booking.promoted", locked, user=waiting.user.email)
                _email_booking(waiting, "training_booked", method="REQUEST")


def mark_attendance(session: TrainingSession, *, user: Any, attendance: str, by: Any) -> Booking:
    if attendance not in Attendance.values:
        raise TrainingError(_("Choose present, absent or excused."))
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .filter(session=session, user=user, status=Status.BOOKED)
            .first()
        )
        if booking is None:
            raise TrainingError(_("%(person)s is not booked on this session.") % {"person": user})
        if session.starts_at > timezone.now() + datetime.timedelta(hours=1):
            raise TrainingError(
                _("Attendance can be marked from an hour before the session starts.")
            )
        booking.attendance, booking.marked_at = attendance, timezone.now()
        booking.save(update_fields=["attendance", "marked_at"])
        audit.record(
            by, "training.attendance.marked", session, user=user.email, attendance=attendance
        )
    return booking


def session_event(session: TrainingSession) -> Event:
    where = ", ".join(filter(None, [session.location, session.online_url]))
    return Event(
        uid=event_uid("training", session.pk),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=f"{session.title} ({session.cohort.scheme.name})",
        description=session.description,
        location=where,
        url=settings.SITE_URL + reverse("training:session", args=[session.pk]),
        sequence=session.sequence,
    )


def _email_booking(booking: Booking, kind: str, *, method: Method) -> None:
    session = booking.session
    event = session_event(session)
    organiser = settings.DEFAULT_FROM_EMAIL.split("<")[-1].strip(">").strip()
    event = Event(
        **{**event.__dict__, "organiser_email": organiser, "attendee_emails": (booking.user.email,)}
    )
    start = timezone.localtime(session.starts_at)
    outbox.enqueue(
        kind,
        to=booking.user.email,
        user=booking.user,
        scheme=session.cohort.scheme,
        values={
            "session": session.title,
            "cohort": str(session.cohort),
            "when": formats.date_format(start, "l j F Y, H:i"),
            "where": event.location or _("to be confirmed"),
            "link": event.url,
        },
        attachments=[calendar_attachment([event], method=method, filename="training.ics")],
    )


# --- Handbook and ground rules ------------------------------------------------------------


def publish_handbook(
    scheme: Any, *, title: str, body: str, significant: bool, summary: str, by: Any
) -> HandbookVersion:
    with transaction.atomic():
        number = (
            scheme.handbook_versions.select_for_update().aggregate(n=Max("number"))["n"] or 0
        ) + 1
        try:
            version = HandbookVersion.objects.create(
                scheme=scheme, number=number, title=title, body=body, significant=significant,
                summary=summary, published_by=by,
            )  # fmt: skip
        except IntegrityError as error:
            raise TrainingError(
                _("Someone published a version at the same moment. Try again.")
            ) from error
        audit.record(
            by, "training.handbook.published", scheme, number=number, significant=significant
        )
    return version


def current_handbook(scheme: Any) -> HandbookVersion | None:
    return scheme.handbook_versions.order_by("-number").first()


def acknowledge_handbook(version: HandbookVersion, *, user: Any) -> HandbookAcknowledgement:
    current = current_handbook(version.scheme)
    if current is None or version.pk != current.pk:
        raise TrainingError(
            _("A newer version of the handbook has been published. Read it, then acknowledge it.")
        )
    with transaction.atomic():
        acknowledgement, created = HandbookAcknowledgement.objects.get_or_create(
            user=user, version=version
        )
        if created:
            audit.record(
                user, "training.handbook.acknowledged", version.scheme, number=version.number
            )
    return acknowledgement


def publish_agreement(scheme: Any, *, body: str, by: Any) -> AgreementVersion:
    with transaction.atomic():
        number = (
            scheme.agreement_versions.select_for_update().aggregate(n=Max("number"))["n"] or 0
        ) + 1
        try:
            version = AgreementVersion.objects.create(
                scheme=scheme, number=number, body=body, published_by=by
            )
        except IntegrityError as error:
            raise TrainingError(
                _("Someone published a version at the same moment. Try again.")
            ) from error
        audit.record(by, "training.agreement.published", scheme, number=number)
    return version


def current_agreement(scheme: Any) -> AgreementVersion | None:
    return scheme.agreement_versions.order_by("-number").first()


def accept_agreement(version: AgreementVersion, *, user: Any) -> AgreementAcceptance:
    current = current_agreement(version.scheme)
    if current is None or version.pk != current.pk:
        raise TrainingError(
            _("The ground rules have changed. Read the new version, then accept it.")
        )
    with transaction.atomic():
        acceptance, created = AgreementAcceptance.objects.get_or_create(user=user, version=version)
        if created:
            audit.record(user, "training.agreement.accepted", version.scheme, number=version.number)
    return acceptance


# --- Concerns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """A concern's subject and body, decrypted for the coordinators who may open it."""

    subject: str
    body: str


def open_concern(concern: Concern) -> Words | None:
    """The concern's words, or None when no key opens them (tampered with, or the key is
    gone): the pages say so rather than fail. The only reader of ``Concern.ciphertext``;
    callers show it to those ``permissions.visible_concerns`` allows."""
    try:
        found = crypto.decrypt(concern.ciphertext)
    except crypto.DecryptionError:
        return None
    return Words(str(found.get("subject", "")), str(found.get("body", "")))


def raise_concern(
    scheme: Any, *, by: Any, subject: str, body: str, anonymous: bool, cohort: Any = None
) -> Concern:
    """Record a concern and tell the scheme's coordinators. Anonymous concerns keep no
    trace of who raised them: not in the concern, the audit log or the email. Its words are
    stored encrypted, and the email carries none of them."""
    with transaction.atomic():
        raised_by = None if anonymous else by
        # A double submit (the same words within two minutes) records one concern. The words
        # are encrypted, so the few recent concerns of the same person are opened to compare.
        recently = timezone.now() - datetime.timedelta(minutes=2)
        recent = Concern.objects.select_for_update().filter(
            scheme=scheme, cohort=cohort, raised_by=raised_by, anonymous=anonymous,
            created_at__gte=recently,
        ).order_by("id")  # fmt: skip
        for earlier in recent:
            if open_concern(earlier) == Words(subject, body):
                return earlier
        concern = Concern.objects.create(
            scheme=scheme, cohort=cohort, raised_by=raised_by, anonymous=anonymous,
            ciphertext=crypto.encrypt({"subject": subject, "body": body}),
        )  # fmt: skip
        audit.record(
            None if anonymous else by, "training.concern.raised", concern, anonymous=anonymous
        )
        # Only the people who may open the concern are told of it: for a scheme-wide concern
        # that is the scheme's coordinators, not every cohort's (see permissions).
        recipients = (
            {user.pk: user for user in _scheme_coordinators(scheme)}
            if cohort is None
            else {user.pk: user for user in coordinators_of(cohort)}
        )
        for coordinator in recipients.values():
            outbox.enqueue(
                "concern_raised",
                to=coordinator.email,
                user=coordinator,
                scheme=scheme,
                values={
                    "scheme": scheme.name,
                    "link": settings.SITE_URL + reverse("training:concern", args=[concern.pk]),
                },
            )
    return concern


def _scheme_coordinators(scheme: Any) -> Any:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(scheme_roles__scheme=scheme)
            | Q(organisation_roles__organisation=scheme.organisation_id)
        )
        .distinct()
        .order_by("email")
    )


CONCERN_STEPS: dict[str, set[str]] = {
    Concern.Status.NEW: {Concern.Status.ACKNOWLEDGED, Concern.Status.RESOLVED},
    Concern.Status.ACKNOWLEDGED: {Concern.Status.RESOLVED},
}


def triage_concern(concern: Concern, *, status: str, by: Any) -> Concern:
    with transaction.atomic():
        locked = Concern.objects.select_for_update().get(pk=concern.pk)
        if status not in CONCERN_STEPS.get(locked.status, set()):
            raise TrainingError(
                _("This concern cannot move from %(now)s to that status.")
                % {"now": locked.get_status_display().lower()}
            )
        locked.status, locked.updated_at = status, timezone.now()
        locked.save(update_fields=["status", "updated_at"])
        audit.record(by, "training.concern.triaged", locked, status=status)
    return locked


# --- Readiness ----------------------------------------------------------------------------


def override_readiness(cohort: Any, *, user: Any, reason: str, by: Any) -> ReadinessOverride:
    if not reason.strip():
        raise TrainingError(_("Say why this person may be matched before they are ready."))
    with transaction.atomic():
        override, _created = ReadinessOverride.objects.update_or_create(
            cohort=cohort,
            user=user,
            defaults={"reason": reason.strip(), "by": by, "at": timezone.now()},
        )
        audit.record(
            by, "training.readiness.overridden", cohort, user=user.email, reason=reason.strip()
        )
    return override


def remove_readiness_override(cohort: Any, *, user: Any, by: Any) -> None:
    with transaction.atomic():
        deleted, _ = ReadinessOverride.objects.filter(cohort=cohort, user=user).delete()
        if deleted:
            audit.record(by, "training.readiness.override_removed", cohort, user=user.email)


# --- Support services ---------------------------------------------------------------------

SUPPORT_FIELDS = ("name", "description", "contact", "order")


def save_support_services(
    organisation: Any, *, rows: list[dict[str, Any]], by: Any
) -> list[SupportService]:
    """Add, change, reorder and remove an organisation's support services in one go.

    Each row has ``id`` (None for a new one), ``remove`` and the fields; a row with no
    ``order`` keeps its place (or goes last, when new)."""
    with transaction.atomic():
        services = SupportService.objects.filter(organisation=organisation)
        current = {service.pk: service for service in services.select_for_update()}
        if any(row["id"] is not None and row["id"] not in current for row in rows):
            raise TrainingError(
                _("This list changed while you were editing it. Nothing was saved: reload the "
                  "page and make your changes again.")
            )  # fmt: skip
        next_order = max((s.order for s in current.values()), default=0) + 1
        for row in rows:
            values = {name: row.get(name) for name in SUPPORT_FIELDS}
            if row["id"] is None and not row["remove"]:
                if values["order"] is None:
                    values["order"], next_order = next_order, next_order + 1
                service = SupportService.objects.create(organisation=organisation, **values)
                audit.record(by, "training.support_service.added", service, **values)
            elif row["id"] is not None and row["remove"]:
                service = current[row["id"]]
                audit.record(by, "training.support_service.removed", service, name=service.name)
                service.delete()
            elif row["id"] is not None:
                _change_support_service(current[row["id"]], values, by=by)
    return list(SupportService.objects.filter(organisation=organisation))


def _change_support_service(service: SupportService, values: dict[str, Any], *, by: Any) -> None:
    if values["order"] is None:
        values["order"] = service.order
    changed = {name: value for name, value in values.items() if getattr(service, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(service, name, value)
        service.save(update_fields=list(changed))
        audit.record(by, "training.support_service.changed", service, **changed)
