"""Read-only views of matching data for pages."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from flipside.schemes.models import Cohort, Membership, Role
from flipside.training.readiness import Readiness, cohort_readiness, ready_ids

from . import engine, explain, loader
from .models import Pair, PairRule, Proposal, Run, Unmatched
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


# What a row of the pairs page shows, fetched as plain named rows: leaving out the reasons
# (JSON) and the people's other columns keeps a page of 50 light, and rows cost far less to
# build than a pair and two people as model instances.
PAIR_ROW_FIELDS = (
    "pk",
    "score",
    "status",
    "started_at",
    "ended_at",
    "end_reason",
    "mentor__display_name",
    "mentee__display_name",
)


def cohort_pairs(cohort: Cohort, *, q: str = "", status: str = "") -> Any:
    """The cohort's pairs for the pairs page (rows of ``PAIR_ROW_FIELDS``), active first then
    by mentor; ``q`` matches either partner's name."""
    pairs = cohort.pairs.all()
    if q:
        pairs = pairs.filter(
            Q(mentor__display_name__icontains=q) | Q(mentee__display_name__icontains=q)
        )
    if status:
        pairs = pairs.filter(status=status)
    return pairs.order_by("status", "mentor__display_name", "pk").values_list(
        *PAIR_ROW_FIELDS, named=True
    )


def pair_counts(cohort: Cohort) -> dict[str, int]:
    """How many of the cohort's pairs are in each status, counted in one query."""
    rows = cohort.pairs.values_list("status").annotate(n=Count("pk")).order_by()
    counts = {status: 0 for status in Pair.Status.values}
    counts.update(dict(rows))
    return counts


def unpaired(cohort: Cohort, *, q: str = "") -> Any:
    """The cohort's active mentors and mentees in no active pair, by role then name."""
    busy = cohort.pairs.filter(status=Pair.Status.ACTIVE)
    people = (
        cohort.memberships.filter(role__in=[Role.MENTOR, Role.MENTEE], user__is_active=True)
        .exclude(user__in=busy.values("mentor"))
        .exclude(user__in=busy.values("mentee"))
        .select_related("user")
        .order_by("role", "user__display_name")
    )
    return people.filter(user__display_name__icontains=q) if q else people


# --- A run's page: one page of its pairs, and figures for the whole run from the database ---

#: What the run page's "Show" filter offers (besides every pair).
LOCKED, NOT_READY = "locked", "not_ready"
MAX_NAMES = 10


def run_proposals(run: Run, *, q: str = "", show: str = "") -> Any:
    """The run's pairs, best score first, for the run page (``shown`` fetches a page of them
    to show). ``q`` holds one name or several separated by commas, and finds the pairs where
    either partner's name contains any of them; ``show`` keeps only locked pairs, or pairs
    where someone is not ready yet."""
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


PROPOSAL_COLUMNS = ("run", "mentor", "mentee", "score", "reasons", "warnings", "source")


def shown(run: Run, page: Any) -> list[Any]:
    """The pairs of one page of ``run_proposals`` (a slice of it), each with ``locked`` (a
    coordinator has locked the pair) and only the partners' names of their columns. The
    database picks the page's ids first, so it joins the partners and looks for locks for
    those rows only, not for every pair of the run."""
    return list(
        Proposal.objects.filter(pk__in=page.values("pk"))
        .select_related("mentor", "mentee")
        .only(*PROPOSAL_COLUMNS, "mentor__display_name", "mentee__display_name")
        .annotate(locked=Exists(_lock_of(run)))
        .order_by("-score", "pk")
    )


def _lock_of(run: Run) -> Any:
    return PairRule.objects.filter(
        cohort_id=run.cohort_id,
        kind=PairRule.Kind.LOCK,
        mentor_id=OuterRef("mentor_id"),
        mentee_id=OuterRef("mentee_id"),
    )


LEFT_OUT_SHOWN = 50  # people shown in each list of those a run did not pair


@dataclass
class LeftOut:
    """The people a run did not pair, in its two lists (each the first ``LEFT_OUT_SHOWN``
    by name), and how many each list holds in all."""

    not_paired: list[Unmatched]
    not_paired_count: int
    already_paired: list[Unmatched]
    already_paired_count: int


def left_out(run: Run) -> LeftOut:
    """The two lists of the run page, in one query however many people a run left out."""
    group = Case(
        When(reason=Unmatched.Reason.ALREADY_PAIRED, then=Value(1)),
        default=Value(0),
    )
    rows = (
        run.unmatched.select_related("user")
        .only("run", "role", "reason", "detail", "user__display_name")
        .annotate(
            group=group,
            position=Window(
                RowNumber(), partition_by=[group], order_by=[F("user__display_name"), F("pk")]
            ),
            size=Window(Count("pk"), partition_by=[group]),
        )
        .filter(position__lte=LEFT_OUT_SHOWN)
        .order_by("group", "position")
    )
    lists: dict[int, list[Any]] = {0: [], 1: []}
    sizes = {0: 0, 1: 0}
    for row in rows:
        lists[row.group].append(row)
        sizes[row.group] = row.size
    return LeftOut(lists[0], sizes[0], lists[1], sizes[1])


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


def score_bands(run: Run, bands: list[tuple[int, int]]) -> list[int]:
    """How many of the run's pairs score within each (lowest, highest) band: counted by the
    database in one query."""
    counted = run.proposals.aggregate(
        **{
            f"band{i}": Count("pk", filter=Q(score__gte=low, score__lte=high))
            for i, (low, high) in enumerate(bands)
        }
    )
    return [counted[f"band{i}"] for i in range(len(bands))]
