"""Who may act on which consent record (only the person it belongs to), and on which
organisation's legal holds (its organisation coordinators)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from flipside.schemes.models import Organisation
from flipside.schemes.permissions import coordinated_organisations

from .models import ConsentRecord, LegalHold


def get_own_consent_record(user: Any, record_id: int) -> ConsentRecord:
    """One of the person's own consent records; anyone else's (or none) is not found."""
    found = ConsentRecord.objects.filter(pk=record_id, user_id=user.pk).first()
    if found is None:
        raise Http404
    return found


def get_organisation(user: Any, organisation_id: int) -> Organisation:
    """An organisation the person coordinates (legal holds are placed there)."""
    found = coordinated_organisations(user).filter(pk=organisation_id).first()
    if found is None:
        raise Http404
    return found


def get_hold(user: Any, hold_id: int) -> LegalHold:
    """A hold placed in an organisation the person coordinates."""
    found = LegalHold.objects.filter(
        pk=hold_id, organisation__in=coordinated_organisations(user)
    ).first()
    if found is None:
        raise Http404
    return found
