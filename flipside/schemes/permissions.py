"""May this person do this to this object?

Every view and form asks here. Helpers named ``get_*`` return the object or raise ``Http404``
(an object you may not see looks exactly like one that does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Value
from django.http import Http404

from .models import (
    Cohort,
    CohortQuerySet,
    Membership,
    Organisation,
    OrganisationCoordinator,
    Role,
    Scheme,
    SchemeCoordinator,
)


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
    roles = coordinator_roles(user)
    if not roles:
        return Cohort.objects.none()
    # By id from the person's roles: no join on memberships, so no DISTINCT, and counts
    # annotated on this queryset count every member, not only the person's own row.
    return Cohort.objects.filter(
        Q(pk__in=roles.cohorts)
        | Q(scheme__in=roles.schemes)
        | Q(scheme__organisation__in=roles.organisations)
    )


def viewable_cohorts(user: Any) -> QuerySet[Cohort]:
    """Cohorts whose anonymised overview the person may see: coordinators and observers."""
    if not _user_ok(user):
        return Cohort.objects.none()
    return Cohort.objects.filter(
        Q(pk__in=managed_cohorts(user).values("pk"))
        | Q(memberships__user=user, memberships__role=Role.OBSERVER)
    ).distinct()


@dataclass(frozen=True)
class CoordinatorRoles:
    """Where a person coordinates: cohorts (as a member), schemes and organisations, by id."""

    cohorts: frozenset[int] = frozenset()
    schemes: frozenset[int] = frozenset()
    organisations: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.cohorts or self.schemes or self.organisations)

    def scheme(self, scheme: Scheme) -> bool:
        return scheme.pk in self.schemes or scheme.organisation_id in self.organisations

    def cohort(self, cohort: Cohort) -> bool:
        if cohort.pk in self.cohorts or cohort.scheme_id in self.schemes:
            return True
        # Only reads the cohort's scheme when an organisation could grant it.
        return bool(self.organisations) and cohort.scheme.organisation_id in self.organisations


# The memo lives on the user object, which the authentication middleware loads afresh for
# every request: a role granted or removed shows from the next request on, and no other
# person's object ever carries it.
_ROLES_ATTRIBUTE = "_flipside_coordinator_roles"


def coordinator_roles(user: Any) -> CoordinatorRoles:
    """The person's coordinator roles (one query, then remembered on the user object)."""
    if not _user_ok(user):
        return CoordinatorRoles()
    roles = getattr(user, _ROLES_ATTRIBUTE, None)
    if roles is None:
        rows = (
            Membership.objects.filter(user=user, role=Role.COORDINATOR)
            .order_by()
            .values_list(Value("cohort"), "cohort_id")
            .union(
                SchemeCoordinator.objects.filter(user=user)
                .order_by()
                .values_list(Value("scheme"), "scheme_id"),
                OrganisationCoordinator.objects.filter(user=user)
                .order_by()
                .values_list(Value("organisation"), "organisation_id"),
                all=True,
            )
        )
        ids: dict[str, set[int]] = {"cohort": set(), "scheme": set(), "organisation": set()}
        for kind, pk in rows:
            ids[kind].add(pk)
        roles = CoordinatorRoles(
            frozenset(ids["cohort"]), frozenset(ids["scheme"]), frozenset(ids["organisation"])
        )
        setattr(user, _ROLES_ATTRIBUTE, roles)
    return roles


def coordinates_anything(user: Any) -> bool:
    return bool(coordinator_roles(user))


def can(user: Any, action: Action, obj: Organisation | Scheme | Cohort) -> bool:
    """The one answer to "may this person do this to this object"."""
    if isinstance(obj, Organisation):
        return action is Action.MANAGE and obj.pk in coordinator_roles(user).organisations
    if isinstance(obj, Scheme):
        return coordinator_roles(user).scheme(obj)
    if isinstance(obj, Cohort):
        if action is Action.MANAGE:
            return coordinator_roles(user).cohort(obj)
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

    # Each route as a subquery of ids: no join, so each person is one row without DISTINCT.
    members = Membership.objects.filter(cohort=cohort, role=Role.COORDINATOR)
    schemes = SchemeCoordinator.objects.filter(scheme=cohort.scheme_id)
    organisations = OrganisationCoordinator.objects.filter(
        organisation=cohort.scheme.organisation_id
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(pk__in=members.values("user"))
            | Q(pk__in=schemes.values("user"))
            | Q(pk__in=organisations.values("user"))
        )
        .order_by("email")
    )
