"""Is each participant ready to be paired? Accepted, trained, handbook read, rules accepted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from django.db import connections, router
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from flipside.schemes.models import Membership, Role

from .models import (
    AUDIENCE_ROLES,
    AgreementAcceptance,
    AgreementVersion,
    Booking,
    HandbookAcknowledgement,
    HandbookVersion,
    ReadinessOverride,
    TrainingSession,
)

PARTICIPANT_ROLES = (Role.MENTOR, Role.MENTEE)


def handbook_needing_acknowledgement(scheme: Any) -> HandbookVersion | None:
    """The oldest version everyone must have acknowledged: the latest significant one (or the
    first version, if none was marked significant)."""
    return (
        scheme.handbook_versions.filter(significant=True).order_by("-number").first()
        or scheme.handbook_versions.order_by("number").first()
    )


def valid_acknowledgement(user: Any, scheme: Any) -> HandbookAcknowledgement | None:
    """The person's latest acknowledgement of the scheme's handbook, if it still counts."""
    needed = handbook_needing_acknowledgement(scheme)
    latest = (
        HandbookAcknowledgement.objects.filter(user=user, version__scheme=scheme)
        .select_related("version")
        .order_by("-version__number")
        .first()
    )
    if needed is None or latest is None or latest.version.number < needed.number:
        return None
    return latest


@dataclass
class Readiness:
    """Each check is True (done), False (still to do) or None (nothing to do yet: no required
    training, handbook or ground rules exist for this person)."""

    membership: Membership
    trained: bool | None
    handbook: bool | None
    agreement: bool | None
    override: ReadinessOverride | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def user(self) -> Any:
        return self.membership.user

    @property
    def complete(self) -> bool:
        return all(check is not False for check in (self.trained, self.handbook, self.agreement))

    @property
    def ready(self) -> bool:
        """Ready to be matched: complete, or let through by a recorded coordinator override."""
        return self.complete or self.override is not None


def cohort_readiness(
    cohort: Any, *, user: Any = None, users: Iterable[Any] | None = None
) -> list[Readiness]:
    """Readiness of the cohort's mentors and mentees (or of one person, or of ``users``, such
    as one page of a list), in a fixed number of queries whatever the cohort's size."""
    memberships = cohort.memberships.filter(role__in=PARTICIPANT_ROLES).select_related("user")
    if user is not None:
        memberships = memberships.filter(user=user)
    if users is not None:
        memberships = memberships.filter(user__in=list(users))
    # Student mentors first ("mentor" sorts after "mentee").
    return readiness_of_members(cohort, memberships.order_by("-role", "user__display_name", "pk"))


def readiness_of_members(cohort: Any, memberships: Iterable[Membership]) -> list[Readiness]:
    """Readiness of these memberships of the cohort (one page of a list, say), in their order
    and in a fixed number of queries however many they are."""
    memberships = list(memberships)
    user_ids = [m.user_id for m in memberships]
    facts = _facts_of(cohort.pk, cohort.scheme_id, user_ids)
    # Which roles have a required session to attend, and which of these people attended one.
    required_for = {r for _nobody, audience in facts["session"] for r in AUDIENCE_ROLES[audience]}
    attended = {(user_id, audience) for user_id, audience in facts["attended"]}
    handbook = bool(facts["handbook"])
    read = {user_id for user_id, _audience in facts["read"]}
    agreement = bool(facts["rules"])
    accepted = {user_id for user_id, _audience in facts["accepted"]}
    # Few people are let through, so their overrides are read only when there are any.
    let_through = [user_id for user_id, _audience in facts["override"]]
    overrides = (
        {
            o.user_id: o
            for o in ReadinessOverride.objects.filter(cohort=cohort, user_id__in=let_through)
        }
        if let_through
        else {}
    )

    # Translated once per call, not once per person.
    to_do = (
        _("attend a required training session"),
        _("read and acknowledge the handbook"),
        _("accept the ground rules"),
    )
    result = []
    for membership in memberships:
        role = membership.role
        trained = (
            any(
                (membership.user_id, a) in attended
                for a, roles in AUDIENCE_ROLES.items()
                if role in roles
            )
            if role in required_for
            else None
        )
        readiness = Readiness(
            membership=membership,
            trained=trained,
            handbook=(membership.user_id in read) if handbook else None,
            agreement=(membership.user_id in accepted) if agreement else None,
            override=overrides.get(membership.user_id),
        )
        checks = (readiness.trained, readiness.handbook, readiness.agreement)
        readiness.missing = [
            text for check, text in zip(checks, to_do, strict=True) if check is False
        ]
        result.append(readiness)
    return result


def readiness_of(user: Any, cohort: Any) -> Readiness | None:
    found = cohort_readiness(cohort, user=user)
    return found[0] if found else None


def ready_condition(cohort: Any) -> Q:
    """The rule of ``Readiness.ready`` as a condition on the cohort's memberships, so the
    database can count and filter ready people in one query without building each one's
    readiness. It must agree with ``cohort_readiness``; the tests compare the two over
    random cohorts."""
    return _ready_condition(cohort.pk, cohort.scheme_id)


def _ready_condition(cohort_id: int, scheme_id: int) -> Q:
    # Each test is "the person is among these users", a subquery that does not depend on the
    # row, so the database computes it once and looks every membership up in it.
    required = TrainingSession.objects.filter(
        cohort_id=cohort_id, required=True, cancelled_at__isnull=True
    )
    trained = Q()
    for role in PARTICIPANT_ROLES:
        theirs = required.filter(audience__in=[a for a, r in AUDIENCE_ROLES.items() if role in r])
        attended = Booking.objects.filter(
            session__in=theirs, attendance=Booking.Attendance.PRESENT
        ).values("user_id")
        # Nothing required for this role counts as trained, as in cohort_readiness.
        trained |= Q(role=role) & (~Q(Exists(theirs)) | Q(user_id__in=attended))

    # As handbook_needing_acknowledgement: the latest significant version, else the first.
    versions = HandbookVersion.objects.filter(scheme_id=scheme_id)
    needed = Coalesce(
        Subquery(versions.filter(significant=True).order_by("-number").values("number")[:1]),
        Subquery(versions.order_by("number").values("number")[:1]),
    )
    acknowledged = HandbookAcknowledgement.objects.filter(
        version__scheme_id=scheme_id, version__number__gte=needed
    ).values("user_id")
    handbook = ~Q(Exists(versions)) | Q(user_id__in=acknowledged)

    rules = AgreementVersion.objects.filter(scheme_id=scheme_id)
    latest = Subquery(rules.order_by("-number").values("pk")[:1])
    accepted = AgreementAcceptance.objects.filter(version_id=latest).values("user_id")
    agreement = ~Q(Exists(rules)) | Q(user_id__in=accepted)

    override = ReadinessOverride.objects.filter(cohort_id=cohort_id).values("user_id")
    return (trained & handbook & agreement) | Q(user_id__in=override)


class ReadyCount(NamedTuple):
    role: str
    ready: int
    total: int


def readiness_counts(cohort: Any) -> list[ReadyCount]:
    """How many student mentors and staff mentees are ready (or let through), out of how
    many: counted by the database in one query whatever the cohort's size."""
    alias = router.db_for_read(Membership)
    rows = _fetch(alias, _counting_sql(alias, cohort.pk, cohort.scheme_id))
    found = {role: (ready, total) for role, total, ready in rows}
    return [ReadyCount(role, *found.get(role, (0, 0))) for role in (Role.MENTOR, Role.MENTEE)]


def participants(cohort: Any, *, q: str = "", role: str = "", readiness: str = "") -> Any:
    """The cohort's mentors and mentees for the readiness list, student mentors first then by
    name; ``q`` matches a name, ``readiness`` is "ready" or "not_ready". Filtered and ordered
    by the database, so a page of it costs the same whatever the cohort's size."""
    people = cohort.memberships.filter(role__in=PARTICIPANT_ROLES).select_related("user")
    if q:
        people = people.filter(user__display_name__icontains=q)
    if role:
        people = people.filter(role=role)
    if readiness == "ready":
        people = people.filter(user_id__in=ready_ids(cohort))
    elif readiness == "not_ready":
        people = people.exclude(user_id__in=ready_ids(cohort))
    # Student mentors first ("mentor" sorts after "mentee"), as in cohort_readiness. A row
    # shows the person's name and role: the rest of their account is left in the database.
    return people.order_by("-role", "user__display_name", "pk").only(
        "cohort_id", "role", "user__display_name"
    )


def ready_user_ids(cohort: Any) -> set[int]:
    """Who matching may consider: ready people, and people a coordinator let through."""
    alias = router.db_for_read(Membership)
    rows = _fetch(alias, _ready_sql(alias, cohort.pk, cohort.scheme_id))
    return {user_id for (user_id,) in rows}


# The rule of ready_condition is a dozen subqueries, which the ORM takes some 10 ms of Python
# to compile, more than the database takes to answer them. Its SQL depends only on the ids of
# the cohort and its scheme, never on the data, so each process compiles it once per cohort
# and database; the answer is read afresh from the database on every call.
Compiled = tuple[str, tuple[Any, ...]]


def _fetch(alias: str, compiled: Compiled) -> list[tuple[Any, ...]]:
    with connections[alias].cursor() as cursor:
        cursor.execute(*compiled)
        return cursor.fetchall()


def _participants(cohort_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(cohort_id=cohort_id, role__in=PARTICIPANT_ROLES)


@lru_cache(maxsize=256)
def _counting_sql(alias: str, cohort_id: int, scheme_id: int) -> Compiled:
    """Rows of (role, total, ready), one for each role the cohort has anyone in."""
    counted = (
        _participants(cohort_id)
        .values("role")
        .annotate(
            total=Count("pk"), ready=Count("pk", filter=_ready_condition(cohort_id, scheme_id))
        )
        .order_by()
    )
    return counted.values_list("role", "total", "ready").query.get_compiler(alias).as_sql()


@lru_cache(maxsize=256)
def _ready_sql(alias: str, cohort_id: int, scheme_id: int) -> Compiled:
    """Rows of (user_id,), one for each ready participant."""
    ready = _participants(cohort_id).filter(_ready_condition(cohort_id, scheme_id))
    return ready.values_list("user_id").query.get_compiler(alias).as_sql()


def ready_ids(cohort: Any) -> RawSQL:
    """The user ids of the cohort's ready participants (and people let through), as a
    subquery for ``user_id__in=``: the rule of ``ready_condition``, compiled once per cohort."""
    return RawSQL(*_ready_sql(router.db_for_read(Membership), cohort.pk, cohort.scheme_id))  # noqa: S611 - SQL compiled by the ORM


def ready_among(cohort: Any, user_ids: Iterable[int]) -> set[int]:
    """Which of these people (a page's worth) are ready or let through, in one query."""
    ids = [int(pk) for pk in user_ids]
    if not ids:
        return set()
    alias = router.db_for_read(Membership)
    sql, params = _ready_sql(alias, cohort.pk, cohort.scheme_id)
    among = ", ".join(["%s"] * len(ids))
    query = f"SELECT ready.user_id FROM ({sql}) ready WHERE ready.user_id IN ({among})"  # noqa: S608 - placeholders only
    return {user_id for (user_id,) in _fetch(alias, (query, (*params, *ids)))}


CACHED_PEOPLE = 100  # the longest list whose facts query is kept compiled
FACTS = ("session", "attended", "handbook", "read", "rules", "accepted", "override")


def _facts_of(cohort_id: int, scheme_id: int, user_ids: list[int]) -> dict[str, list[Any]]:
    """What these people's checks need, in one query (each part was a query of its own, and
    the round trips were most of the readiness page's time): the audiences of the cohort's
    required sessions, who attended one and its audience, whether the scheme has a handbook
    and who read the version that counts, whether it has ground rules and who accepted the
    latest, and who was let through. Rows of (user id, audience) for each kind of fact."""
    alias = router.db_for_read(Membership)
    # A page's worth is compiled once per size; a whole cohort (matching reads every
    # member) is compiled afresh, so the cache never holds thousands of placeholders.
    compile_facts = _facts_sql if len(user_ids) <= CACHED_PEOPLE else _facts_sql.__wrapped__
    sql, params = compile_facts(alias, cohort_id, scheme_id, len(user_ids))
    # The SQL was compiled with -1, -2, … in place of the people's ids (ids are positive).
    slots = {-n: user_id for n, user_id in enumerate(user_ids, 1)}
    params = tuple(slots.get(p, p) if type(p) is int else p for p in params)
    facts: dict[str, list[Any]] = {kind: [] for kind in FACTS}
    for kind, user_id, audience in _fetch(alias, (sql, params)):
        facts[kind].append((user_id, audience))
    return facts


@lru_cache(maxsize=256)
def _facts_sql(alias: str, cohort_id: int, scheme_id: int, people: int) -> Compiled:
    """The query of _facts_of for ``people`` people, whose ids are the parameters -1, -2, …"""
    user_ids = [-n for n in range(1, people + 1)]
    required = TrainingSession.objects.filter(
        cohort_id=cohort_id, required=True, cancelled_at__isnull=True
    )
    # As handbook_needing_acknowledgement: the latest significant version, else the first.
    versions = HandbookVersion.objects.filter(scheme_id=scheme_id)
    needed = Coalesce(
        Subquery(versions.filter(significant=True).order_by("-number").values("number")[:1]),
        Subquery(versions.order_by("number").values("number")[:1]),
    )
    rules = AgreementVersion.objects.filter(scheme_id=scheme_id)
    latest = Subquery(rules.order_by("-number").values("pk")[:1])

    def rows(queryset: QuerySet[Any], kind: str, user: Any, audience: Any) -> QuerySet[Any]:
        return queryset.annotate(
            fact_kind=Value(kind, output_field=CharField()),
            fact_user=user,
            fact_audience=audience,
        ).values_list("fact_kind", "fact_user", "fact_audience")

    nobody, no_audience = Value(0, output_field=IntegerField()), Value("", output_field=CharField())
    attended = Booking.objects.filter(
        session__in=required, attendance=Booking.Attendance.PRESENT, user_id__in=user_ids
    ).order_by()
    read = HandbookAcknowledgement.objects.filter(
        version__scheme_id=scheme_id, version__number__gte=needed, user_id__in=user_ids
    ).order_by()
    accepted = AgreementAcceptance.objects.filter(
        version_id=latest, user_id__in=user_ids
    ).order_by()
    overridden = ReadinessOverride.objects.filter(
        cohort_id=cohort_id, user_id__in=user_ids
    ).order_by()
    union = rows(required.order_by(), "session", nobody, F("audience")).union(
        rows(attended, "attended", F("user_id"), F("session__audience")),
        rows(versions.order_by(), "handbook", nobody, no_audience),
        rows(read, "read", F("user_id"), no_audience),
        rows(rules.order_by(), "rules", nobody, no_audience),
        rows(accepted, "accepted", F("user_id"), no_audience),
        rows(overridden, "override", F("user_id"), no_audience),
        all=True,
    )
    return union.query.get_compiler(alias).as_sql()
