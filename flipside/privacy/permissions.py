"""Who may act on which consent record (only the person it belongs to), who may produce
another person's data for a subject access request or erase them (a coordinator of an
organisation where they have a role), and who acts on an organisation's legal holds (its
organisation coordinators)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from flipside.lib.denied import Hidden
from flipside.schemes.models import Organisation
from flipside.schemes.permissions import coordinated_organisations

from .models import AccessRequest, ConsentRecord, LegalHold


def get_organisation(user: Any, organisation_id: int) -> Organisation:
    """An organisation the person coordinates (legal holds are placed there)."""
    found = coordinated_organisations(user).filter(pk=organisation_id).first()
    if found is None:
        raise Hidden
    return found


def get_hold(user: Any, hold_id: int) -> LegalHold:
    """A hold placed in an organisation the person coordinates."""
    found = LegalHold.objects.filter(
        pk=hold_id, organisation__in=coordinated_organisations(user)
    ).first()
    if found is None:
        raise Hidden
    return found


def get_own_consent_record(user: Any, record_id: int) -> ConsentRecord:
    """One of the person's own consent records; anyone else's (or none) is not found."""
    found = ConsentRecord.objects.filter(pk=record_id, user_id=user.pk).first()
    if found is None:
        raise Hidden
    return found


def requestable_people(user: Any) -> QuerySet[Any]:
    """People whose data an organisation coordinator may produce for a request: everyone with
    (or who had) a role in an organisation they coordinate — a membership of one of its
    cohorts, or coordinating one of its schemes or the organisation itself."""
    organisations = list(coordinated_organisations(user).values_list("pk", flat=True))
    if not organisations:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__cohort__scheme__organisation__in=organisations)
            | Q(scheme_roles__scheme__organisation__in=organisations)
            | Q(organisation_roles__organisation__in=organisations)
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def organisation_for(user: Any, person: Any) -> Organisation:
    """The first organisation ``user`` coordinates where ``person`` has a role (else 404)."""
    organisations = coordinated_organisations(user).order_by("pk")
    found = organisations.filter(
        Q(schemes__cohorts__memberships__user=person)
        | Q(schemes__coordinator_roles__user=person)
        | Q(coordinator_roles__user=person)
    ).first()
    if found is None:
        raise Hidden
    return found


def require_request_coordinator(user: Any) -> None:
    """Only an organisation coordinator produces another person's data."""
    if not coordinated_organisations(user).exists():
        raise PermissionDenied


def get_access_request(user: Any, request_id: int) -> AccessRequest:
    """A request recorded in an organisation the person coordinates (else 404), with its
    person still on record."""
    found = (
        AccessRequest.objects.select_related("person", "organisation")
        .filter(pk=request_id, organisation__in=coordinated_organisations(user))
        .first()
    )
    if found is None or found.person is None:
        raise Hidden
    return found


def erasable_people(user: Any) -> QuerySet[Any]:
    """The people an organisation coordinator may erase: those whose data they may produce
    for a request (a role in an organisation they coordinate), except themselves; refused
    (403) for anyone who coordinates no organisation."""
    require_request_coordinator(user)
    return requestable_people(user).exclude(pk=user.pk)


def get_erasable_person(user: Any, person_id: int) -> Any:
    person = erasable_people(user).filter(pk=person_id).first()
    if person is None:
        raise Hidden
    return person
