"""May this person do this to this object?

Every view and form asks here. Helpers named ``get_*`` return the object or raise ``Http404``
(an object you may not see looks exactly like one that does not exist).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from flipside.lib.denied import Hidden
from flipside.lib.sql import columns, fetch, fields_of, instances, partial

from .models import (
    Cohort,
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


def managed_cohorts(user: Any) -> QuerySet[Cohort]:
    """Cohorts the person coordinates through the scheme, organisation or the cohort itself."""
    roles = roles_of(user)
    if not roles.coordinates_anything():
        return Cohort.objects.none()
    # By id from the person's roles: no join on memberships, so no DISTINCT, and counts
    # annotated on this queryset count every member, not only the person's own row.
    return Cohort.objects.filter(
        Q(pk__in=roles.member_of(Role.COORDINATOR))
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
class Roles:
    """Every role a person holds, by id: the cohorts they belong to (by role), the schemes
    and the organisations they coordinate."""

    cohorts: dict[str, frozenset[int]] = field(default_factory=dict)
    schemes: frozenset[int] = frozenset()
    organisations: frozenset[int] = frozenset()

    def member_of(self, role: str | None = None) -> frozenset[int]:
        """The cohorts the person belongs to in ``role`` (any role without one)."""
        if role is None:
            return frozenset().union(*self.cohorts.values())
        return self.cohorts.get(role, frozenset())

    def coordinates_anything(self) -> bool:
        return bool(self.member_of(Role.COORDINATOR) or self.schemes or self.organisations)

    def coordinates_scheme(self, scheme: Scheme) -> bool:
        return scheme.pk in self.schemes or scheme.organisation_id in self.organisations

    def coordinates_cohort(self, cohort: Cohort) -> bool:
        if cohort.pk in self.member_of(Role.COORDINATOR) or cohort.scheme_id in self.schemes:
            return True
        # Only reads the cohort's scheme when an organisation could grant it.
        return bool(self.organisations) and cohort.scheme.organisation_id in self.organisations


# Every page asks (the navigation), so this is plain SQL: the ORM took 3 ms to compile the
# same UNION, more than the bare page's own work (docs/decisions/0007-roles-in-one-query.md).
_ROLES_SQL = """
    SELECT role, cohort_id FROM schemes_membership WHERE user_id = %s
    UNION ALL SELECT 'scheme', scheme_id FROM schemes_schemecoordinator WHERE user_id = %s
    UNION ALL SELECT 'organisation', organisation_id FROM schemes_organisationcoordinator
    WHERE user_id = %s
"""

# The memo lives on the user object, which the authentication middleware loads afresh for
# every request: a role granted or removed shows from the next request on, and no other
# person's object ever carries it.
_ROLES_ATTRIBUTE = "_flipside_roles"


def roles_of(user: Any) -> Roles:
    """The person's roles (one query, then remembered on the user object)."""
    if not _user_ok(user):
        return Roles()
    roles = getattr(user, _ROLES_ATTRIBUTE, None)
    if roles is None:
        ids: dict[str, set[int]] = defaultdict(set)
        with connection.cursor() as cursor:
            cursor.execute(_ROLES_SQL, [user.pk] * 3)
            for kind, pk in cursor.fetchall():
                ids[kind].add(pk)
        schemes, organisations = ids.pop("scheme", set()), ids.pop("organisation", set())
        roles = Roles(
            cohorts={role: frozenset(pks) for role, pks in ids.items()},
            schemes=frozenset(schemes),
            organisations=frozenset(organisations),
        )
        setattr(user, _ROLES_ATTRIBUTE, roles)
    return roles


def coordinates_anything(user: Any) -> bool:
    return roles_of(user).coordinates_anything()


def can(user: Any, action: Action, obj: Organisation | Scheme | Cohort) -> bool:
    """The one answer to "may this person do this to this object"."""
    roles = roles_of(user)
    if isinstance(obj, Organisation):
        return action is Action.MANAGE and obj.pk in roles.organisations
    if isinstance(obj, Scheme):
        return roles.coordinates_scheme(obj)
    if isinstance(obj, Cohort):
        if roles.coordinates_cohort(obj):
            return True
        if action is Action.VIEW:
            return obj.pk in roles.member_of(Role.OBSERVER)
        return action is Action.TAKE_PART and obj.pk in roles.member_of()
    raise TypeError(f"No permission rule for {type(obj).__name__}")


def get_scheme(user: Any, scheme_id: int) -> Scheme:
    scheme = coordinated_schemes(user).select_related("organisation").filter(pk=scheme_id).first()
    if scheme is None:
        raise Hidden
    return scheme


def member_cohorts(user: Any) -> QuerySet[Cohort]:
    """Cohorts the person belongs to in any role, or coordinates or observes."""
    if not _user_ok(user):
        return Cohort.objects.none()
    return Cohort.objects.filter(
        Q(memberships__user=user) | Q(pk__in=viewable_cohorts(user).values("pk"))
    ).distinct()


# How many people hold each role in the cohort, for the cohort's own page: coordinators by
# any route, each active person once (as ``coordinators_of`` counts them), the routes' few ids
# first, then their accounts by key.
_ROLE_COUNTS = """,
    (SELECT COUNT(*) FROM schemes_membership m WHERE m.cohort_id = c.id AND m.role = 'mentor'),
    (SELECT COUNT(*) FROM schemes_membership m WHERE m.cohort_id = c.id AND m.role = 'mentee'),
    (SELECT COUNT(*) FROM schemes_membership m WHERE m.cohort_id = c.id AND m.role = 'observer'),
    (SELECT COUNT(*) FROM accounts_user WHERE is_active AND id IN (
        SELECT user_id FROM schemes_membership WHERE cohort_id = c.id AND role = 'coordinator'
        UNION SELECT user_id FROM schemes_schemecoordinator WHERE scheme_id = c.scheme_id
        UNION SELECT user_id FROM schemes_organisationcoordinator
        WHERE organisation_id = s.organisation_id))
"""
_COUNTED_ROLES = [Role.MENTOR.value, Role.MENTEE.value, Role.OBSERVER.value, Role.COORDINATOR.value]


@functools.cache
def _cohort_sql(counted: bool) -> str:
    counts = _ROLE_COUNTS if counted else ""
    return f"""
        SELECT {columns(Cohort, "c")}, {columns(Scheme, "s")}, {columns(Organisation, "o")}
            {counts}
        FROM schemes_cohort c JOIN schemes_scheme s ON s.id = c.scheme_id
        JOIN schemes_organisation o ON o.id = s.organisation_id
        WHERE c.id = %s
    """  # noqa: S608 - column names from the models, roles from Role  # nosec B608


def get_cohort(user: Any, cohort_id: int, action: Action) -> Cohort:
    """The cohort with its scheme and organisation, if the person may do ``action`` to it
    (else 404, so nobody learns which cohorts exist). Every cohort page asks, so this is plain
    SQL (decision 0007): the ORM took ~0.6 ms to compile the two joins."""
    return _get_cohort(user, cohort_id, action, counted=False)[0]


def get_cohort_and_counts(
    user: Any, cohort_id: int, action: Action
) -> tuple[Cohort, dict[str, int]]:
    """``get_cohort`` and, in the same query, how many people hold each role in the cohort
    (coordinators by any route, each active person once): the cohort's own page."""
    return _get_cohort(user, cohort_id, action, counted=True)


def cohort_with_scheme(cohort_id: int) -> Cohort | None:
    """The cohort with its scheme and organisation, whoever asks (the caller has checked who
    may see it), or None: ``get_cohort``'s one plain-SQL query."""
    try:
        return _read_cohort(cohort_id, counted=False)[0]
    except Http404:
        return None


def _read_cohort(cohort_id: int, *, counted: bool) -> tuple[Cohort, list[Any]]:
    models = (Cohort, Scheme, Organisation)
    fields = fields_of(*models)
    rows = fetch(_cohort_sql(counted), [cohort_id], fields)
    if not rows:
        raise Hidden
    cohort, scheme, organisation = instances(rows[0][: len(fields)], *models)
    scheme.organisation, cohort.scheme = organisation, scheme
    return cohort, rows[0][len(fields) :]


def _get_cohort(
    user: Any, cohort_id: int, action: Action, *, counted: bool
) -> tuple[Cohort, dict[str, int]]:
    cohort, counts = _read_cohort(cohort_id, counted=counted)
    if not can(user, action, cohort):
        raise Hidden
    if not counted:
        return cohort, {}
    return cohort, dict(zip(_COUNTED_ROLES, map(int, counts), strict=True))


def require_organisation_coordinator(user: Any) -> QuerySet[Organisation]:
    """Organisations the person may create schemes in; refuse if there are none."""
    organisations = coordinated_organisations(user)
    if not organisations.exists():
        raise PermissionDenied
    return organisations


def require_coordinator(user: Any) -> None:
    if not coordinates_anything(user):
        raise PermissionDenied


# Every participant's home page asks: plain SQL, as for roles (decision 0007), where the ORM
# took ~1 ms to compile the join. Each membership comes with its cohort and the scheme's name.
_TAKING_PART_SQL = """
    SELECT c.*, m.id AS membership_id, m.role AS membership_role,
        m.site_id AS membership_site_id, s.name AS scheme_name,
        s.organisation_id AS scheme_organisation_id
    FROM schemes_membership m JOIN schemes_cohort c ON c.id = m.cohort_id
    JOIN schemes_scheme s ON s.id = c.scheme_id
    WHERE m.user_id = %s AND m.role <> %s
    ORDER BY m.role, m.id
"""


def taking_part(user: Any) -> list[Membership]:
    """The person's memberships as a participant (mentor, mentee or observer, not
    coordinator), by role, each with its cohort and scheme loaded (the scheme's name; its
    other fields load when asked for)."""
    if not _user_ok(user):
        return []
    memberships = []
    for cohort in Cohort.objects.raw(_TAKING_PART_SQL, [user.pk, Role.COORDINATOR.value]):
        read: Any = cohort  # with the query's extra columns
        using = cohort._state.db or "default"
        cohort.scheme = partial(
            Scheme,
            {
                "id": cohort.scheme_id,
                "organisation_id": read.scheme_organisation_id,
                "name": read.scheme_name,
            },
            using=using,
        )
        membership = partial(
            Membership,
            {
                "id": read.membership_id,
                "cohort_id": cohort.pk,
                "user_id": user.pk,
                "role": read.membership_role,
                "site_id": read.membership_site_id,
            },
            using=using,
        )
        membership.cohort, membership.user = cohort, user
        memberships.append(membership)
    return memberships


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
