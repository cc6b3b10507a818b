"""Who may act on which consent record: only the person it belongs to."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from .models import ConsentRecord


def get_own_consent_record(user: Any, record_id: int) -> ConsentRecord:
    """One of the person's own consent records; anyone else's (or none) is not found."""
    found = ConsentRecord.objects.filter(pk=record_id, user_id=user.pk).first()
    if found is None:
        raise Http404
    return found


def erasable_people(user: Any) -> QuerySet[Any]:
    """The people an organisation coordinator may erase: anyone with a role (a place in a
    cohort, or coordinating a scheme) in an organisation they coordinate, except themselves."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from flipside.schemes.permissions import require_organisation_coordinator

    organisations = require_organisation_coordinator(user)
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__cohort__scheme__organisation__in=organisations)
            | Q(scheme_roles__scheme__organisation__in=organisations)
        )
        .exclude(pk=user.pk)
        .distinct()
    )


def get_erasable_person(user: Any, person_id: int) -> Any:
    person = erasable_people(user).filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person
