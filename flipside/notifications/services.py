"""Coordinator actions on email: a scheme's own wording, and retrying failed messages."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.privacy import audit

from .kinds import KINDS
from .models import OutboxMessage, TemplateOverride
from .rendering import subject_problems, wording_problems


class NotificationsError(Exception):
    """A change to email settings that cannot be made; the message says why."""


def check_wording(kind_key: str, *, subject: str, body: str) -> list[str]:
    kind = KINDS.get(kind_key)
    if kind is None or not kind.overridable:
        return [_("This kind of email cannot be reworded.")]
    return (
        wording_problems(kind, subject)
        + subject_problems(kind, subject)
        + wording_problems(kind, body)
    )


def save_override(scheme: Any, *, kind: str, subject: str, body: str, by: Any) -> TemplateOverride:
    problems = check_wording(kind, subject=subject, body=body)
    if problems:
        raise NotificationsError(" ".join(problems))
    with transaction.atomic():
        override, created = TemplateOverride.objects.select_for_update().get_or_create(
            scheme=scheme, kind=kind, defaults={"subject": subject, "body": body, "updated_by": by}
        )
        if not created:
            override.subject, override.body = subject, body
            override.updated_by, override.updated_at = by, timezone.now()
            override.save()
        audit.record(by, "notifications.wording.saved", scheme, kind=kind)
    return override


def reset_override(scheme: Any, *, kind: str, by: Any) -> None:
    with transaction.atomic():
        deleted, _ = TemplateOverride.objects.filter(scheme=scheme, kind=kind).delete()
        if deleted:
            audit.record(by, "notifications.wording.reset", scheme, kind=kind)


def retry_message(message: OutboxMessage, *, by: Any) -> OutboxMessage:
    """Send a failed message again from the first try; anything else is left alone."""
    with transaction.atomic():
        retried = OutboxMessage.objects.filter(
            pk=message.pk, status=OutboxMessage.Status.FAILED
        ).update(status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        if not retried:
            raise NotificationsError(
                _("Only a failed email can be retried; this one is not failed.")
            )
        audit.record(by, "notifications.message.retried", message, to=message.to)
    message.refresh_from_db()
    return message
