"""Explanations in numbers: why a pair scores what it does, and why someone is left
without a partner (``flipside.matching.explain`` puts both into words).

Who is unplaced is explained after solving, from a summary made before it (who had any
admissible partner at all, and how many were full through locks) and from the constraints
counted for the unplaced people only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .components import COMPONENTS, UNIT, pair_facts, score_of
from .graph import Store
from .problem import (
    CONSTRAINT_ORDER,
    IN_PERSON,
    NOT_MY_PROGRAMME,
    ONLINE,
    OTHER_SITE,
    SAME_SITE,
    Constraint,
    Problem,
    Unplaced,
    check_indices,
)
from .problem import weights as weight_list
from .scores import BLOCK_CELLS, Prep, block, row_blocks

Counts = dict[Constraint, np.ndarray]  # constraint -> partners it excluded, per person


@dataclass
class Breakdown:
    """Why a pair scores what it does, for explanations."""

    score: int
    points: dict[str, float]  # weighted contribution of each component to the score
    topics: list[int]  # topic indices the mentor offered and the mentee hoped for
    slots: list[int]  # availability slot indices both share
    meeting: str  # "online", "same_site", "in_person_other_site", "in_person_unknown_site",
    #               or "cannot_meet"
    prefs_met: list[tuple[str, int]]  # ("mentor" | "mentee", preference bit) satisfied
    prefs_unmet: list[tuple[str, int]]


def breakdown(problem: Problem, mentor: int, mentee: int) -> Breakdown:
    """Why the pair scores what it does: each component's points, the topics and times they
    share, how they could meet and which preferences are met."""
    check_indices(problem, mentor, mentee)
    facts = pair_facts(problem, mentor, mentee)
    w = weight_list(problem.weights)
    total = sum(w)
    points = {
        name: round(100 * weight * num / (UNIT * total), 2)
        for name, weight, num in zip(COMPONENTS, w, facts.nums, strict=True)
    }
    mi, mj = facts.modes
    both_online = mi != IN_PERSON and mj != IN_PERSON
    both_in_person = mi != ONLINE and mj != ONLINE
    if both_in_person and facts.relation == 0:
        meeting = "same_site"
    elif both_online:
        meeting = "online"
    elif both_in_person:
        meeting = "in_person_unknown_site" if facts.relation == 1 else "in_person_other_site"
    else:
        meeting = "cannot_meet"
    met: list[tuple[str, int]] = []
    unmet: list[tuple[str, int]] = []
    for who, prefs in (
        ("mentor", int(problem.mentors.prefs[mentor])),
        ("mentee", int(problem.mentees.prefs[mentee])),
    ):
        for bit in (SAME_SITE, OTHER_SITE, NOT_MY_PROGRAMME):
            if prefs & bit:
                (met if facts.met & bit else unmet).append((who, bit))
    return Breakdown(
        score=score_of(problem, facts),
        points=points,
        topics=facts.topics,
        slots=facts.slots,
        meeting=meeting,
        prefs_met=met,
        prefs_unmet=unmet,
    )


@dataclass
class Summary:
    """Per person, before the solver: any admissible partner at all, and how many admissible
    partners are already full through locks."""

    any_r: np.ndarray
    any_c: np.ndarray
    full_r: np.ndarray  # int64 counts
    full_c: np.ndarray


def summarise(store: Store, full_r: np.ndarray, full_c: np.ndarray) -> Summary:
    """The summary of the store (locked pairs set aside); ``full_r`` and ``full_c`` mark who
    has no place left after the locks."""
    n, m = store.n, store.m
    if store.dense is None:
        return Summary(
            any_r=np.bincount(store.rows, minlength=n) > 0,
            any_c=np.bincount(store.cols, minlength=m) > 0,
            full_r=np.bincount(store.rows[full_c[store.cols]], minlength=n),
            full_c=np.bincount(store.cols[full_r[store.rows]], minlength=m),
        )
    found = Summary(
        np.zeros(n, bool), np.zeros(m, bool), np.zeros(n, np.int64), np.zeros(m, np.int64)
    )
    full_cols = np.flatnonzero(full_c)
    for rows in row_blocks(n, m):
        ok = store.dense[rows] >= 0
        found.any_r[rows] = ok.any(axis=1)
        found.any_c |= ok.any(axis=0)
        if full_cols.size:
            found.full_r[rows] = np.count_nonzero(ok[:, full_cols], axis=1)
        full_rows = np.flatnonzero(full_r[rows])
        if full_rows.size:
            found.full_c += np.count_nonzero(ok[full_rows], axis=0)
    return found


def unplaced(
    pp: Prep, summary: Summary, who_r: np.ndarray, who_c: np.ndarray
) -> tuple[list[Unplaced], list[Unplaced]]:
    """Why each unplaced person is unplaced, with how many partners each constraint
    excluded: explicit pairs and teaching conflicts are counted from their lists, the
    department and meeting rules pair by pair over the person's row or column."""
    counts_r, counts_c = _listed_counts(pp, summary)
    if pp.avoid_department or pp.require_meetable:
        _pairwise_counts(pp, who_r, who_c, counts_r, counts_c)
    return (
        _explain(who_r, counts_r, summary.any_r, pp.m),
        _explain(who_c, counts_c, summary.any_c, pp.n),
    )


def _listed_counts(pp: Prep, summary: Summary) -> tuple[Counts, Counts]:
    """Partners excluded by teaching, by each kind of explicit pair and by capacity, for
    everyone (mentors, mentees)."""
    n, m = pp.n, pp.m
    counts_r: Counts = {}
    counts_c: Counts = {}
    # Teaching: mentees teaching the mentor's study code / mentors studying what they teach
    k = pp.teach_t.shape[0] - 1
    counts_r[Constraint.TEACHING] = pp.teach_t.sum(axis=1)[pp.r_study]
    studying = np.bincount(pp.r_study, minlength=k + 1)[:k]
    counts_c[Constraint.TEACHING] = studying.astype(np.int64) @ pp.teach_t[:k].astype(np.int64)
    # Explicit pairs, once per pair and reason
    if pp.f_rows.size:
        unique = np.unique(np.stack([pp.f_rows, pp.f_cols, pp.f_codes.astype(np.int64)]), axis=1)
        for code in (Constraint.NAMED, Constraint.NEVER, Constraint.PAST):
            sel = unique[2] == CONSTRAINT_ORDER.index(code)
            counts_r[code] = np.bincount(unique[0, sel], minlength=n)
            counts_c[code] = np.bincount(unique[1, sel], minlength=m)
    counts_r[Constraint.CAPACITY] = summary.full_r
    counts_c[Constraint.CAPACITY] = summary.full_c
    return counts_r, counts_c


def _pairwise_counts(
    pp: Prep, who_r: np.ndarray, who_c: np.ndarray, counts_r: Counts, counts_c: Counts
) -> None:
    """Add the department and meeting rules' counts, pair by pair over the rows of the
    unplaced mentors and the columns of the unplaced mentees only."""
    n, m = pp.n, pp.m
    for code in (Constraint.DEPARTMENT, Constraint.MEET):
        counts_r[code] = np.zeros(n, dtype=np.int64)
        counts_c[code] = np.zeros(m, dtype=np.int64)
    step = max(1, BLOCK_CELLS // max(1, m))
    for start in range(0, who_r.size, step):
        rows = who_r[start : start + step]
        _scores, _ok, masks = block(pp, rows, masks=True, scores=False)
        for code, mask in masks.items():
            counts_r[code][rows] = np.count_nonzero(mask, axis=1)
    step = max(1, BLOCK_CELLS // max(1, n))
    for start in range(0, who_c.size, step):
        cols = who_c[start : start + step]
        _scores, _ok, masks = block(pp, slice(None), cols, masks=True, scores=False)
        for code, mask in masks.items():
            counts_c[code][cols] = np.count_nonzero(mask, axis=0)


def _explain(who: np.ndarray, counts: Counts, any_ok: np.ndarray, others: int) -> list[Unplaced]:
    found = []
    ordered = [(code, counts[code]) for code in [*CONSTRAINT_ORDER, Constraint.CAPACITY]
               if code in counts]  # fmt: skip
    for i in who.tolist():
        excluded = {str(code.value): int(v[i]) for code, v in ordered if v[i]}
        reason = "no_partner" if others == 0 else "taken" if any_ok[i] else "conflict"
        found.append(Unplaced(i, reason, excluded))
    return found
