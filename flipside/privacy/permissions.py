"""Who may act on which consent record: only the person it belongs to."""

from __future__ import annotations

from typing import Any

from flipside.lib.denied import Hidden

from .models import ConsentRecord


def get_own_consent_record(user: Any, record_id: int) -> ConsentRecord:
    """One of the person's own consent records; anyone else's (or none) is not found."""
    found = ConsentRecord.objects.filter(pk=record_id, user_id=user.pk).first()
    if found is None:
        raise Hidden
    return found
