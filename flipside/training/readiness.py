"""Is each participant ready to be paired? Accepted, trained, handbook read, rules accepted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from django.db import router
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from flipside.lib.background import Verdict
from flipside.lib.kept import keep, mark_stale
from flipside.lib.sql import Listing, fetch, reached
from flipside.schemes.models import Membership, Role

from .models import (
    AUDIENCE_ROLES,
    AgreementAcceptance,
    AgreementVersion,
    Booking,
    HandbookAcknowledgement,
    HandbookVersion,
    ReadinessCount,
    ReadinessOverride,
    TrainingSession,
)

PARTICIPANT_ROLES = (Role.MENTOR, Role.MENTEE)
FEW = 100  # up to a page or two of people, each person's checks are looked up one by one


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
    few = user is not None or users is not None
    if user is not None:
        memberships = memberships.filter(user=user)
    if users is not None:
        memberships = memberships.filter(user__in=list(users))
    # Student mentors first ("mentor" sorts after "mentee").
    ordered = memberships.order_by("-role", "user__display_name", "pk")
    return readiness_of_checked(cohort, with_checks(cohort, ordered, each_row=few))


def readiness_of_members(cohort: Any, memberships: Iterable[Membership]) -> list[Readiness]:
    """Readiness of these memberships of the cohort (one page of a list, say), in their order
    and in a fixed number of queries however many they are."""
    memberships = list(memberships)
    if not memberships:
        return []
    # Their checks in this cohort, read by their ids: each check depends on the person and
    # their role alone.
    asked = Membership.objects.filter(pk__in=[m.pk for m in memberships]).only("pk")
    found = {m.pk: m for m in with_checks(cohort, asked, each_row=len(memberships) <= FEW)}
    for membership in memberships:
        for name in CHECKS:
            setattr(membership, name, getattr(found[membership.pk], name))
    return readiness_of_checked(cohort, memberships)


def with_checks(
    cohort: Any, memberships: QuerySet[Membership], *, each_row: bool = True
) -> QuerySet[Membership]:
    """These memberships of the cohort, each read with the columns of its checks (see
    ``_check_columns``) in the same statement as the memberships themselves: ``each_row``
    for a page of people, not for a whole cohort."""
    alias = router.db_for_read(Membership)
    compiled = _checks_sql(alias, cohort.pk, cohort.scheme_id, each_row)
    return memberships.annotate(
        **{
            name: RawSQL(sql, params, output_field=field)  # noqa: S611 - SQL compiled by the ORM  # nosec B611
            for name, (sql, params, field) in zip(CHECKS, compiled, strict=True)
        }
    )


def readiness_of_checked(cohort: Any, memberships: Iterable[Membership]) -> list[Readiness]:
    """Readiness of memberships read ``with_checks``, in their order."""
    memberships = list(memberships)
    # Few people are let through, so their overrides are read only when there are any.
    let_through = [m.user_id for m in memberships if m.let_through]  # type: ignore[attr-defined]
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
        checked: Any = membership
        checks = (
            bool(checked.trained) if checked.trained_required else None,
            bool(checked.handbook) if checked.handbook_required else None,
            bool(checked.agreement) if checked.agreement_required else None,
        )
        result.append(
            Readiness(
                membership=membership,
                trained=checks[0],
                handbook=checks[1],
                agreement=checks[2],
                override=overrides.get(membership.user_id),
                missing=[text for check, text in zip(checks, to_do, strict=True) if check is False],
            )
        )
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


class _Check(NamedTuple):
    """One check of the rule: whether anything is asked of the person (a condition on the
    membership that does not depend on the person) and the rows of whoever did it (each
    with a ``user_id``)."""

    asked: Any
    done: QuerySet[Any]


class _Rule(NamedTuple):
    trained: dict[str, _Check]  # by role
    handbook: _Check
    agreement: _Check
    let_through: QuerySet[ReadinessOverride]


def _rule(cohort_id: int, scheme_id: int) -> _Rule:
    """The readiness rule, the one place it is written: what each check asks of a person in
    this cohort and who did it. ``_ready_condition`` and ``_check_columns`` are built from it."""
    required = TrainingSession.objects.filter(
        cohort_id=cohort_id, required=True, cancelled_at__isnull=True
    )
    trained: dict[str, _Check] = {}
    for role in PARTICIPANT_ROLES:
        theirs = required.filter(audience__in=[a for a, r in AUDIENCE_ROLES.items() if role in r])
        attended = Booking.objects.filter(session__in=theirs, attendance=Booking.Attendance.PRESENT)
        trained[role] = _Check(Exists(theirs), attended)

    # As handbook_needing_acknowledgement: the latest significant version, else the first.
    versions = HandbookVersion.objects.filter(scheme_id=scheme_id)
    needed = Coalesce(
        Subquery(versions.filter(significant=True).order_by("-number").values("number")[:1]),
        Subquery(versions.order_by("number").values("number")[:1]),
    )
    acknowledged = HandbookAcknowledgement.objects.filter(
        version__scheme_id=scheme_id, version__number__gte=needed
    )

    rules = AgreementVersion.objects.filter(scheme_id=scheme_id)
    latest = Subquery(rules.order_by("-number").values("pk")[:1])
    accepted = AgreementAcceptance.objects.filter(version_id=latest)

    return _Rule(
        trained=trained,
        handbook=_Check(Exists(versions), acknowledged),
        agreement=_Check(Exists(rules), accepted),
        let_through=ReadinessOverride.objects.filter(cohort_id=cohort_id),
    )


def _ready_condition(cohort_id: int, scheme_id: int) -> Q:
    # Each test is "the person is among these users", a subquery that does not depend on the
    # row, so the database computes it once and looks every membership up in it.
    rule = _rule(cohort_id, scheme_id)

    def passed(check: _Check) -> Q:
        # Nothing asked counts as done, as in readiness_of_checked.
        return ~Q(check.asked) | Q(user_id__in=check.done.values("user_id"))

    trained = Q()
    for role, check in rule.trained.items():
        trained |= Q(role=role) & passed(check)
    return (trained & passed(rule.handbook) & passed(rule.agreement)) | Q(
        user_id__in=rule.let_through.values("user_id")
    )


# The columns with_checks adds to each membership: whether each check asks anything of the
# person, whether they did it (true or an id, or else false or null), and whether they were
# let through.
CHECKS = (
    "trained_required", "trained", "handbook_required", "handbook",
    "agreement_required", "agreement", "let_through",
)  # fmt: skip


def _check_columns(cohort_id: int, scheme_id: int, *, each_row: bool) -> dict[str, Any]:
    """``_rule`` as one column per check on a membership. For a page of people, whether
    someone did something is the id of one of their rows (or null): a subquery per row,
    which the database runs only for the rows it returns, through the indexes on
    ``user_id``. For a whole cohort it is whether they are among everyone who did it, sets
    the database builds once, as for ``_ready_condition``."""
    rule = _rule(cohort_id, scheme_id)

    def theirs(rows: QuerySet[Any]) -> Any:
        if each_row:
            return Subquery(rows.filter(user_id=OuterRef("user_id")).order_by().values("pk")[:1])
        return among(rows)

    def among(rows: QuerySet[Any]) -> Any:
        return ExpressionWrapper(Q(user_id__in=rows.values("user_id")), output_field=BooleanField())

    return {
        "trained_required": Case(
            *(When(role=role, then=check.asked) for role, check in rule.trained.items()),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "trained": Case(
            *(When(role=role, then=theirs(check.done)) for role, check in rule.trained.items()),
            default=None,
            output_field=IntegerField() if each_row else BooleanField(),
        ),
        "handbook_required": rule.handbook.asked,
        "handbook": theirs(rule.handbook.done),
        "agreement_required": rule.agreement.asked,
        "agreement": theirs(rule.agreement.done),
        # Few people are let through: a set looked up by every row costs less than a
        # subquery per row, which the database would run before sorting.
        "let_through": among(rule.let_through),
    }


class ReadyCount(NamedTuple):
    role: str
    ready: int
    total: int


def readiness_counts(cohort: Any) -> list[ReadyCount]:
    """How many student mentors and staff mentees are ready (or let through), out of how
    many. Counted by the database in one query and kept (``ReadinessCount``) until anything
    the rule reads changes, so pages that show the figures read one row whatever the
    cohort's size."""
    alias = router.db_for_read(ReadinessCount)
    kept = fetch(
        "SELECT generation, counted_generation, mentors_ready, mentors, mentees_ready, mentees "
        "FROM training_readinesscount WHERE cohort_id = %s",
        [cohort.pk],
        (),
        using=alias,
    )
    if kept and kept[0][0] == kept[0][1]:
        _, _, mentors_ready, mentors, mentees_ready, mentees = kept[0]
        return [
            ReadyCount(Role.MENTOR, mentors_ready, mentors),
            ReadyCount(Role.MENTEE, mentees_ready, mentees),
        ]
    return _count_and_keep(cohort, alias)


def _count_and_keep(cohort: Any, alias: str) -> list[ReadyCount]:
    """Count the cohort by the rule and keep the figures, unless something changed since
    the count began: the generation is read in the same statement as the counts (so from the
    same snapshot), and the figures are written only while it is still that generation. A
    cohort has its row from when it is saved (``changed`` runs on every save of a cohort);
    one without (made before the figures were kept) is counted twice before they are kept."""
    sql, params = _counting_sql(alias, cohort.pk, cohort.scheme_id)
    rows = fetch(
        "SELECT kept.generation, counted.* FROM (SELECT 1 AS one) one "  # noqa: S608 - SQL compiled by the ORM  # nosec B608
        "LEFT JOIN (SELECT generation FROM training_readinesscount WHERE cohort_id = %s) kept "
        f"ON 1 = 1 LEFT JOIN ({sql}) counted ON 1 = 1",
        [cohort.pk, *params],
        (),
        using=alias,
    )
    generation = rows[0][0]
    found = {role: (ready, total) for _, role, total, ready in rows if role is not None}
    counts = [ReadyCount(role, *found.get(role, (0, 0))) for role in (Role.MENTOR, Role.MENTEE)]
    (_, mentors_ready, mentors), (_, mentees_ready, mentees) = counts
    figures = {"mentors_ready": mentors_ready, "mentors": mentors,
               "mentees_ready": mentees_ready, "mentees": mentees}  # fmt: skip
    keep(ReadinessCount, cohort.pk, generation, figures, using=alias)
    return counts


# What a change to each input of the rule touches: the cohorts whose counts it may change,
# as SQL selecting their ids from one parameter.
_COHORTS_OF = {
    "cohort": "SELECT c.id AS id FROM schemes_cohort c WHERE c.id = %s",
    "scheme": "SELECT c.id AS id FROM schemes_cohort c WHERE c.scheme_id = %s",
    "session": "SELECT s.cohort_id AS id FROM training_trainingsession s WHERE s.id = %s",
    "handbook_version": (
        "SELECT c.id AS id FROM schemes_cohort c JOIN training_handbookversion v "
        "ON v.scheme_id = c.scheme_id WHERE v.id = %s"
    ),
    "agreement_version": (
        "SELECT c.id AS id FROM schemes_cohort c JOIN training_agreementversion v "
        "ON v.scheme_id = c.scheme_id WHERE v.id = %s"
    ),
}


def changed(what: str, pk: int, *, deleting: bool = False) -> None:
    """Something readiness depends on changed: the cohort (``what`` is "cohort"), every cohort
    of a scheme ("scheme"), a session's cohort ("session") or the cohorts of a handbook or
    ground rules version's scheme. Their kept counts stop holding, in the caller's
    transaction. Called for every save and delete of the rule's inputs (``apps.py``) and by
    services that change them in bulk.

    While rows are being deleted (``deleting``), only counts already kept are marked: the
    cohort itself may be going."""
    mark_stale(ReadinessCount, _COHORTS_OF[what], [pk], deleting=deleting)


def recount_differences() -> list[tuple[int, list[ReadyCount], list[ReadyCount]]]:
    """Cohorts whose kept counts, though marked as holding, differ from a fresh count by the
    rule: (cohort id, kept, counted). Empty unless a change escaped ``changed``."""
    from flipside.schemes.models import Cohort

    wrong = []
    for kept in ReadinessCount.objects.filter(counted_generation=F("generation")):
        cohort = Cohort.objects.get(pk=kept.cohort_id)
        alias = router.db_for_read(Membership)
        sql, params = _counting_sql(alias, cohort.pk, cohort.scheme_id)
        found = {role: (ready, total) for role, total, ready in fetch(sql, params, (), using=alias)}
        counted = [ReadyCount(r, *found.get(r, (0, 0))) for r in (Role.MENTOR, Role.MENTEE)]
        stored = [
            ReadyCount(Role.MENTOR, kept.mentors_ready, kept.mentors),
            ReadyCount(Role.MENTEE, kept.mentees_ready, kept.mentees),
        ]
        if stored != counted:
            wrong.append((cohort.pk, stored, counted))
    return wrong


def check_kept_counts() -> Verdict:
    """For ``selfcheck``: every cohort's kept readiness counts agree with a fresh count."""
    wrong = recount_differences()
    problems = tuple(
        f"readiness: cohort {pk} keeps {kept} but counts {counted}" for pk, kept, counted in wrong
    )
    held = ReadinessCount.objects.filter(counted_generation=F("generation")).count()
    return Verdict(f"Readiness: {held} cohorts' counts kept", problems)


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


# The readiness list a page at a time: each role's people in name order along the
# membership_people index (decision 0014), student mentors first, each row read with its
# checks (the columns of with_checks, as for a page of people) in the same statement. The
# checks' SQL refers to "schemes_membership", the name the page's rows go by here.
_LIST_RANK = """
    SELECT * FROM (
        SELECT {rank} AS rank, m.id, m.user_id, m.role, m.sort_name
        FROM schemes_membership m WHERE {where} AND m.role = %s
        ORDER BY m.sort_name, m.id LIMIT %s OFFSET %s
    ) rank{rank}
"""
_LIST_PAGE = """
    SELECT "schemes_membership".id, "schemes_membership".user_id, "schemes_membership".role,
        (SELECT u.display_name FROM accounts_user u
         WHERE u.id = "schemes_membership".user_id),
        {checks}
    FROM ({ranks}) "schemes_membership"
    ORDER BY "schemes_membership".rank, "schemes_membership".sort_name, "schemes_membership".id
"""


class _ReadinessList(Listing[Any]):
    """The cohort's mentors and mentees (``where`` picks their memberships), counted by role
    (or told the counts) and read a role at a time."""

    def __init__(
        self, cohort: Any, where: str, params: list[Any], roles: list[str],
        counts: dict[str, int] | None, alias: str,
    ) -> None:  # fmt: skip
        super().__init__(
            select="", source="", params=params, order="", row=self._membership,
            fields=(None,) * (4 + len(CHECKS)), using=alias,
        )  # fmt: skip
        self.cohort, self.where, self.roles, self.by_role = cohort, where, roles, counts

    def _counts(self) -> dict[str, int]:
        if self.by_role is None:
            sql = (
                "SELECT m.role, COUNT(*) FROM schemes_membership m "  # noqa: S608 - fixed fragments  # nosec B608
                f"WHERE {self.where} GROUP BY m.role"
            )
            self.by_role = dict(fetch(sql, self.params, (None, None), using=self.using))
        return self.by_role

    def count(self) -> int:  # type: ignore[override]
        return sum(self._counts().get(role, 0) for role in self.roles)

    def page_sql(self, start: int, stop: int) -> tuple[str, list[Any]]:
        compiled = _checks_sql(self.using, self.cohort.pk, self.cohort.scheme_id, True)
        parts: list[str] = []
        params: list[Any] = [p for _, check_params, _ in compiled for p in check_params]
        sizes = [self._counts().get(role, 0) for role in self.roles]
        # Past the end, the last role with none of its rows: a statement that reads nothing.
        pages = reached(sizes, start, stop) or [(len(self.roles) - 1, 0, 0)]
        for rank, limit, offset in pages:
            parts.append(_LIST_RANK.format(rank=rank, where=self.where))
            params += [*self.params, self.roles[rank], limit, offset]
        checks = ", ".join(sql for sql, _, _ in compiled)
        return _LIST_PAGE.format(checks=checks, ranks=" UNION ALL ".join(parts)), params

    def _membership(self, pk: int, user_id: int, role: str, name: str, *checks: Any) -> Any:
        return _Listed(pk, user_id, role, _Person(user_id, name), *checks)


class _Person(NamedTuple):
    """A person as the readiness list shows them."""

    pk: int
    display_name: str

    def __str__(self) -> str:
        return self.display_name


class _Listed(NamedTuple):
    """A membership as the readiness list reads it: who, in which role, and their checks (the
    columns of ``with_checks``), for ``readiness_of_checked``. Plain values: building a model
    instance for each of a page's people and their accounts cost more than reading them."""

    pk: int
    user_id: int
    role: str
    user: _Person
    trained_required: Any
    trained: Any
    handbook_required: Any
    handbook: Any
    agreement_required: Any
    agreement: Any
    let_through: Any


def readiness_list(
    cohort: Any, *, q: str = "", role: str = "", readiness: str = "",
    counts: list[ReadyCount] | None = None,
) -> Listing[Any]:  # fmt: skip
    """The readiness list: the cohort's student mentors then staff mentees, each by name, with
    their checks (for ``readiness_of_checked``); ``q`` matches a name, ``readiness`` is
    "ready" or "not_ready". A page reads its own rows along an index, whatever the cohort's
    size; unfiltered, its length comes from the kept ``counts``."""
    alias = router.db_for_read(Membership)
    where, params = ["m.cohort_id = %s"], [cohort.pk]
    if q:
        # The ORM's matching (case-insensitive, with % and _ taken literally, as each database
        # does it), compiled only when someone searches.
        found = Membership.objects.filter(cohort=cohort, user__display_name__icontains=q)
        sql, found_params = found.order_by().values("pk").query.sql_with_params()
        where.append(f"m.id IN ({sql})")
        params.extend(found_params)
    if readiness in ("ready", "not_ready"):
        sql, ready_params = _ready_sql(alias, cohort.pk, cohort.scheme_id)
        where.append(f"m.user_id {'IN' if readiness == 'ready' else 'NOT IN'} ({sql})")
        params.extend(ready_params)
    roles = [r.value for r in (Role.MENTOR, Role.MENTEE) if not role or r == role]
    known = None
    if counts is not None and not q and not readiness:
        known = {c.role: c.total for c in counts}
    return _ReadinessList(cohort, " AND ".join(where), params, roles, known, alias)


def ready_user_ids(cohort: Any) -> set[int]:
    """Who matching may consider: ready people, and people a coordinator let through."""
    alias = router.db_for_read(Membership)
    sql, params = _ready_sql(alias, cohort.pk, cohort.scheme_id)
    rows = fetch(sql, params, (), using=alias)
    return {user_id for (user_id,) in rows}


# The rule of ready_condition is a dozen subqueries, which the ORM takes some 10 ms of Python
# to compile, more than the database takes to answer them. Its SQL depends only on the ids of
# the cohort and its scheme, never on the data, so each process compiles it once per cohort
# and database; the answer is read afresh from the database on every call.
Compiled = tuple[str, tuple[Any, ...]]


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
    return RawSQL(*_ready_sql(router.db_for_read(Membership), cohort.pk, cohort.scheme_id))  # noqa: S611 - SQL compiled by the ORM  # nosec B611


def ready_among(cohort: Any, user_ids: Iterable[int]) -> set[int]:
    """Which of these people (a page's worth) are ready or let through, in one query: each
    one's checks looked up for them alone, not the whole cohort's sets."""
    ids = sorted({int(pk) for pk in user_ids})
    if not ids:
        return set()
    alias = router.db_for_read(Membership)
    sql, params = _among_sql(alias, cohort.pk, cohort.scheme_id, len(ids))
    # The SQL was compiled with -1, -2, … in place of the ids (as for the checks of a page:
    # ids are positive, and no other parameter of the query is a negative integer).
    bound = [ids[-p - 1] if type(p) is int and p < 0 else p for p in params]
    ready = set()
    for user_id, *checks in fetch(sql, bound, (), using=alias):
        done = dict(zip(CHECKS, checks, strict=True))
        if done["let_through"] or all(
            done[name] or not done[f"{name}_required"]
            for name in ("trained", "handbook", "agreement")
        ):
            ready.add(user_id)
    return ready


@lru_cache(maxsize=1024)
def _among_sql(alias: str, cohort_id: int, scheme_id: int, count: int) -> Compiled:
    """Rows of (user_id, *CHECKS) of ``count`` participants, their ids as -1, -2, …"""
    compiled = _checks_sql(alias, cohort_id, scheme_id, True)
    people = (
        _participants(cohort_id)
        .filter(user_id__in=[-k for k in range(1, count + 1)])
        .annotate(
            **{
                name: RawSQL(sql, params, output_field=field)  # noqa: S611 - SQL compiled by the ORM  # nosec B611
                for name, (sql, params, field) in zip(CHECKS, compiled, strict=True)
            }
        )
        .order_by()
        .values_list("user_id", *CHECKS)
    )
    sql, params = people.query.get_compiler(alias).as_sql()
    stand_ins = [p for p in params if type(p) is int and p < 0]
    if sorted(stand_ins) != list(range(-count, 0)):  # every id in its place, once
        raise AssertionError("the checks' SQL has a negative parameter of its own")
    return sql, tuple(params)


@lru_cache(maxsize=256)
def _checks_sql(
    alias: str, cohort_id: int, scheme_id: int, each_row: bool
) -> tuple[tuple[str, tuple[Any, ...], Any], ...]:
    """The SQL, parameters and type of each of ``_check_columns``, in the order of CHECKS,
    as it reads in a query of memberships (it refers to ``schemes_membership``'s columns)."""
    columns = _check_columns(cohort_id, scheme_id, each_row=each_row)
    query = Membership.objects.annotate(**columns).query
    compiler = query.get_compiler(alias)
    compiled = []
    for name in CHECKS:
        sql, params = compiler.compile(query.annotations[name])
        compiled.append((sql, tuple(params), query.annotations[name].output_field))
    return tuple(compiled)
