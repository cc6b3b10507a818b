"""How erasure handles emails and email settings (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from flipside.privacy import erasure as E

from .models import DeliveryAttempt, OutboxMessage, Preference, TemplateOverride


def _to_them(uid: int) -> Q:
    email = get_user_model().objects.get(pk=uid).email
    return Q(user_id=uid) | Q(to__iexact=email)


E.declare(
    "notifications.DeliveryAttempt",
    E.DELETE,
    why="The delivery records of emails sent to them are deleted.",
    rows=lambda uid: DeliveryAttempt.objects.filter(
        message__in=OutboxMessage.objects.filter(_to_them(uid))
    ),
    noun="email delivery records",
)
E.declare(
    "notifications.OutboxMessage",
    E.DELETE,
    why="Emails sent to them (address, subject and body) are deleted.",
    rows=lambda uid: OutboxMessage.objects.filter(_to_them(uid)),
    order=1,
    noun="emails sent to them",
)
E.declare(
    "notifications.Preference",
    E.DELETE,
    why="Their email settings are deleted.",
    rows=lambda uid: Preference.objects.filter(user_id=uid),
    noun="email settings",
)
E.declare(
    "notifications.TemplateOverride",
    E.KEEP,
    why="Email wording they saved is kept, showing an erased person saved it.",
    rows=lambda uid: TemplateOverride.objects.filter(updated_by_id=uid),
    noun="email wordings they saved",
)
