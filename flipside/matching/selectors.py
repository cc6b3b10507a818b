"""Read-only views of matching data for pages."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from django.db import router
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.lib.kept import keep
from flipside.lib.sql import (
    columns,
    fetch,
    field_of,
    fields_of,
    instances,
    one_of,
    partial,
    reached,
    whole,
)
from flipside.schemes.models import Cohort, Membership, Role, Scheme
from flipside.training.readiness import Readiness, cohort_readiness, ready_ids

from . import engine, explain, loader
from .models import Pair, PairCount, PairRule, Proposal, Run, Unmatched
from .services import LOW_SCORE, MatchingError, settings_for
from .services.places import active_load

PREVIEW_PAIRS = 6


@dataclass
class PreviewRow:
    mentor: Any
    mentee: Any
    current: int
    proposed: int


def weight_preview(cohort: Cohort, weights: dict[str, int]) -> list[PreviewRow]:
    """How some of the cohort's pairs would score with other weights: the latest finished
    proposal's pairs, or else the first few possible pairs. ``weights`` has the keys
    "topics", "availability", "mode_site" and "preferences"."""
    if not any(weights.values()):
        return []
    latest = Run.objects.filter(cohort=cohort, status=Run.Status.DONE).order_by("-number").first()
    if latest is not None:
        sample = list(
            latest.proposals.order_by("-score", "id").values_list("mentor_id", "mentee_id")[
                :PREVIEW_PAIRS
            ]
        )
    else:
        mentors = list(
            Membership.objects.filter(cohort=cohort, role=Role.MENTOR)
            .order_by("user_id")
            .values_list("user_id", flat=True)[:PREVIEW_PAIRS]
        )
        mentees = list(
            Membership.objects.filter(cohort=cohort, role=Role.MENTEE)
            .order_by("user_id")
            .values_list("user_id", flat=True)[:PREVIEW_PAIRS]
        )
        sample = list(zip(mentors, mentees, strict=False))
    if not sample:
        return []
    ids = {uid for pair in sample for uid in pair}
    loaded = loader.load(cohort, settings=settings_for(cohort), include_unready=True, user_ids=ids)
    mentor_at, mentee_at = loaded.mentor_index(), loaded.mentee_index()
    proposed = dataclasses.replace(loaded.problem, weights=engine.Weights(**weights))
    rows = []
    for mentor_id, mentee_id in sample:
        i, j = mentor_at.get(mentor_id), mentee_at.get(mentee_id)
        if i is None or j is None:
            continue
        rows.append(
            PreviewRow(
                mentor=loaded.mentors[i],
                mentee=loaded.mentees[j],
                current=engine.breakdown(loaded.problem, i, j).score,
                proposed=engine.breakdown(proposed, i, j).score,
            )
        )
    return rows


@dataclass
class PublishChecks:
    """What a coordinator should know before publishing a run's pairs."""

    warned: list[tuple[Proposal, list[str]]]  # pairs with something to check, and what
    unready: list[Readiness]  # people in the pairs who are not ready yet


def publish_checks(run: Run) -> PublishChecks:
    """Pairs with a low score or a warning (such as no weekly time in common), lowest score
    first, and the people in the pairs who are not ready yet, with what they still have to
    do."""
    proposals = list(run.proposals.select_related("mentor", "mentee").order_by("score", "id"))
    warned = []
    for proposal in proposals:
        notes = list(proposal.warnings)
        if proposal.score < LOW_SCORE:
            notes.insert(0, _("Low score: %(score)d of 100.") % {"score": proposal.score})
        if notes:
            warned.append((proposal, notes))
    paired = {p.mentor_id for p in proposals} | {p.mentee_id for p in proposals}
    unready = [r for r in cohort_readiness(run.cohort) if r.user.pk in paired and not r.ready]
    return PublishChecks(warned=warned, unready=unready)


@dataclass
class Comparison:
    both: list[tuple[Proposal, Proposal]]
    only_first: list[Proposal]
    only_second: list[Proposal]


def compare(first: Run, second: Run) -> Comparison:
    """The pairs two runs share and those only one of them has, highest score first."""

    def pairs(run: Run) -> dict[tuple[int, int], Proposal]:
        rows = run.proposals.select_related("mentor", "mentee").order_by("-score", "id")
        return {(p.mentor_id, p.mentee_id): p for p in rows}

    a, b = pairs(first), pairs(second)
    return Comparison(
        both=[(a[k], b[k]) for k in a if k in b],
        only_first=[a[k] for k in a if k not in b],
        only_second=[b[k] for k in b if k not in a],
    )


@dataclass
class Candidate:
    user: Any
    score: int
    reasons: list[str]


def rematch_candidates(cohort: Cohort, *, user: Any, limit: int = 5) -> list[Candidate]:
    """The best available partners for someone without an active pair: people on the other
    side with room for another partner, who may be paired with them. Other pairs are not
    touched."""
    loaded = loader.load(cohort, settings=settings_for(cohort), include_unready=True)
    mentor_at, mentee_at = loaded.mentor_index(), loaded.mentee_index()
    load = active_load(cohort)
    before = set(
        Pair.objects.filter(cohort=cohort)
        .filter(Q(mentor=user) | Q(mentee=user))
        .values_list("mentor_id", "mentee_id")
    )
    problem = loaded.problem
    if user.pk in mentor_at:
        others, index = problem.mentees, {"mentor": mentor_at[user.pk]}
        people = loaded.mentees
    elif user.pk in mentee_at:
        others, index = problem.mentors, {"mentee": mentee_at[user.pk]}
        people = loaded.mentors
    else:
        raise MatchingError(
            _("%(name)s is not a mentor or mentee in this cohort.") % {"name": user}
        )
    used = np.array([load.get(int(uid), 0) for uid in others.ids], dtype=np.int16)
    spare = used < others.capacity
    earlier = {uid for pair in before for uid in pair} - {user.pk}
    spare &= ~np.isin(others.ids, list(earlier))
    found = engine.candidates(problem, spare=spare, limit=limit, **index)
    result = []
    for other, _score in found:
        i, j = (index["mentor"], other) if "mentor" in index else (other, index["mentee"])
        score, reasons, _warnings = explain.pair_reasons(loaded, i, j)
        result.append(Candidate(user=people[other], score=score, reasons=reasons))
    return result


def cohort_pairs(cohort: Cohort, *, q: str = "", status: str = "") -> Any:
    """The cohort's pairs, active first then by mentor; ``q`` matches either partner's name.
    The pairs page counts a name search with it, and shows a page of it with ``pair_rows``."""
    pairs = cohort.pairs.all()
    if q:
        pairs = pairs.filter(
            Q(mentor__display_name__icontains=q) | Q(mentee__display_name__icontains=q)
        )
    if status:
        pairs = pairs.filter(status=status)
    return pairs.order_by("status", "mentor__display_name", "pk")


class PairRow(NamedTuple):
    """What a row of the pairs page shows: the pair's columns and both partners' names (not
    the reasons, JSON, nor the people's other columns)."""

    pk: int
    score: int | None
    status: str
    started_at: Any
    ended_at: Any
    end_reason: str
    mentor__display_name: str
    mentee__display_name: str


# Asked on every request of the pairs page: plain SQL, where the ORM spent about 1 ms
# compiling it (docs/decisions/0011-matching-pages-in-plain-sql.md).
# Without a search, a page's pairs of each status are read in their mentors' name order
# along the membership_people index, by the name each membership keeps (decision 0014): the
# counts by status say which statuses a page reaches and where it starts in each, so a page
# reads its own rows, never the whole cohort. Every pair's mentor is a mentor of its cohort
# (pairs are made only between the cohort's people, and memberships are not removed).
_PAIR_STATUS = """
    SELECT * FROM (
        SELECT p.id, p.score, p.status, p.started_at, p.ended_at, p.end_reason, p.mentor_id,
            p.mentee_id, m.sort_name
        FROM schemes_membership m
        JOIN matching_pair p ON p.cohort_id = m.cohort_id AND p.mentor_id = m.user_id
        WHERE m.cohort_id = {cohort} AND m.role = {role} AND p.status = {status}
        ORDER BY m.sort_name, p.id LIMIT {limit} OFFSET {offset}
    ) status{n}
"""
# A name search keeps the ORM's filter (``among``) and sorts what it finds.
_PAIR_FOUND = """
    SELECT p.id, p.score, p.status, p.started_at, p.ended_at, p.end_reason, p.mentor_id,
        p.mentee_id, mentor.display_name AS sort_name
    FROM matching_pair p JOIN accounts_user mentor ON mentor.id = p.mentor_id
    WHERE p.cohort_id = %s{status}{among}
    ORDER BY p.status, mentor.display_name, p.id
    LIMIT %s OFFSET %s
"""
# The names are subqueries of the page's rows, not joins (joined, PostgreSQL read every
# person).
_PAIR_PAGE = """
    SELECT page.id, page.score, page.status, page.started_at, page.ended_at, page.end_reason,
        (SELECT u.display_name FROM accounts_user u WHERE u.id = page.mentor_id),
        (SELECT u.display_name FROM accounts_user u WHERE u.id = page.mentee_id)
    FROM ({pairs}) page
    ORDER BY page.status, page.sort_name, page.id
"""
_PAIR_FIELDS = (
    None, None, None, field_of(Pair, "started_at"), field_of(Pair, "ended_at"),
    None, None, None,
)  # fmt: skip


def pair_rows(
    cohort: Cohort,
    *,
    counts: dict[str, int],
    status: str = "",
    among: Any = None,
    offset: int = 0,
    limit: int = 50,
) -> list[PairRow]:
    """A page of ``cohort_pairs``, in its order: ``status`` keeps the pairs in that status,
    ``among`` (``cohort_pairs`` with a name search) only its pairs. ``counts`` are the
    cohort's pairs in each status (``pair_figures``)."""
    alias = router.db_for_read(Pair)
    if among is not None:
        among_sql, among_params = _among(alias, among, "p.id")
        pairs = _PAIR_FOUND.format(status=" AND p.status = %s" if status else "", among=among_sql)
        params = [cohort.pk, *([status] if status else []), *among_params, limit, offset]
    else:
        pairs, params = _pair_statuses(cohort, counts, status, offset, limit), []
        if not pairs:
            return []
    query = _PAIR_PAGE.format(pairs=pairs)
    return [PairRow(*row) for row in fetch(query, params, _PAIR_FIELDS, using=alias)]


def _pair_statuses(
    cohort: Cohort, counts: dict[str, int], only: str, offset: int, limit: int
) -> str:
    """The ``UNION ALL`` of each status the page reaches (in the statuses' order), each
    from where the page starts in it; "" if it reaches none."""
    # As ORDER BY status sorts them: active, then ended.
    statuses = [status for status in sorted(counts) if not only or status == only]
    branches: list[str] = []
    for index, count, first in reached([counts[s] for s in statuses], offset, offset + limit):
        # The values the plan turns on are written into the statement (``lib.sql.whole``):
        # the plan kept for any cohort sorted the whole cohort to show 50.
        branches.append(_PAIR_STATUS.format(
            n=len(branches), cohort=whole(cohort.pk), role=one_of(Role.MENTOR.value, Role.values),
            status=one_of(statuses[index], Pair.Status.values), limit=whole(count),
            offset=whole(first),
        ))  # fmt: skip
    return " UNION ALL ".join(branches)


class Published(NamedTuple):
    number: int
    published_at: Any


class PairFigures(NamedTuple):
    """What the pairs page counts: the cohort's pairs in each status, the run they were
    published from, and how many of its people have no partner (``unpaired``)."""

    counts: dict[str, int]
    published: Published | None
    unpaired: int


# The figures kept for the cohort (decision 0016) and its published run, in one statement.
_PAIR_FIGURES_SQL = """
    SELECT kept.generation, kept.counted_generation, kept.active, kept.ended, kept.unpaired,
        run.number, run.published_at
    FROM (SELECT 1 AS one) one
    LEFT JOIN matching_paircount kept ON kept.cohort_id = %s
    LEFT JOIN matching_run run ON run.cohort_id = %s AND run.published_at IS NOT NULL
"""


def pair_figures(cohort: Cohort) -> PairFigures:
    """How many of the cohort's pairs are in each status, the run they were published from
    (number and when), if any, and how many people have no partner: one query while the
    figures kept for the cohort hold, whatever its size; counted again (and kept) when they
    do not."""
    alias = router.db_for_read(Pair)
    fields = (None, None, None, None, None, None, field_of(Run, "published_at"))
    rows = fetch(_PAIR_FIGURES_SQL, [cohort.pk, cohort.pk], fields, using=alias)
    generation, counted, active, ended, unpaired, number, published_at = rows[0]
    published = Published(number, published_at) if number is not None else None
    if generation is None or generation != counted:
        active, ended, unpaired = _count_pairs_and_keep(cohort.pk, alias)
    counts = {Pair.Status.ACTIVE.value: active, Pair.Status.ENDED.value: ended}
    return PairFigures(counts, published, unpaired)


class _Counted(NamedTuple):
    active: int
    ended: int
    unpaired: int


def _count_pairs_and_keep(cohort_id: int, alias: str) -> _Counted:
    """Count the cohort's figures and keep them, unless something changed since the count
    began: the generation is read in the same statement as the counts (so from the same
    snapshot), and the figures are written only while it is still that generation. A cohort
    counted for the first time gets its row marked as not holding, and is kept from the next
    count on: a change made while counting (a person deleted, say) marks only rows that
    exist."""
    sql = _PAIR_COUNT_AND_GENERATION_SQL.format(counts=_PAIR_COUNTS_SQL)
    row = fetch(sql, [*_pair_count_params(cohort_id), cohort_id], (), using=alias)[0]
    generation, counted = row[0], _Counted(*row[1:])
    keep(PairCount, cohort_id, generation, counted._asdict(), using=alias)
    return counted


def fresh_pair_counts(cohort_id: int) -> tuple[int, int, int]:
    """The cohort's active and ended pairs and people without a partner, counted now: what
    its kept figures must agree with (``checks.check_kept_pair_counts``)."""
    alias = router.db_for_read(Pair)
    row = fetch(f"SELECT {_PAIR_COUNTS_SQL}", _pair_count_params(cohort_id), (), using=alias)[0]
    return _Counted(*row)


def unpaired(cohort: Cohort, *, q: str = "") -> Any:
    """The cohort's active mentors and mentees in no active pair, by role then name."""
    busy = cohort.pairs.filter(status=Pair.Status.ACTIVE)
    people = (
        cohort.memberships.filter(role__in=[Role.MENTOR, Role.MENTEE], user__is_active=True)
        .exclude(user__in=busy.values("mentor"))
        .exclude(user__in=busy.values("mentee"))
        .select_related("user")
        .order_by("role", "user__display_name", "pk")
    )
    return people.filter(user__display_name__icontains=q) if q else people


class UnpairedRow(NamedTuple):
    user_id: int
    role: str
    display_name: str


# ``unpaired`` in plain SQL, for the pairs page, which reads it only when its kept figures
# (``pair_figures``) say someone has no partner: everyone is usually paired. With a name
# search it reads one row more than it shows: only when that row exists does the page say
# how many it found, counted by a second query (a window count cost the query a third of
# its time).
_UNPAIRED_FROM = """
    FROM schemes_membership m JOIN accounts_user person ON person.id = m.user_id
    WHERE m.cohort_id = %s AND m.role IN (%s, %s) AND person.is_active
        AND m.user_id NOT IN (
            SELECT mentor_id FROM matching_pair WHERE cohort_id = %s AND status = %s)
        AND m.user_id NOT IN (
            SELECT mentee_id FROM matching_pair WHERE cohort_id = %s AND status = %s){among}
"""
_UNPAIRED_SQL = (
    f"SELECT m.user_id, m.role, person.display_name {_UNPAIRED_FROM}"  # noqa: S608 - fixed
    "ORDER BY m.role, person.display_name, m.id LIMIT %s"
)
_UNPAIRED_COUNT_SQL = f"SELECT COUNT(*) {_UNPAIRED_FROM}"  # noqa: S608 - fixed fragments

# Everything the pairs page counts, as the columns of one row: active pairs, ended pairs and
# people without a partner (``_UNPAIRED_FROM`` without a search).
_PAIR_COUNTS_SQL = (
    "(SELECT COUNT(*) FROM matching_pair WHERE cohort_id = %s AND status = %s), "  # noqa: S608 - fixed fragments  # nosec B608
    "(SELECT COUNT(*) FROM matching_pair WHERE cohort_id = %s AND status = %s), "
    f"(SELECT COUNT(*) {_UNPAIRED_FROM.format(among='')})"
)
_PAIR_COUNT_AND_GENERATION_SQL = """
    SELECT kept.generation, {counts}
    FROM (SELECT 1 AS one) one LEFT JOIN matching_paircount kept ON kept.cohort_id = %s
"""


def _pair_count_params(cohort_id: int) -> list[Any]:
    active, ended = Pair.Status.ACTIVE.value, Pair.Status.ENDED.value
    return [cohort_id, active, cohort_id, ended, *_unpaired_params(cohort_id)]


def _unpaired_params(cohort_id: int) -> list[Any]:
    active = Pair.Status.ACTIVE.value
    return [cohort_id, Role.MENTOR.value, Role.MENTEE.value, cohort_id, active, cohort_id, active]


def unpaired_rows(
    cohort: Cohort, *, among: Any = None, limit: int, count: int | None = None
) -> tuple[list[UnpairedRow], int]:
    """The first ``limit`` of ``unpaired`` (``among``: of ``unpaired`` with a name search),
    and how many there are in all: ``count``, when already known."""
    alias = router.db_for_read(Pair)
    params = _unpaired_params(cohort.pk)
    among_sql, among_params = _among(alias, among, "m.id")
    params += among_params
    query = _UNPAIRED_SQL.format(among=among_sql)
    if count is not None:
        return [UnpairedRow(*row) for row in fetch(query, [*params, limit], (), using=alias)], count
    rows = [UnpairedRow(*row) for row in fetch(query, [*params, limit + 1], (), using=alias)]
    if len(rows) <= limit:
        return rows, len(rows)
    counting = _UNPAIRED_COUNT_SQL.format(among=among_sql)
    return rows[:limit], int(fetch(counting, params, (None,), using=alias)[0][0])


# --- A run's page: one page of its pairs, and figures for the whole run from the database ---

#: What the run page's "Show" filter offers (besides every pair).
LOCKED, NOT_READY = "locked", "not_ready"
MAX_NAMES = 10


def run_proposals(run: Run, *, q: str = "", show: str = "") -> Any:
    """The run's pairs, best score first, for the run page (``proposal_rows`` fetches a page
    of them to show). ``q`` holds one name or several separated by commas, and finds the
    pairs where either partner's name contains any of them; ``show`` keeps only locked pairs,
    or pairs where someone is not ready yet."""
    proposals = run.proposals.all()
    names = [name.strip() for name in q.split(",") if name.strip()][:MAX_NAMES]
    if names:
        found = Q()
        for name in names:
            found |= Q(mentor__display_name__icontains=name)
            found |= Q(mentee__display_name__icontains=name)
        proposals = proposals.filter(found)
    if show == LOCKED:
        proposals = proposals.filter(Exists(_lock_of(run)))
    elif show == NOT_READY:
        ready = ready_ids(run.cohort)
        proposals = proposals.exclude(mentor_id__in=ready, mentee_id__in=ready)
    return proposals.order_by("-score", "pk")


class ProposalRow(NamedTuple):
    """A pair as the run page shows it: the proposal's columns, both partners' names, and
    whether a coordinator has locked the pair."""

    pk: int
    mentor_id: int
    mentee_id: int
    score: int
    reasons: list[str]
    warnings: list[str]
    source: str
    mentor_name: str
    mentee_name: str
    locked: bool


# The run page asks for a page of pairs on every request; as plain SQL it costs the database
# a fraction of a millisecond, where the ORM spent about 1 ms compiling it. The page's ids are
# picked first (along the index on run, score and id), so only those rows are joined to
# their people and looked up among the locks.
_PROPOSAL_ROWS_SQL = """
    SELECT p.id, p.mentor_id, p.mentee_id, p.score, p.reasons, p.warnings, p.source,
        mentor.display_name, mentee.display_name,
        EXISTS (SELECT 1 FROM matching_pairrule r WHERE r.cohort_id = %s AND r.kind = %s
            AND r.mentor_id = p.mentor_id AND r.mentee_id = p.mentee_id)
    FROM matching_proposal p
    JOIN accounts_user mentor ON mentor.id = p.mentor_id
    JOIN accounts_user mentee ON mentee.id = p.mentee_id
    WHERE p.id IN (
        SELECT id FROM matching_proposal WHERE run_id = %s{among}
        ORDER BY score DESC, id{limit}
    )
    ORDER BY p.score DESC, p.id
"""


def proposal_rows(
    run: Run, *, among: Any = None, offset: int = 0, limit: int | None = None
) -> list[ProposalRow]:
    """The run's pairs as ``run_proposals`` orders them (best score first), from ``offset``
    and at most ``limit`` of them; ``among`` (a queryset of the run's proposals, such as
    ``run_proposals`` with filters) keeps only its pairs."""
    alias = router.db_for_read(Proposal)
    params: list[Any] = [run.cohort_id, PairRule.Kind.LOCK.value, run.pk]
    among_sql, among_params = _among(alias, among)
    params += among_params
    limit_sql = ""
    if limit is not None:
        limit_sql = " LIMIT %s OFFSET %s"
        params += [limit, offset]
    query = _PROPOSAL_ROWS_SQL.format(among=among_sql, limit=limit_sql)
    rows = fetch(query, params, (), using=alias)
    for row in rows:
        # The reasons and warnings are JSON lists of text, read as text on both databases:
        # decoded here, without the JSON field's converter around ``json.loads``.
        row[4], row[5] = json.loads(row[4]), json.loads(row[5])
        row[-1] = bool(row[-1])  # EXISTS is 0 or 1 on SQLite
    return [ProposalRow(*row) for row in rows]


def _among(alias: str, among: Any, column: str = "id") -> tuple[str, tuple[Any, ...]]:
    """`` AND column IN (…)`` for the ids of a queryset (a filtered list), compiled by the
    ORM with its parameters bound, or nothing."""
    if among is None:
        return "", ()
    subquery, params = among.order_by().values("pk").query.get_compiler(alias).as_sql()
    return f" AND {column} IN ({subquery})", tuple(params)


def _lock_of(run: Run) -> Any:
    return PairRule.objects.filter(
        cohort_id=run.cohort_id,
        kind=PairRule.Kind.LOCK,
        mentor_id=OuterRef("mentor_id"),
        mentee_id=OuterRef("mentee_id"),
    )


LEFT_OUT_SHOWN = 50  # people shown in each list of those a run did not pair


class LeftOutRow(NamedTuple):
    name: str
    role: str
    reason: str  # the reason's label
    detail: str


@dataclass
class LeftOut:
    """The people a run did not pair, in its two lists (each the first ``LEFT_OUT_SHOWN``
    by name), and how many each list holds in all."""

    not_paired: list[LeftOutRow]
    not_paired_count: int
    already_paired: list[LeftOutRow]
    already_paired_count: int


# Group 1 is those left out because they already have a partner, group 0 everyone else.
_LEFT_OUT_SQL = """
    SELECT grp, name, role, reason, detail, size FROM (
        SELECT CASE WHEN u.reason = %s THEN 1 ELSE 0 END AS grp,
            person.display_name AS name, u.role, u.reason, u.detail,
            ROW_NUMBER() OVER (PARTITION BY CASE WHEN u.reason = %s THEN 1 ELSE 0 END
                ORDER BY person.display_name, u.id) AS position,
            COUNT(*) OVER (PARTITION BY CASE WHEN u.reason = %s THEN 1 ELSE 0 END) AS size
        FROM matching_unmatched u JOIN accounts_user person ON person.id = u.user_id
        WHERE u.run_id = %s
    ) ranked
    WHERE position <= %s
    ORDER BY grp, position
"""


def left_out(run: Run, bands: list[tuple[int, int]]) -> tuple[list[int], LeftOut]:
    """How many of the run's pairs score within each (lowest, highest) band (bands that do
    not overlap), from the counts by score the run keeps (``Run.scores``), and the two lists
    of the run page: in one query however many people a run left out."""
    counts = [0] * len(bands)
    for score, n in run.scores.items():
        value = int(score)
        band = next((i for i, (low, high) in enumerate(bands) if low <= value <= high), None)
        if band is not None:
            counts[band] += n
    already = Unmatched.Reason.ALREADY_PAIRED.value
    labels = dict(Unmatched.Reason.choices)
    lists: dict[int, list[LeftOutRow]] = {0: [], 1: []}
    sizes = {0: 0, 1: 0}
    params = [already, already, already, run.pk, LEFT_OUT_SHOWN]
    for group, name, role, reason, detail, size in fetch(
        _LEFT_OUT_SQL, params, (), using=router.db_for_read(Unmatched)
    ):
        lists[group].append(LeftOutRow(name, role, str(labels.get(reason, reason)), detail))
        sizes[group] = size
    return counts, LeftOut(lists[0], sizes[0], lists[1], sizes[1])


def left_out_rows(run: Run) -> Iterator[list[Any]]:
    """Everyone the run did not pair, as spreadsheet rows (the first is the heading), a
    row at a time: name, role, why, and the detail the page shows."""
    yield [_("Name"), _("Role"), _("Why"), _("Detail")]
    roles: dict[str, str] = {Role.MENTOR: _("Student mentor"), Role.MENTEE: _("Staff mentee")}
    reasons = dict(Unmatched.Reason.choices)
    everyone = (
        run.unmatched.select_related("user")
        .only("run", "role", "reason", "detail", "user__display_name")
        .order_by("reason", "user__display_name", "pk")
    )
    for person in everyone.iterator(chunk_size=500):
        role = roles.get(person.role, person.role)
        yield [person.user.display_name, role, str(reasons.get(person.reason)), person.detail]


# --- The matching page: its rules, capacities and runs' figures in one plain SQL query ----


class RuleRow(NamedTuple):
    pk: int
    kind: str
    mentor_name: str
    mentee_name: str
    reason: str


class CapacityRow(NamedTuple):
    display_name: str
    partners: int


class RunFigures(NamedTuple):
    total: int
    finished: list[tuple[int, int]]  # (id, number) of each finished run, newest first
    published: int | None  # the published run's id


class Overview(NamedTuple):
    rules: list[RuleRow]  # oldest first, with both people's names
    capacities: list[CapacityRow]  # people allowed more than one partner, by name
    runs: RunFigures


# Three short lists the matching page asks for on every request, in one round trip: each
# part numbers its rows in its own order. Cohorts have tens of rules, capacities and runs,
# not thousands; a run is one short row.
_OVERVIEW_SQL = """
    SELECT 0 AS part, ROW_NUMBER() OVER (ORDER BY r.created_at, r.id) AS position,
        r.id, r.kind, mentor.display_name, mentee.display_name, r.reason,
        CAST(NULL AS INTEGER) AS number, CAST(NULL AS BOOLEAN) AS published
    FROM matching_pairrule r
    JOIN accounts_user mentor ON mentor.id = r.mentor_id
    JOIN accounts_user mentee ON mentee.id = r.mentee_id
    WHERE r.cohort_id = %s
    UNION ALL
    SELECT 1, ROW_NUMBER() OVER (ORDER BY person.display_name, c.id),
        NULL, NULL, person.display_name, NULL, NULL, c.partners, NULL
    FROM matching_capacity c JOIN accounts_user person ON person.id = c.user_id
    WHERE c.cohort_id = %s
    UNION ALL
    SELECT 2, ROW_NUMBER() OVER (ORDER BY number DESC),
        id, status, NULL, NULL, NULL, number, published_at IS NOT NULL
    FROM matching_run
    WHERE cohort_id = %s
    ORDER BY part, position
"""


def overview(cohort: Cohort) -> Overview:
    """The cohort's rules about pairs, its capacities, and how many runs it has with its
    finished ones and its published one (at most one)."""
    alias = router.db_for_read(Run)
    rules: list[RuleRow] = []
    capacities: list[CapacityRow] = []
    runs: list[tuple[int, int, str, bool]] = []
    rows = fetch(_OVERVIEW_SQL, [cohort.pk] * 3, (), using=alias)
    for part, _position, pk, kind, name, other, reason, number, published in rows:
        if part == 0:
            rules.append(RuleRow(pk, kind, name, other, reason))
        elif part == 1:
            capacities.append(CapacityRow(name, number))
        else:
            runs.append((pk, number, kind, bool(published)))
    finished = [(pk, number) for pk, number, status, _p in runs if status == Run.Status.DONE]
    published_run = next((pk for pk, _n, _s, is_published in runs if is_published), None)
    return Overview(rules, capacities, RunFigures(len(runs), finished, published_run))


@functools.cache
def _runs_sql() -> str:
    return f"""
        SELECT {columns(Run, "run")}, creator.display_name, publisher.display_name
        FROM matching_run run
        LEFT JOIN accounts_user creator ON creator.id = run.created_by_id
        LEFT JOIN accounts_user publisher ON publisher.id = run.published_by_id
        WHERE run.cohort_id = %s{{which}}
        ORDER BY run.number DESC
        LIMIT %s OFFSET %s
    """  # noqa: S608 - column names from the model  # nosec B608


def _named_runs(which: str, params: list[Any]) -> list[Run]:
    alias = router.db_for_read(Run)
    rows = fetch(
        _runs_sql().format(which=which), params, (*fields_of(Run), None, None), using=alias
    )
    runs = []
    for row in rows:
        run: Run = instances(row, Run, using=alias)[0]
        run.creator_name, run.publisher_name = row[-2:]  # type: ignore[attr-defined]
        runs.append(run)
    return runs


def cohort_runs(cohort: Cohort, *, offset: int = 0, limit: int = 20) -> list[Run]:
    """A page of the cohort's runs, newest first, each with ``creator_name`` and
    ``publisher_name`` (the people's names, or None)."""
    return _named_runs("", [cohort.pk, limit, offset])


def published_run(cohort: Cohort, pk: int) -> Run | None:
    """The cohort's run with this id, as ``cohort_runs`` reads it."""
    return next(iter(_named_runs(" AND run.id = %s", [cohort.pk, pk, 1, 0])), None)


# --- A participant's own partners --------------------------------------------------------


class OwnPair(NamedTuple):
    pair: Pair
    partner: User  # the name, pronouns and email address loaded; the rest when asked for
    first_contact: str | None  # the cohort's setting, None before it has settings


_OWN_PAIRS_SQL = """
    SELECT {pair}, {cohort}, {scheme}, settings.first_contact,
        partner.id, partner.display_name, partner.pronouns, partner.email
    FROM matching_pair p JOIN schemes_cohort c ON c.id = p.cohort_id
    JOIN schemes_scheme s ON s.id = c.scheme_id
    LEFT JOIN matching_matchingsettings settings ON settings.cohort_id = c.id
    JOIN accounts_user partner
        ON partner.id = CASE WHEN p.mentor_id = %(user)s THEN p.mentee_id ELSE p.mentor_id END
    WHERE p.cohort_id = %(cohort)s AND p.status = %(active)s
        AND (p.mentor_id = %(user)s OR p.mentee_id = %(user)s)
    ORDER BY p.started_at, p.id
"""


def own_pairs(user: Any, cohort_id: int) -> list[OwnPair]:
    """The person's active pairs in the cohort, each with its cohort and scheme, the cohort's
    first-contact setting and the partner, in one plain SQL query (decision 0011): the
    partner page's own query, which the ORM compiled with five joins on every visit."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return []
    models = (Pair, Cohort, Scheme)
    sql = _OWN_PAIRS_SQL.format(
        pair=columns(Pair, "p"), cohort=columns(Cohort, "c"), scheme=columns(Scheme, "s")
    )
    params = {"user": user.pk, "cohort": cohort_id, "active": Pair.Status.ACTIVE.value}
    found = []
    for row in fetch(sql, params, (*fields_of(*models), None, None, None, None, None)):
        pair, cohort, scheme = instances(row, *models)
        cohort.scheme, pair.cohort = scheme, cohort
        first_contact, pk, name, pronouns, email = row[-5:]
        partner = partial(
            User, {"id": pk, "display_name": name, "pronouns": pronouns, "email": email}
        )
        found.append(OwnPair(pair, partner, first_contact))
    return found
