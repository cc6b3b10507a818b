"""Who wants optional email, and one-click unsubscribe links."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone

from flipside.privacy import audit

from .models import Preference

SALT = "flipside.notifications.unsubscribe"


def wants_optional_email(user: Any) -> bool:
    preference = Preference.objects.filter(user=user).first()
    return preference is None or preference.optional_email


def unsubscribe_token(user: Any) -> str:
    """A link token that turns optional email off for this person; it does not expire, so
    an old email's link keeps working."""
    return signing.dumps(user.pk, salt=SALT, compress=True)


def user_id_for_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def set_optional_email(user: Any, *, enabled: bool, by: Any) -> Preference:
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
        if preference.optional_email != enabled:
            preference.optional_email = enabled
            preference.updated_at = timezone.now()
            preference.save(update_fields=["optional_email", "updated_at"])
            audit.record(by, "notifications.preference.changed", user, enabled=enabled)
    return preference
