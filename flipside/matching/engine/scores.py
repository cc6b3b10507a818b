"""Scores and the pair-by-pair hard constraints of many pairs at once, vectorised over
blocks of mentor rows.

Each of the four components is an exact fraction with denominator 60 (``components.py``), so
a score is ``round(100 * sum(w * n) / (60 * sum(w)))`` done with small lookup tables and
integer arithmetic (ties round to even, as ``round``). Python loops run only over a block's
rows, never over pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .components import (
    UNIT,
    cannot_meet,
    matrix,
    met_bits,
    mode_site_num,
    preferences_num,
    round_score,
)
from .problem import (
    CONSTRAINT_ORDER,
    EITHER,
    FORBID_CONSTRAINT,
    IN_PERSON,
    ONLINE,
    Constraint,
    People,
    Problem,
    validate,
)
from .problem import weights as weight_list

#: Pairs scored per block (mentor rows x mentees): bounds the memory used while scoring.
#: (Measured with bench/matching.py; see docs/matching-solver.md.)
BLOCK_CELLS = 1 << 18


# ---------------------------------------------------------------------------------------------
# Per-problem preparation: small per-person codes and lookup tables


def _narrow_bits(words: np.ndarray) -> np.ndarray:
    """Bit sets in the narrowest unsigned type that holds them (less memory traffic)."""
    words = np.asarray(words, dtype=np.uint64)
    if words.ndim == 1:
        words = words[:, None]
    if words.shape[1] == 1:
        top = int(words.max()) if words.size else 0
        for dtype in (np.uint8, np.uint16, np.uint32):
            if top <= np.iinfo(dtype).max:
                return words.astype(dtype)
    return words


def _index_or(values: np.ndarray, limit: int) -> np.ndarray:
    """Indices with -1 (or anything out of range) sent to ``limit`` (an all-False row)."""
    v = np.asarray(values, dtype=np.int64)
    return np.where((v >= 0) & (v < limit), v, limit).astype(np.intp)


@dataclass
class Prep:
    n: int
    m: int
    weight_sum: int
    # mentors (rows)
    r_topics: np.ndarray
    r_slots: np.ndarray
    r_slots_empty: np.ndarray
    r_site: np.ndarray
    r_dept: np.ndarray
    r_study: np.ndarray
    r_prog: np.ndarray
    r_mp: np.ndarray  # int16 row part of the mode/site/preferences table index
    # mentees (columns)
    c_topics: np.ndarray
    c_topic_mult: np.ndarray  # int16 weighted topics numerator per topic in common
    c_topic_base: np.ndarray  # int16 weighted topics numerator when a mentee hoped for none
    c_slots: np.ndarray
    c_slots_empty: np.ndarray
    c_site: np.ndarray
    c_dept: np.ndarray
    c_mp: np.ndarray  # int16 column part
    teach_t: np.ndarray  # bool (K + 1, m): mentees teaching each study code; last row False
    prog_t: np.ndarray  # bool (P + 1, m)
    # explicit forbidden pairs
    f_rows: np.ndarray
    f_cols: np.ndarray
    f_codes: np.ndarray  # index into CONSTRAINT_ORDER
    # tables and weights
    slot_mult: int  # weighted availability numerator per slot in common (up to 3)
    slot_none: int  # weighted availability numerator when someone gave no times
    lut_mp: np.ndarray  # int16 weighted mode/site + preferences numerators, + MEET if cannot
    lut_score: np.ndarray  # int16 score by total numerator
    avoid_department: bool
    require_meetable: bool


# The mode/site/preferences table index:
#   mode_i * 2304 + prefs_i * 96 + unknown_site_i * 4      (row part)
# + mode_j * 768 + prefs_j * 12 + unknown_site_j * 4 + 1   (column part)
# + 2 * (same known site) - (mentee teaches the mentor's programme or same department)
_MP_MI, _MP_PI, _MP_MJ, _MP_PJ, _MP_UNKNOWN, _MP_SAME = 2304, 96, 768, 12, 4, 2
_MP_SIZE = 3 * _MP_MI
MEET = 4096  # flag added to a table entry when the two cannot meet (numerators are < 2401)


def _tables(w: list[int]) -> tuple[np.ndarray, np.ndarray]:
    _wt, _wa, wm, wp = w
    mp = np.zeros(_MP_SIZE, dtype=np.int16)
    for mi, mj, pi, pj, unknown, same, not_programme in np.ndindex(3, 3, 8, 8, 3, 2, 2):
        k = mi * _MP_MI + pi * _MP_PI + mj * _MP_MJ + pj * _MP_PJ
        k += unknown * _MP_UNKNOWN + same * _MP_SAME + not_programme
        relation = 1 if unknown else (0 if same else 2)
        met = met_bits(relation, bool(not_programme))
        value = wm * mode_site_num(mi, mj, relation) + wp * preferences_num(pi, pj, met)
        mp[k] = value + (MEET if cannot_meet(mi, mj, relation) else 0)
    total = sum(w)
    score = np.array([round_score(x, total) for x in range(UNIT * total + 1)], dtype=np.int16)
    return mp, score


_TABLES: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}


def prepare(problem: Problem) -> Prep:
    """Per-problem tables; refuses a malformed problem (InvalidProblem) first."""
    validate(problem)
    w = weight_list(problem.weights)
    key = tuple(w)
    if key not in _TABLES:
        _TABLES[key] = _tables(w)
    lut_mp, lut_score = _TABLES[key]
    a, b = problem.mentors, problem.mentees
    n, m = len(a), len(b)
    r_topics, c_topics = _narrow_pair(a.topics, b.topics, n, m)
    teach_t, prog_t = _teaching_tables(b, m)
    f_rows, f_cols, f_codes = _forbidden_lists(problem)
    return Prep(
        n=n,
        m=m,
        weight_sum=sum(w),
        **_mentor_columns(a, r_topics, teach_t.shape[0] - 1, prog_t.shape[0] - 1),
        **_mentee_columns(b, c_topics, w),
        teach_t=teach_t,
        prog_t=prog_t,
        f_rows=f_rows,
        f_cols=f_cols,
        f_codes=f_codes,
        slot_mult=w[1] * UNIT // 3,
        slot_none=w[1] * UNIT // 2,
        lut_mp=lut_mp,
        lut_score=lut_score,
        avoid_department=bool(problem.avoid_same_department),
        require_meetable=bool(problem.require_meetable),
    )


def _modes(p: People) -> np.ndarray:
    mode = np.asarray(p.mode, dtype=np.int16)
    return np.where((mode == IN_PERSON) | (mode == ONLINE), mode, EITHER).astype(np.int16)


def _prefs(p: People) -> np.ndarray:
    return (np.asarray(p.prefs).astype(np.int16) & 7).astype(np.int16)


def _mentor_columns(a: People, topics: np.ndarray, k: int, p: int) -> dict[str, Any]:
    """The mentors' (rows') arrays of ``Prep``; ``k`` study codes, ``p`` programmes."""
    slots = np.asarray(a.slots, dtype=np.int64) & 0x7FFF
    site = np.asarray(a.site, dtype=np.int64)
    dept = np.asarray(a.department, dtype=np.int64)
    mp = _modes(a) * _MP_MI + _prefs(a) * _MP_PI + (site < 0) * _MP_UNKNOWN
    return {
        "r_topics": topics,
        "r_slots": slots.astype(np.uint16),
        "r_slots_empty": slots == 0,
        # Unknown sites and departments never compare equal (-1 against -2).
        "r_site": np.where(site >= 0, site, -1),
        "r_dept": np.where(dept >= 0, dept, -1),
        "r_study": _index_or(a.study, k),
        "r_prog": _index_or(a.programme, p),
        "r_mp": mp.astype(np.int16),
    }


def _mentee_columns(b: People, topics: np.ndarray, w: list[int]) -> dict[str, Any]:
    """The mentees' (columns') arrays of ``Prep``."""
    wanted = np.bitwise_count(matrix(b.topics, dtype=np.uint64)).sum(axis=1, dtype=np.int64)
    wanted = np.minimum(wanted, 3)
    # min(common, 3) / min(wanted, 3): common <= wanted, so a whole number of 60ths per topic
    per_topic = np.where(wanted > 0, UNIT // np.maximum(wanted, 1), 0)
    slots = np.asarray(b.slots, dtype=np.int64) & 0x7FFF
    site = np.asarray(b.site, dtype=np.int64)
    dept = np.asarray(b.department, dtype=np.int64)
    mp = _modes(b) * _MP_MJ + _prefs(b) * _MP_PJ + (site < 0) * _MP_UNKNOWN + 1
    return {
        "c_topics": topics,
        "c_topic_mult": (w[0] * per_topic).astype(np.int16),
        "c_topic_base": np.where(wanted > 0, 0, w[0] * UNIT // 2).astype(np.int16),
        "c_slots": slots.astype(np.uint16),
        "c_slots_empty": slots == 0,
        "c_site": np.where(site >= 0, site, -2),
        "c_dept": np.where(dept >= 0, dept, -2),
        "c_mp": mp.astype(np.int16),
    }


def _teaching_tables(b: People, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Who teaches each study code and each programme, (codes + 1, mentees): the extra last
    row, all False, is where a mentor without a code looks."""
    teaching = matrix(b.teaching, dtype=bool)
    teaching_p = matrix(b.teaching_programmes, dtype=bool)
    k, p = teaching.shape[1], teaching_p.shape[1]
    teach_t = np.zeros((k + 1, m), dtype=bool)
    teach_t[:k] = teaching.T
    prog_t = np.zeros((p + 1, m), dtype=bool)
    prog_t[:p] = teaching_p.T
    return teach_t, prog_t


def _narrow_pair(ta: np.ndarray, tb: np.ndarray, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    a = matrix(ta, dtype=np.uint64)
    b = matrix(tb, dtype=np.uint64)
    words = max(a.shape[1], b.shape[1])
    if a.shape[1] < words:
        a = np.concatenate([a, np.zeros((n, words - a.shape[1]), np.uint64)], axis=1)
    if b.shape[1] < words:
        b = np.concatenate([b, np.zeros((m, words - b.shape[1]), np.uint64)], axis=1)
    if words == 1:
        both = np.concatenate([a, b])
        narrow = _narrow_bits(both)
        return narrow[:n], narrow[n:]
    return a, b


def _forbidden_lists(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Shapes and indices were checked by validate.
    pairs = np.asarray(problem.forbidden, dtype=np.int64).reshape(-1, 2)
    why = np.asarray(problem.forbidden_why, dtype=np.int64).reshape(-1)
    order = {c: k for k, c in enumerate(CONSTRAINT_ORDER)}
    codes = np.array(
        [order[FORBID_CONSTRAINT.get(int(x), Constraint.NEVER)] for x in why], dtype=np.int8
    )
    return pairs[:, 0].copy(), pairs[:, 1].copy(), codes


# ---------------------------------------------------------------------------------------------
# Vectorised scoring of a block of pairs


Rows = slice | np.ndarray


def block(
    pp: Prep,
    rows: Rows,
    cols: np.ndarray | None = None,
    *,
    masks: bool = False,
    scores: bool = True,
) -> tuple[np.ndarray, np.ndarray, dict[Constraint, np.ndarray]]:
    """Scores (int16; zeros unless ``scores``), admissibility (bool) and, if ``masks``, the
    masks of the department and meeting constraints when they apply, for mentors ``rows``
    (a slice or index array) x mentees ``cols`` (all if None)."""
    r_idx = np.arange(pp.n)[rows]
    shape = (r_idx.size, pp.m if cols is None else len(cols))
    if 0 in shape:
        return np.zeros(shape, dtype=np.int16), np.zeros(shape, dtype=bool), {}
    num, meet, dept_eq = _mode_site_preferences(pp, rows, cols)
    if scores:
        num += _topics(pp, rows, cols)
        num += _availability(pp, rows, cols)
        found_scores = np.take(pp.lut_score, num.astype(np.intp))
    else:
        found_scores = np.zeros(shape, dtype=np.int16)
    del num
    blocked = _blocked(pp, rows, cols, r_idx, meet, dept_eq)
    found: dict[Constraint, np.ndarray] = {}
    if masks:
        # The computed constraints that only pair-by-pair work can count (the rest are
        # counted from their lists in ``reasons.unplaced``)
        if pp.avoid_department:
            found[Constraint.DEPARTMENT] = dept_eq
        if pp.require_meetable:
            found[Constraint.MEET] = meet
    return found_scores, ~blocked, found


def _mode_site_preferences(
    pp: Prep, rows: Rows, cols: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The weighted mode/site and preferences numerators (int16), whether each pair cannot
    meet, and whether both are in the same department: one table look-up (with a flag for
    "cannot meet")."""
    c_mp = pp.c_mp if cols is None else pp.c_mp[cols]
    c_site = pp.c_site if cols is None else pp.c_site[cols]
    c_dept = pp.c_dept if cols is None else pp.c_dept[cols]
    mp = np.add(pp.r_mp[rows][:, None], c_mp[None, :], dtype=np.int16)
    same_site = pp.r_site[rows][:, None] == c_site[None, :]
    mp += same_site
    mp += same_site
    del same_site
    dept_eq = pp.r_dept[rows][:, None] == c_dept[None, :]
    prog_t = pp.prog_t if cols is None else pp.prog_t[:, cols]
    own = prog_t[pp.r_prog[rows]]
    own |= dept_eq
    mp -= own
    del own
    num = np.take(pp.lut_mp, mp.astype(np.intp))
    del mp
    meet = num >= MEET
    num &= MEET - 1
    return num, meet, dept_eq


def _topics(pp: Prep, rows: Rows, cols: np.ndarray | None) -> np.ndarray:
    """Weighted topics numerators: min(common, 3) times the mentee's share per topic (or a
    half if they hoped for none)."""
    ct = pp.c_topics if cols is None else pp.c_topics[cols]
    mult = pp.c_topic_mult if cols is None else pp.c_topic_mult[cols]
    base = pp.c_topic_base if cols is None else pp.c_topic_base[cols]
    rt = pp.r_topics[rows]
    common = np.bitwise_count(rt[:, None, 0] & ct[None, :, 0])
    for word in range(1, rt.shape[1]):
        common += np.bitwise_count(rt[:, None, word] & ct[None, :, word])
    np.minimum(common, 3, out=common)
    part = np.multiply(common, mult[None, :], dtype=np.int16)
    del common
    if base.any():
        part += base[None, :]
    return part


def _availability(pp: Prep, rows: Rows, cols: np.ndarray | None) -> np.ndarray:
    """Weighted availability numerators: min(common slots, 3) thirds, or a half when someone
    gave none."""
    c_slots = pp.c_slots if cols is None else pp.c_slots[cols]
    c_empty = pp.c_slots_empty if cols is None else pp.c_slots_empty[cols]
    av = np.bitwise_count(pp.r_slots[rows][:, None] & c_slots[None, :])
    np.minimum(av, 3, out=av)
    part = np.multiply(av, np.int16(pp.slot_mult), dtype=np.int16)
    del av
    part[pp.r_slots_empty[rows]] = pp.slot_none
    part[:, c_empty] = pp.slot_none
    return part


def _blocked(
    pp: Prep,
    rows: Rows,
    cols: np.ndarray | None,
    r_idx: np.ndarray,
    meet: np.ndarray,
    dept_eq: np.ndarray,
) -> np.ndarray:
    """The pairs a hard constraint forbids: teaching, and the meeting and department rules
    when they apply, then the explicit forbidden pairs in this block."""
    teach_t = pp.teach_t if cols is None else pp.teach_t[:, cols]
    blocked = teach_t[pp.r_study[rows]]
    if pp.require_meetable:
        blocked |= meet
    if pp.avoid_department:
        blocked |= dept_eq
    if pp.f_rows.size:
        r_pos = np.full(pp.n, -1, dtype=np.int64)
        r_pos[r_idx] = np.arange(r_idx.size)
        fr = r_pos[pp.f_rows]
        if cols is None:
            fc = pp.f_cols
        else:
            c_pos = np.full(pp.m, -1, dtype=np.int64)
            c_pos[np.asarray(cols)] = np.arange(len(cols))
            fc = c_pos[pp.f_cols]
        hit = (fr >= 0) & (fc >= 0)
        blocked[fr[hit], fc[hit]] = True
    return blocked


def row_blocks(n: int, m: int) -> Iterator[slice]:
    step = max(1, BLOCK_CELLS // max(1, m))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def score_rows(problem: Problem, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    """Scores (int16) and admissibility (bool) of mentors[rows] against every mentee."""
    pp = prepare(problem)
    scores, admissible, _masks = block(pp, rows)
    return scores, admissible


def dense_scores(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Scores (int16, n x m) and admissibility (bool, n x m) of every pair. For tests,
    benchmarks and small cohorts: ``solve`` itself never needs both at once."""
    pp = prepare(problem)
    scores = np.zeros((pp.n, pp.m), dtype=np.int16)
    admissible = np.zeros((pp.n, pp.m), dtype=bool)
    for rows in row_blocks(pp.n, pp.m):
        scores[rows], admissible[rows], _masks = block(pp, rows)
    return scores, admissible


def candidates(
    problem: Problem, *, mentor: int | None = None, mentee: int | None = None,
    spare: np.ndarray | None = None, limit: int = 5,
) -> list[tuple[int, int]]:  # fmt: skip
    """Best admissible partners for one person, as (index, score), best first, ties by index.
    ``spare`` is a bool mask over the other side: who still has room for a partner."""
    if (mentor is None) == (mentee is None):
        raise ValueError("give exactly one of mentor= or mentee=")
    pp = prepare(problem)
    if mentor is not None:
        scores, admissible, _masks = block(pp, slice(mentor, mentor + 1))
    else:
        scores, admissible, _masks = block(pp, slice(None), np.array([mentee], dtype=np.intp))
    scores, ok = scores.reshape(-1), admissible.reshape(-1)
    if spare is not None:
        ok = ok & np.asarray(spare, dtype=bool).reshape(-1)
    index = np.flatnonzero(ok)
    order = np.lexsort((index, -scores[index].astype(np.int32)))[: max(0, limit)]
    return [(int(index[k]), int(scores[index[k]])) for k in order]
