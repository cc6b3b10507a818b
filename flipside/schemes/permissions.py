"""May this person do this to this object?

Every view and form asks here. Helpers named ``get_*`` return the object or raise ``Http404``
(an object you may not see looks exactly like one that does not exist).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Cohort, CohortQuerySet, Membership, Organisation, Role, Scheme


class Action(StrEnum):
    VIEW = "view"  # see a cohort's anonymised overview
    MANAGE = "manage"  # edit, change stage, see and invite people
    TAKE_PART = "take_part"  # see what any member of the cohort sees (its dates)


def _user_ok(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def coordinated_schemes(user: Any) -> QuerySet[Scheme]:
    """Schemes the person coordinates: directly, or through their organisation."""
    if not _user_ok(user):
        return Scheme.objects.none()
    return Scheme.objects.filter(
        Q(coordinator_roles__user=user) | Q(organisation__coordinator_roles__user=user)
    ).distinct()


def coordinated_organisations(user: Any) -> QuerySet[Organisation]:
    if not _user_ok(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(coordinator_roles__user=user)


def managed_cohorts(user: Any) -> CohortQuerySet:
    """Cohorts the person coordinates through the scheme, organisation or the cohort itself."""
    if not _user_ok(user):
        return Cohort.objects.none()
    return Cohort.objects.filter(
        Q(scheme__in=coordinated_schemes(user))
        | Q(memberships__user=user, memberships__role=Role.COORDINATOR)
    ).distinct()


def viewable_cohorts(user: Any) -> QuerySet[Cohort]:
    """Cohorts whose anonymised overview the person may see: coordinators and observers."""
    if not _user_ok(user):
        return Cohort.objects.none()
    return Cohort.objects.filter(
        Q(pk__in=managed_cohorts(user).values("pk"))
        | Q(memberships__user=user, memberships__role=Role.OBSERVER)
    ).distinct()


def coordinates_anything(user: Any) -> bool:
    return (
        managed_cohorts(user).exists()
        or coordinated_schemes(user).exists()
        or (coordinated_organisations(user).exists())
    )


def can(user: Any, action: Action, obj: Organisation | Scheme | Cohort) -> bool:
    """The one answer to "may this person do this to this object"."""
    if isinstance(obj, Organisation):
        return (
            action is Action.MANAGE and coordinated_organisations(user).filter(pk=obj.pk).exists()
        )
    if isinstance(obj, Scheme):
        return coordinated_schemes(user).filter(pk=obj.pk).exists()
    if isinstance(obj, Cohort):
        allowed = {
            Action.MANAGE: managed_cohorts,
            Action.VIEW: viewable_cohorts,
            Action.TAKE_PART: member_cohorts,
        }[action](user)
        return allowed.filter(pk=obj.pk).exists()
    raise TypeError(f"No permission rule for {type(obj).__name__}")


def get_scheme(user: Any, scheme_id: int) -> Scheme:
    scheme = coordinated_schemes(user).select_related("organisation").filter(pk=scheme_id).first()
    if scheme is None:
        raise Http404
    return scheme


def member_cohorts(user: Any) -> QuerySet[Cohort]:
    """Cohorts the person belongs to in any role, or coordinates or observes."""
    if not _user_ok(user):
        return Cohort.objects.none()
    return Cohort.objects.filter(
        Q(memberships__user=user) | Q(pk__in=viewable_cohorts(user).values("pk"))
    ).distinct()


def get_cohort(user: Any, cohort_id: int, action: Action) -> Cohort:
    allowed = {
        Action.MANAGE: managed_cohorts,
        Action.VIEW: viewable_cohorts,
        Action.TAKE_PART: member_cohorts,
    }[action](user)
    cohort = (
        Cohort.objects.select_related("scheme__organisation")
        .filter(pk=cohort_id, pk__in=allowed.values("pk"))
        .first()
    )
    if cohort is None:
        raise Http404
    return cohort


def require_organisation_coordinator(user: Any) -> QuerySet[Organisation]:
    """Organisations the person may create schemes in; refuse if there are none."""
    organisations = coordinated_organisations(user)
    if not organisations.exists():
        raise PermissionDenied
    return organisations


def require_coordinator(user: Any) -> None:
    if not coordinates_anything(user):
        raise PermissionDenied


def memberships_of(user: Any) -> QuerySet[Membership]:
    if not _user_ok(user):
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("cohort__scheme__organisation")


def coordinators_of(cohort: Cohort) -> QuerySet[Any]:
    """Active people who coordinate the cohort, by any route."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(memberships__cohort=cohort, memberships__role=Role.COORDINATOR)
            | Q(scheme_roles__scheme=cohort.scheme_id)
            | Q(organisation_roles__organisation=cohort.scheme.organisation_id)
        )
        .distinct()
        .order_by("email")
    )
