"""The matching engine: compatibility scores, hard constraints and an exact solver.

Pure NumPy/SciPy, no Django: the loader (``loader.py``) turns a cohort into a ``Problem`` and
the services save what ``solve`` returns. Everything here is vectorised over pairs; Python
loops run only over chosen pairs or over one person's row.

Scores are whole numbers from 0 to 100, so solvers work on exact integers and the same input
always gives the same pairs.

How it works (see docs/matching-solver.md for the measurements behind the choices):

* Scores are computed in blocks of mentor rows. Each of the four components is an exact
  fraction with denominator 60, so a score is ``round(100 * sum(w * n) / (60 * sum(w)))``
  done with small lookup tables and integer arithmetic (ties round to even, as ``round``).
* Blocks are kept as coordinates while few pairs are admissible, and as one int16 matrix
  (-1 where a pair is not admissible) once more than ``SPARSE_DENSITY`` of pairs are.
* Dense problems are solved with LAPJV (``lap.lapjv``), sparse ones with SciPy's LAPJVsp
  (``min_weight_full_bipartite_matching``) on a graph that always has a perfect matching,
  so "as many pairs as possible, then the highest total" holds even when not everyone can
  be paired. Someone allowed several partners is repeated; if that ever pairs the same two
  people twice, the pair is replaced by a small gadget that allows it once, and solved
  again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from fractions import Fraction

import lap
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching, min_weight_full_bipartite_matching

from . import engine_checks
from .engine_checks import InvalidProblem as InvalidProblem  # callers catch it from here

# Meeting modes
EITHER, IN_PERSON, ONLINE = 0, 1, 2
# Preference bits (see flipside.recruitment.models.Preference)
SAME_SITE, OTHER_SITE, NOT_MY_PROGRAMME = 1, 2, 4


class Forbid(IntEnum):
    """Why a pair may never be proposed (explicit pair lists; the rest are computed)."""

    NEVER = 1  # a coordinator's "never pair"
    NAMED = 2  # one of them named the other as a conflict
    PAST = 3  # paired before in an earlier cohort
    NOT_READY = 4  # (used in explanations only)


class Constraint(StrEnum):
    """Hard-constraint codes returned by ``check_pair`` and counted in ``Unplaced.excluded``."""

    TEACHING = "teaching"  # the mentee teaches/assesses the mentor's programme and year
    NAMED = "named"
    NEVER = "never"
    PAST = "past"
    DEPARTMENT = "department"  # same department, when the cohort asks
    MEET = "meet"  # cannot meet (modes or sites), when the cohort asks
    CAPACITY = "capacity"  # already has as many partners as allowed


@dataclass
class People:
    """One side (mentors or mentees), one entry per person, ordered by user id."""

    ids: np.ndarray  # int64 (n,)  user ids, ascending
    topics: np.ndarray  # uint64 (n, W) bit sets of topic indices (topic k: word k//64, bit k%64)
    slots: np.ndarray  # int32 (n,) bit set of availability slot indices (AVAILABILITY_SLOTS)
    mode: np.ndarray  # int8 (n,) EITHER (also unknown), IN_PERSON or ONLINE
    site: np.ndarray  # int32 (n,) site id, -1 unknown
    department: np.ndarray  # int32 (n,) code of the normalised department, -1 none
    study: np.ndarray  # int32 (n,) mentors: index of (programme, year) in study codes, else -1
    programme: np.ndarray  # int32 (n,) mentors: index of their programme, else -1
    teaching: np.ndarray  # bool (n, K) mentees: the (programme, year) codes they teach
    teaching_programmes: np.ndarray  # bool (n, P) mentees: the programmes they teach
    prefs: np.ndarray  # int8 (n,) preference bits
    capacity: np.ndarray  # int16 (n,) partners allowed, >= 1

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass
class Weights:
    topics: int = 5
    availability: int = 4
    mode_site: int = 2
    preferences: int = 2


@dataclass
class Problem:
    mentors: People
    mentees: People
    weights: Weights = field(default_factory=Weights)
    avoid_same_department: bool = False
    require_meetable: bool = True
    # Explicit forbidden pairs as (mentor index, mentee index) rows, with a Forbid code each
    forbidden: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    forbidden_why: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    # Locked pairs as (mentor index, mentee index) rows: always in the result
    locks: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    mode: str = "best"  # or "fairest"


class BrokenLock(ValueError):
    """A lock breaks a hard constraint (perhaps one added after the lock)."""

    def __init__(self, mentor: int, mentee: int, constraints: list[Constraint]) -> None:
        self.mentor, self.mentee, self.constraints = mentor, mentee, constraints
        super().__init__(f"lock {mentor}-{mentee} breaks {', '.join(constraints)}")


class SolverError(AssertionError):
    """An internal check failed: a solver returned pairs that break a rule. A bug, never
    a property of the cohort; nothing is saved."""


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


@dataclass
class Unplaced:
    """Someone left without a partner, and why."""

    index: int
    reason: str  # "no_partner" (nobody admissible at all), "conflict" (every partner excluded
    #              by a constraint), or "taken" (admissible partners exist but went elsewhere)
    excluded: dict[str, int]  # Constraint code -> number of partners it excluded


@dataclass
class Result:
    pairs: np.ndarray  # int64 (p, 2) (mentor index, mentee index), locks included, sorted
    scores: np.ndarray  # int16 (p,)
    locked: np.ndarray  # bool (p,)
    unplaced_mentors: list[Unplaced]
    unplaced_mentees: list[Unplaced]
    solver: str  # e.g. "lapjv-dense" or "lapjvsp-sparse"
    # seconds: "score" (scores and constraints), "solve" (the solver itself, with its cost
    # matrix), "check" (preparing the solver's input, verifying its answer, explanations)
    timings: dict[str, float]

    @property
    def matched(self) -> int:
        return int(self.pairs.shape[0])

    @property
    def total(self) -> int:
        return int(self.scores.sum())

    @property
    def minimum(self) -> int | None:
        return int(self.scores.min()) if self.scores.size else None


Progress = Callable[[int, str], None]  # (percent 0-100 within solving, plain-English step)

# ---------------------------------------------------------------------------------------------
# Tuning (measured with bench/matching.py; see docs/matching-solver.md)

#: Pairs scored per block (mentor rows x mentees): bounds the memory used while scoring.
BLOCK_CELLS = 1 << 18
#: Use the sparse solver when at most this share of pairs is admissible ...
SPARSE_DENSITY = 0.20
#: ... and the problem has at least this many pairs (smaller ones are instant either way).
SPARSE_MIN_CELLS = 250_000
#: lap's LAPJV uses 1,000,000 as "infinity" internally, so its costs must stay well below
#: that. Above this cost for an inadmissible cell the dense result is checked (see
#: ``_dense_solve``) and, in the rare case it has too few pairs, solved again exactly by SciPy.
LAPJV_MAX_COST = 200_000

# Every component is a fraction with denominator 60 (halves, thirds, tenths, 1/4, 1/5, 1/6).
_UNIT = 60
_CONSTRAINT_ORDER = [
    Constraint.TEACHING,
    Constraint.NAMED,
    Constraint.NEVER,
    Constraint.PAST,
    Constraint.DEPARTMENT,
    Constraint.MEET,
]
_FORBID_CONSTRAINT = {
    int(Forbid.NEVER): Constraint.NEVER,
    int(Forbid.NAMED): Constraint.NAMED,
    int(Forbid.PAST): Constraint.PAST,
}
_COMPONENTS = ("topics", "availability", "mode_site", "preferences")


# ---------------------------------------------------------------------------------------------
# Component values, as numerators over 60 (shared by the vectorised and the one-pair code)


def _topics_num(common: int, wanted: int) -> int:
    if wanted == 0:
        return _UNIT // 2
    return min(common, 3) * _UNIT // min(wanted, 3)


def _availability_num(common: int, empty: bool) -> int:
    return _UNIT // 2 if empty else min(common, 3) * _UNIT // 3


def _site_relation(site_a: int, site_b: int) -> int:
    """0 same known site, 1 a site unknown, 2 different known sites."""
    if site_a < 0 or site_b < 0:
        return 1
    return 0 if site_a == site_b else 2


def _mode_site_num(mode_a: int, mode_b: int, relation: int) -> int:
    if mode_a != IN_PERSON and mode_b != IN_PERSON:
        return _UNIT
    if mode_a != ONLINE and mode_b != ONLINE:
        return (_UNIT, _UNIT * 6 // 10, _UNIT * 3 // 10)[relation]
    return 0


def _cannot_meet(mode_a: int, mode_b: int, relation: int) -> bool:
    if {mode_a, mode_b} == {IN_PERSON, ONLINE}:
        return True
    return mode_a == IN_PERSON and mode_b == IN_PERSON and relation == 2


def _met_bits(relation: int, not_programme: bool) -> int:
    """The preference bits a pair satisfies (for whoever asked)."""
    bits = SAME_SITE if relation == 0 else OTHER_SITE if relation == 2 else 0
    return bits | (NOT_MY_PROGRAMME if not_programme else 0)


def _preferences_num(prefs_a: int, prefs_b: int, met: int) -> int:
    stated = (prefs_a & 7).bit_count() + (prefs_b & 7).bit_count()
    if stated == 0:
        return _UNIT
    hits = (prefs_a & met & 7).bit_count() + (prefs_b & met & 7).bit_count()
    return hits * _UNIT // stated


def _round_score(numerator: int, weight_sum: int) -> int:
    """round(100 * numerator / (60 * weight_sum)), ties to even like Python's round."""
    return round(Fraction(100 * numerator, _UNIT * weight_sum))


def _weight_list(weights: Weights) -> list[int]:
    return engine_checks.weights(weights)


# ---------------------------------------------------------------------------------------------
# Per-problem preparation: small per-person codes and lookup tables


def _matrix(values: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """A per-person array as (people, columns), even with nobody or one column."""
    x = np.asarray(values, dtype=dtype)
    if x.ndim == 1:
        return x[:, None]
    return x if x.ndim == 2 else x.reshape(x.shape[0], int(np.prod(x.shape[1:])))


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
class _Prep:
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
    f_codes: np.ndarray  # index into _CONSTRAINT_ORDER
    # tables and weights
    slot_mult: int  # weighted availability numerator per slot in common (up to 3)
    slot_none: int  # weighted availability numerator when someone gave no times
    lut_mp: np.ndarray  # int16 weighted mode/site + preferences numerators, + _MEET if cannot
    lut_score: np.ndarray  # int16 score by total numerator
    avoid_department: bool
    require_meetable: bool


# The mode/site/preferences table index:
#   mode_i * 2304 + prefs_i * 96 + unknown_site_i * 4      (row part)
# + mode_j * 768 + prefs_j * 12 + unknown_site_j * 4 + 1   (column part)
# + 2 * (same known site) - (mentee teaches the mentor's programme or same department)
_MP_MI, _MP_PI, _MP_MJ, _MP_PJ, _MP_UNKNOWN, _MP_SAME = 2304, 96, 768, 12, 4, 2
_MP_SIZE = 3 * _MP_MI
_MEET = 4096  # flag added to a table entry when the two cannot meet (numerators are < 2401)


def _tables(w: list[int]) -> tuple[np.ndarray, np.ndarray]:
    _wt, _wa, wm, wp = w
    mp = np.zeros(_MP_SIZE, dtype=np.int16)
    for mi, mj, pi, pj, unknown, same, not_programme in np.ndindex(3, 3, 8, 8, 3, 2, 2):
        k = mi * _MP_MI + pi * _MP_PI + mj * _MP_MJ + pj * _MP_PJ
        k += unknown * _MP_UNKNOWN + same * _MP_SAME + not_programme
        relation = 1 if unknown else (0 if same else 2)
        met = _met_bits(relation, bool(not_programme))
        value = wm * _mode_site_num(mi, mj, relation) + wp * _preferences_num(pi, pj, met)
        mp[k] = value + (_MEET if _cannot_meet(mi, mj, relation) else 0)
    total = sum(w)
    score = np.array([_round_score(x, total) for x in range(_UNIT * total + 1)], dtype=np.int16)
    return mp, score


_TABLES: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}


def _prepare(problem: Problem) -> _Prep:
    """Per-problem tables; refuses a malformed problem (InvalidProblem) first."""
    engine_checks.validate(problem)
    w = _weight_list(problem.weights)
    key = tuple(w)
    if key not in _TABLES:
        _TABLES[key] = _tables(w)
    lut_mp, lut_score = _TABLES[key]
    wt, wa = w[0], w[1]
    a, b = problem.mentors, problem.mentees
    n, m = len(a), len(b)

    def modes(p: People) -> np.ndarray:
        mode = np.asarray(p.mode, dtype=np.int16)
        return np.where((mode == IN_PERSON) | (mode == ONLINE), mode, EITHER).astype(np.int16)

    def prefs(p: People) -> np.ndarray:
        return (np.asarray(p.prefs).astype(np.int16) & 7).astype(np.int16)

    r_topics, c_topics = _narrow_pair(a.topics, b.topics, n, m)
    wanted = np.bitwise_count(_matrix(b.topics, dtype=np.uint64)).sum(axis=1, dtype=np.int64)
    wanted = np.minimum(wanted, 3)
    # min(common, 3) / min(wanted, 3): common <= wanted, so a whole number of 60ths per topic
    per_topic = np.where(wanted > 0, _UNIT // np.maximum(wanted, 1), 0)
    slots_a = np.asarray(a.slots, dtype=np.int64) & 0x7FFF
    slots_b = np.asarray(b.slots, dtype=np.int64) & 0x7FFF
    teaching = _matrix(b.teaching, dtype=bool)
    teaching_p = _matrix(b.teaching_programmes, dtype=bool)
    k, p = teaching.shape[1], teaching_p.shape[1]
    teach_t = np.zeros((k + 1, m), dtype=bool)
    teach_t[:k] = teaching.T
    prog_t = np.zeros((p + 1, m), dtype=bool)
    prog_t[:p] = teaching_p.T
    site_a, site_b = np.asarray(a.site, dtype=np.int64), np.asarray(b.site, dtype=np.int64)
    dept_a = np.asarray(a.department, dtype=np.int64)
    dept_b = np.asarray(b.department, dtype=np.int64)
    f_rows, f_cols, f_codes = _forbidden_lists(problem, n, m)
    r_mp = modes(a) * _MP_MI + prefs(a) * _MP_PI + (site_a < 0) * _MP_UNKNOWN
    c_mp = modes(b) * _MP_MJ + prefs(b) * _MP_PJ + (site_b < 0) * _MP_UNKNOWN + 1
    return _Prep(
        n=n,
        m=m,
        weight_sum=sum(w),
        r_topics=r_topics,
        r_slots=slots_a.astype(np.uint16),
        r_slots_empty=slots_a == 0,
        # Unknown sites and departments never compare equal (-1 against -2).
        r_site=np.where(site_a >= 0, site_a, -1),
        r_dept=np.where(dept_a >= 0, dept_a, -1),
        r_study=_index_or(a.study, k),
        r_prog=_index_or(a.programme, p),
        r_mp=r_mp.astype(np.int16),
        c_topics=c_topics,
        c_topic_mult=(wt * per_topic).astype(np.int16),
        c_topic_base=np.where(wanted > 0, 0, wt * _UNIT // 2).astype(np.int16),
        c_slots=slots_b.astype(np.uint16),
        c_slots_empty=slots_b == 0,
        c_site=np.where(site_b >= 0, site_b, -2),
        c_dept=np.where(dept_b >= 0, dept_b, -2),
        c_mp=c_mp.astype(np.int16),
        teach_t=teach_t,
        prog_t=prog_t,
        f_rows=f_rows,
        f_cols=f_cols,
        f_codes=f_codes,
        slot_mult=wa * _UNIT // 3,
        slot_none=wa * _UNIT // 2,
        lut_mp=lut_mp,
        lut_score=lut_score,
        avoid_department=bool(problem.avoid_same_department),
        require_meetable=bool(problem.require_meetable),
    )


def _narrow_pair(ta: np.ndarray, tb: np.ndarray, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    a = _matrix(ta, dtype=np.uint64)
    b = _matrix(tb, dtype=np.uint64)
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


def _forbidden_lists(problem: Problem, n: int, m: int) -> tuple[np.ndarray, ...]:
    # Shapes and indices were checked by engine_checks.validate.
    pairs = np.asarray(problem.forbidden, dtype=np.int64).reshape(-1, 2)
    why = np.asarray(problem.forbidden_why, dtype=np.int64).reshape(-1)
    order = {c: k for k, c in enumerate(_CONSTRAINT_ORDER)}
    codes = np.array(
        [order[_FORBID_CONSTRAINT.get(int(x), Constraint.NEVER)] for x in why], dtype=np.int8
    )
    return pairs[:, 0].copy(), pairs[:, 1].copy(), codes


# ---------------------------------------------------------------------------------------------
# Vectorised scoring of a block of pairs


Rows = slice | np.ndarray


def _block(
    pp: _Prep,
    rows: Rows,
    cols: np.ndarray | None = None,
    *,
    masks: bool = False,
    scores: bool = True,
) -> tuple[np.ndarray, np.ndarray, dict[Constraint, np.ndarray]]:
    """Scores (int16; zeros unless ``scores``), admissibility (bool) and, if ``masks``, the
    masks of the department and meeting constraints when they apply, for mentors ``rows``
    (a slice or index array) x mentees ``cols`` (all if None)."""

    def c(x: np.ndarray) -> np.ndarray:
        return x if cols is None else x[cols]

    r_idx = np.arange(pp.n)[rows]
    shape = (r_idx.size, pp.m if cols is None else len(cols))
    if 0 in shape:
        return np.zeros(shape, dtype=np.int16), np.zeros(shape, dtype=bool), {}

    # Mode, site and preferences: one table look-up (with a flag for "cannot meet")
    mp = np.add(pp.r_mp[rows][:, None], c(pp.c_mp)[None, :], dtype=np.int16)
    same_site = pp.r_site[rows][:, None] == c(pp.c_site)[None, :]
    mp += same_site
    mp += same_site
    del same_site
    dept_eq = pp.r_dept[rows][:, None] == c(pp.c_dept)[None, :]
    prog_t = pp.prog_t if cols is None else pp.prog_t[:, cols]
    own = prog_t[pp.r_prog[rows]]
    own |= dept_eq
    mp -= own
    del own
    num = np.take(pp.lut_mp, mp.astype(np.intp))
    del mp
    meet = num >= _MEET
    num &= _MEET - 1

    if scores:
        # Topics: min(common, 3) times the mentee's share per topic (or a half if none hoped)
        rt, ct = pp.r_topics[rows], c(pp.c_topics)
        common = np.bitwise_count(rt[:, None, 0] & ct[None, :, 0])
        for word in range(1, rt.shape[1]):
            common += np.bitwise_count(rt[:, None, word] & ct[None, :, word])
        np.minimum(common, 3, out=common)
        num += np.multiply(common, c(pp.c_topic_mult)[None, :], dtype=np.int16)
        base = c(pp.c_topic_base)
        if base.any():
            num += base[None, :]
        del common
        # Availability: min(common slots, 3) thirds, or a half when someone gave none
        av = np.bitwise_count(pp.r_slots[rows][:, None] & c(pp.c_slots)[None, :])
        np.minimum(av, 3, out=av)
        part = np.multiply(av, np.int16(pp.slot_mult), dtype=np.int16)
        del av
        part[pp.r_slots_empty[rows]] = pp.slot_none
        part[:, c(pp.c_slots_empty)] = pp.slot_none
        num += part
        del part
        found_scores = np.take(pp.lut_score, num.astype(np.intp))
    else:
        found_scores = np.zeros(shape, dtype=np.int16)
    del num

    # Hard constraints
    teach_t = pp.teach_t if cols is None else pp.teach_t[:, cols]
    blocked = teach_t[pp.r_study[rows]]
    if pp.require_meetable:
        blocked |= meet
    if pp.avoid_department:
        blocked |= dept_eq
    found: dict[Constraint, np.ndarray] = {}
    if masks:
        # The computed constraints that only pair-by-pair work can count (the rest are
        # counted from their lists in ``_unplaced``)
        if pp.avoid_department:
            found[Constraint.DEPARTMENT] = dept_eq
        if pp.require_meetable:
            found[Constraint.MEET] = meet
    # Explicit forbidden pairs in this block
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
    return found_scores, ~blocked, found


def _row_blocks(n: int, m: int) -> Iterator[slice]:
    step = max(1, BLOCK_CELLS // max(1, m))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def score_rows(problem: Problem, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    """Scores (int16) and admissibility (bool) of mentors[rows] against every mentee."""
    pp = _prepare(problem)
    scores, admissible, _masks = _block(pp, rows)
    return scores, admissible


def dense_scores(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Scores (int16, n x m) and admissibility (bool, n x m) of every pair. For tests,
    benchmarks and small cohorts: ``solve`` itself never needs both at once."""
    pp = _prepare(problem)
    scores = np.zeros((pp.n, pp.m), dtype=np.int16)
    admissible = np.zeros((pp.n, pp.m), dtype=bool)
    for rows in _row_blocks(pp.n, pp.m):
        scores[rows], admissible[rows], _masks = _block(pp, rows)
    return scores, admissible


# ---------------------------------------------------------------------------------------------
# One pair at a time (explanations, checks, locks): plain Python on the problem's arrays


def _mode(value: int) -> int:
    return value if value in (IN_PERSON, ONLINE) else EITHER


def _bits(words: np.ndarray) -> list[int]:
    found = []
    for word, value in enumerate(np.asarray(words, dtype=np.uint64).reshape(-1).tolist()):
        x = int(value)
        while x:
            low = x & -x
            found.append(word * 64 + low.bit_length() - 1)
            x ^= low
    return found


def _own_programme(problem: Problem, i: int, j: int) -> bool:
    """The mentee teaches the mentor's programme, or both are in the same department."""
    a, b = problem.mentors, problem.mentees
    prog = int(a.programme[i])
    taught = _matrix(b.teaching_programmes)
    if 0 <= prog < taught.shape[1] and bool(taught[j, prog]):
        return True
    da, db = int(a.department[i]), int(b.department[j])
    return da >= 0 and db >= 0 and da == db


@dataclass
class _PairFacts:
    nums: list[int]  # component numerators over 60
    topics: list[int]
    slots: list[int]
    relation: int
    modes: tuple[int, int]
    met: int


def _facts(problem: Problem, i: int, j: int) -> _PairFacts:
    a, b = problem.mentors, problem.mentees
    ta = _matrix(a.topics)[i]
    tb = _matrix(b.topics)[j]
    wanted = _bits(tb)
    offered = set(_bits(ta))
    topics = [k for k in wanted if k in offered]
    sa, sb = int(a.slots[i]) & 0x7FFF, int(b.slots[j]) & 0x7FFF
    slots = _bits(np.array([sa & sb], dtype=np.uint64))
    relation = _site_relation(int(a.site[i]), int(b.site[j]))
    mi, mj = _mode(int(a.mode[i])), _mode(int(b.mode[j]))
    met = _met_bits(relation, not _own_programme(problem, i, j))
    nums = [
        _topics_num(len(topics), len(wanted)),
        _availability_num(len(slots), sa == 0 or sb == 0),
        _mode_site_num(mi, mj, relation),
        _preferences_num(int(a.prefs[i]), int(b.prefs[j]), met),
    ]
    return _PairFacts(nums, topics, slots, relation, (mi, mj), met)


def _score_of(problem: Problem, facts: _PairFacts) -> int:
    w = _weight_list(problem.weights)
    return _round_score(sum(x * y for x, y in zip(w, facts.nums, strict=True)), sum(w))


def breakdown(problem: Problem, mentor: int, mentee: int) -> Breakdown:
    engine_checks.pair(problem, mentor, mentee)
    facts = _facts(problem, mentor, mentee)
    w = _weight_list(problem.weights)
    total = sum(w)
    points = {
        name: round(100 * weight * num / (_UNIT * total), 2)
        for name, weight, num in zip(_COMPONENTS, w, facts.nums, strict=True)
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
        score=_score_of(problem, facts),
        points=points,
        topics=facts.topics,
        slots=facts.slots,
        meeting=meeting,
        prefs_met=met,
        prefs_unmet=unmet,
    )


def check_pair(problem: Problem, mentor: int, mentee: int) -> list[Constraint]:
    """The hard constraints pairing these two would break (capacity not included)."""
    engine_checks.pair(problem, mentor, mentee)
    a, b = problem.mentors, problem.mentees
    broken: set[Constraint] = set()
    study = int(a.study[mentor])
    teaching = _matrix(b.teaching)
    if 0 <= study < teaching.shape[1] and bool(teaching[mentee, study]):
        broken.add(Constraint.TEACHING)
    pairs = np.asarray(problem.forbidden, dtype=np.int64).reshape(-1, 2)
    if pairs.size:
        why = np.asarray(problem.forbidden_why).reshape(-1)
        for k in np.flatnonzero((pairs[:, 0] == mentor) & (pairs[:, 1] == mentee)).tolist():
            code = int(why[k]) if k < why.shape[0] else int(Forbid.NEVER)
            broken.add(_FORBID_CONSTRAINT.get(code, Constraint.NEVER))
    da, db = int(a.department[mentor]), int(b.department[mentee])
    if problem.avoid_same_department and da >= 0 and da == db:
        broken.add(Constraint.DEPARTMENT)
    relation = _site_relation(int(a.site[mentor]), int(b.site[mentee]))
    modes = _mode(int(a.mode[mentor])), _mode(int(b.mode[mentee]))
    if problem.require_meetable and _cannot_meet(*modes, relation):
        broken.add(Constraint.MEET)
    return [c for c in _CONSTRAINT_ORDER if c in broken]


def candidates(
    problem: Problem, *, mentor: int | None = None, mentee: int | None = None,
    spare: np.ndarray | None = None, limit: int = 5,
) -> list[tuple[int, int]]:  # fmt: skip
    """Best admissible partners for one person, as (index, score), best first, ties by index.
    ``spare`` is a bool mask over the other side: who still has room for a partner."""
    if (mentor is None) == (mentee is None):
        raise ValueError("give exactly one of mentor= or mentee=")
    pp = _prepare(problem)
    if mentor is not None:
        scores, admissible, _masks = _block(pp, slice(mentor, mentor + 1))
    else:
        scores, admissible, _masks = _block(pp, slice(None), np.array([mentee], dtype=np.intp))
    scores, ok = scores.reshape(-1), admissible.reshape(-1)
    if spare is not None:
        ok = ok & np.asarray(spare, dtype=bool).reshape(-1)
    index = np.flatnonzero(ok)
    order = np.lexsort((index, -scores[index].astype(np.int32)))[: max(0, limit)]
    return [(int(index[k]), int(scores[index[k]])) for k in order]


# ---------------------------------------------------------------------------------------------
# Solving


@dataclass
class _Store:
    """The admissible pairs of the part of the problem left after locks: one int16 matrix
    (-1 where not admissible) or, when few pairs are admissible, coordinates sorted by row
    then column."""

    n: int
    m: int
    dense: np.ndarray | None = None
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))

    def lookup(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Scores of pairs, -1 for pairs not admissible."""
        if self.dense is not None:
            return self.dense[i, j]
        keys = self.rows.astype(np.int64) * self.m + self.cols
        want = np.asarray(i, dtype=np.int64) * self.m + np.asarray(j, dtype=np.int64)
        at = np.clip(np.searchsorted(keys, want), 0, max(0, keys.size - 1))
        found = keys[at] == want if keys.size else np.zeros(want.shape, dtype=bool)
        return np.where(found, self.scores[at] if keys.size else -1, -1).astype(np.int16)


def _score_all(pp: _Prep, method: str) -> _Store:
    n, m = pp.n, pp.m
    store = _Store(n, m)
    if method == "dense" or (method == "auto" and n * m < SPARSE_MIN_CELLS):
        limit = -1.0
    elif method == "sparse":
        limit = float("inf")
    else:
        limit = SPARSE_DENSITY * n * m
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    count = 0
    for rows in _row_blocks(n, m):
        scores, admissible, _masks = _block(pp, rows)
        if store.dense is None:
            r, c = np.nonzero(admissible)
            count += r.size
            if count <= limit:
                parts.append(((r + rows.start).astype(np.int32), c.astype(np.int32), scores[r, c]))
                continue
            store.dense = np.empty((n, m), dtype=np.int16)
            store.dense[: rows.start] = -1
            for pr, pc, ps in parts:
                store.dense[pr, pc] = ps
            parts = []
        scores[~admissible] = -1
        store.dense[rows] = scores
    if store.dense is None and parts:
        store.rows = np.concatenate([p[0] for p in parts])
        store.cols = np.concatenate([p[1] for p in parts])
        store.scores = np.concatenate([p[2] for p in parts]).astype(np.int16)
    return store


def _check_locks(
    problem: Problem, cap_r: np.ndarray, cap_c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The locks (unique, in the order given) and their scores; BrokenLock if one breaks a
    hard constraint or gives someone more partners than allowed."""
    locks = np.asarray(problem.locks, dtype=np.int64).reshape(-1, 2)
    seen: set[tuple[int, int]] = set()
    kept: list[tuple[int, int]] = []
    scores: list[int] = []
    used_r: dict[int, int] = {}
    used_c: dict[int, int] = {}
    for i, j in locks.tolist():
        if (i, j) in seen:
            continue
        seen.add((i, j))
        broken = check_pair(problem, i, j)
        if broken:
            raise BrokenLock(i, j, broken)
        used_r[i], used_c[j] = used_r.get(i, 0) + 1, used_c.get(j, 0) + 1
        if used_r[i] > cap_r[i] or used_c[j] > cap_c[j]:
            raise BrokenLock(i, j, [Constraint.CAPACITY])
        kept.append((i, j))
        scores.append(_score_of(problem, _facts(problem, i, j)))
    return (
        np.asarray(kept, dtype=np.int64).reshape(-1, 2),
        np.asarray(scores, dtype=np.int16),
    )


def _expand(
    ei: np.ndarray, ej: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges between people as edges between their copies (one copy per partner allowed):
    (copy row, copy column, index of the edge)."""
    r_start = np.concatenate([[0], np.cumsum(cap_r)])[:-1]
    c_start = np.concatenate([[0], np.cumsum(cap_c)])[:-1]
    k = cap_r[ei] * cap_c[ej]
    if ei.size == 0 or bool((k == 1).all()):
        return r_start[ei], c_start[ej], np.arange(ei.size)
    idx = np.repeat(np.arange(ei.size), k)
    within = np.arange(idx.size) - np.repeat(np.cumsum(k) - k, k)
    cj = cap_c[ej[idx]]
    return r_start[ei[idx]] + within // cj, c_start[ej[idx]] + within % cj, idx


def _copies(start: np.ndarray, cap: np.ndarray, person: int) -> np.ndarray:
    return start[person] + np.arange(cap[person])


def _max_cardinality(
    nr: int, nc: int, ei: np.ndarray, ej: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray
) -> int:
    """The most pairs possible (each person at most their capacity, each pair at most once),
    from edges sorted by row then column. Hopcroft-Karp on copies of people, with a gadget
    for each pair of two people who may both have several partners: a column e and a row f,
    matched as f-e (pair unused) or copy of i-e plus f-copy of j (pair used once)."""
    if ei.size == 0:
        return 0
    if bool((cap_r == 1).all()) and bool((cap_c == 1).all()):
        # Edges come sorted by row, so the CSR structure is built without a copy.
        indptr = np.concatenate([[0], np.cumsum(np.bincount(ei, minlength=nr))])
        simple = csr_matrix(
            (np.ones(ei.size, dtype=np.int8), ej.astype(np.int32, copy=False), indptr),
            shape=(nr, nc),
        )
        return int((maximum_bipartite_matching(simple, perm_type="column") >= 0).sum())
    cap_r, cap_c = cap_r.astype(np.int64), cap_c.astype(np.int64)
    total_r, total_c = int(cap_r.sum()), int(cap_c.sum())
    gadget = (cap_r[ei] > 1) & (cap_c[ej] > 1)
    ri, ci, _idx = _expand(ei[~gadget], ej[~gadget], cap_r, cap_c)
    rows, cols = [ri], [ci]
    g_i, g_j = ei[gadget], ej[gadget]
    g = int(g_i.size)
    if g:
        r_start = np.concatenate([[0], np.cumsum(cap_r)])[:-1]
        c_start = np.concatenate([[0], np.cumsum(cap_c)])[:-1]
        k = np.arange(g)
        # copies of i -> e_k
        rows.append(np.repeat(r_start[g_i], cap_r[g_i]) + _ranges(cap_r[g_i]))
        cols.append(np.repeat(total_c + k, cap_r[g_i]))
        # f_k -> e_k and f_k -> copies of j
        rows.append(total_r + k)
        cols.append(total_c + k)
        rows.append(np.repeat(total_r + k, cap_c[g_j]))
        cols.append(np.repeat(c_start[g_j], cap_c[g_j]) + _ranges(cap_c[g_j]))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    graph = csr_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(total_r + g, total_c + g))
    match = maximum_bipartite_matching(graph, perm_type="column")
    return int((match >= 0).sum()) - g


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each count c, concatenated."""
    counts = counts.astype(np.int64)
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


@dataclass
class _Free:
    """The part of the problem the solver decides: people with room for a partner and at
    least one admissible partner with room, in local indices."""

    rows: np.ndarray  # mentor indices
    cols: np.ndarray  # mentee indices
    cap_r: np.ndarray  # int64 places left
    cap_c: np.ndarray
    dense: np.ndarray | None  # int16 (len(rows), len(cols)), -1 not admissible
    ei: np.ndarray  # sparse edges (local), sorted
    ej: np.ndarray
    es: np.ndarray

    def edges(self, threshold: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.dense is None:
            keep = self.es >= threshold
            return self.ei[keep], self.ej[keep], self.es[keep]
        parts = []
        for rows in _row_blocks(self.dense.shape[0], self.dense.shape[1]):
            r, c = np.nonzero(self.dense[rows] >= max(threshold, 0))
            parts.append(((r + rows.start).astype(np.int32), c.astype(np.int32)))
        ei = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int32)
        ej = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int32)
        return ei, ej, self.dense[ei, ej]

    def restrict(self, threshold: int) -> None:
        """Drop pairs scoring below the threshold."""
        if self.dense is None:
            keep = self.es >= threshold
            self.ei, self.ej, self.es = self.ei[keep], self.ej[keep], self.es[keep]
            return
        for rows in _row_blocks(self.dense.shape[0], self.dense.shape[1]):
            block = self.dense[rows]
            block[block < threshold] = -1


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    found = np.unique(values, return_inverse=True)
    return found[0], found[1]


def _free_part(store: _Store, cap_r: np.ndarray, cap_c: np.ndarray) -> _Free:
    n, m = store.n, store.m
    open_r, open_c = cap_r > 0, cap_c > 0
    if store.dense is not None:
        has_r = np.zeros(n, dtype=bool)
        has_c = np.zeros(m, dtype=bool)
        for rows in _row_blocks(n, m):
            ok = store.dense[rows] >= 0
            ok &= open_c[None, :]
            ok &= open_r[rows, None]
            has_r[rows] = ok.any(axis=1)
            has_c |= ok.any(axis=0)
        rows_i, cols_j = np.flatnonzero(has_r), np.flatnonzero(has_c)
        if rows_i.size == n and cols_j.size == m:
            dense = store.dense
        else:
            dense = store.dense[np.ix_(rows_i, cols_j)]
        empty = np.zeros(0, dtype=np.int32)
        return _Free(
            rows_i, cols_j, cap_r[rows_i], cap_c[cols_j], dense, empty, empty,
            np.zeros(0, np.int16),
        )  # fmt: skip
    keep = open_r[store.rows] & open_c[store.cols]
    er, ec, es = store.rows[keep], store.cols[keep], store.scores[keep]
    rows_i, ei = _unique_inverse(er)
    cols_j, ej = _unique_inverse(ec)
    return _Free(
        rows_i, cols_j, cap_r[rows_i], cap_c[cols_j], None,
        ei.astype(np.int32), ej.astype(np.int32), es,
    )  # fmt: skip


def _dense_costs(
    d: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray, gadgets: np.ndarray, big: float
) -> np.ndarray:
    """The square cost matrix: a row per mentor place, a column per mentee place (then the
    gadgets' rows and columns, then padding). 100 - score for an admissible pair, ``big``
    for any other cell, 0 for padding."""
    nr, nc = d.shape
    rr, cc = np.repeat(np.arange(nr), cap_r), np.repeat(np.arange(nc), cap_c)
    r_total, c_total, g = rr.size, cc.size, int(gadgets.shape[0])
    size = max(r_total, c_total) + g
    cost = np.zeros((size, size), dtype=np.float64)
    for block in _row_blocks(r_total, c_total):
        part = d[block] if r_total == nr else d[rr[block]]
        if c_total != nc:
            part = part[:, cc]
        out = cost[block, :c_total]
        np.subtract(100.0, part, out=out)
        out[part < 0] = big
    if g:
        r_start = np.concatenate([[0], np.cumsum(cap_r)])[:-1]
        c_start = np.concatenate([[0], np.cumsum(cap_c)])[:-1]
        cost[:, c_total : c_total + g] = big
        cost[r_total : r_total + g, :] = big
        for k, (i, j) in enumerate(gadgets.tolist()):
            ri, cj = _copies(r_start, cap_r, i), _copies(c_start, cap_c, j)
            cost[np.ix_(ri, cj)] = big
            cost[ri, c_total + k] = 100 - int(d[i, j])
            cost[r_total + k, c_total + k] = 0
            cost[r_total + k, cj] = 0
    return cost


def _dense_solve(free: _Free, gadgets: np.ndarray, known: int | None) -> tuple[np.ndarray, str]:
    """LAPJV on the square cost matrix (``_dense_costs``). Returns local pairs (p, 2)."""
    d = free.dense
    if d is None:
        raise SolverError("the dense solver needs a score matrix")
    nr, nc = d.shape
    cap_r, cap_c = free.cap_r.astype(np.int64), free.cap_c.astype(np.int64)
    rr, cc = np.repeat(np.arange(nr), cap_r), np.repeat(np.arange(nc), cap_c)
    r_total, c_total, g = rr.size, cc.size, int(gadgets.shape[0])
    exact_big = 101 * (max(r_total, c_total) + g) + 1
    big = min(exact_big, LAPJV_MAX_COST)
    cost = _dense_costs(d, cap_r, cap_c, gadgets, big)
    x, _y = lap.lapjv(cost, extend_cost=False, return_cost=False)
    pairs = _decode(x, cost, big, rr, cc, gadgets, c_total)
    if big == exact_big or pairs.shape[0] == min(r_total, c_total):
        return pairs, "lapjv-dense"
    # Costs had to stay below LAPJV's internal limit, and not everyone is paired: prove no
    # pair was traded for a higher total, or solve again exactly.
    del cost
    if known is None:
        known = _cardinality_at(free, 0)
    if pairs.shape[0] >= known:
        return pairs, "lapjv-dense"
    cost = _dense_costs(d, cap_r, cap_c, gadgets, exact_big)
    rows, cols = linear_sum_assignment(cost)
    x = np.full(cost.shape[0], -1, dtype=np.int64)
    x[rows] = cols
    return _decode(x, cost, exact_big, rr, cc, gadgets, c_total), "lsa-dense"


def _decode(
    x: np.ndarray, cost: np.ndarray, big: float, rr: np.ndarray, cc: np.ndarray,
    gadgets: np.ndarray, c_total: int,
) -> np.ndarray:  # fmt: skip
    """Pairs of people from a row -> column assignment of every row (copies, then gadget
    rows, then padding). A cell costing ``big`` is never a pair: a place with no allowed
    partner left may be assigned one in a tie. A gadget's pair counts only when both of its
    halves are allowed cells: a copy of the mentor in its column and its row in a copy of
    the mentee."""
    r_total, g = rr.size, int(gadgets.shape[0])
    r = np.flatnonzero(x[:r_total] >= 0)
    col = x[r].astype(np.int64)
    allowed = cost[r, col] < big
    real = col < c_total
    ok = real & allowed
    pairs = [np.stack([rr[r[ok]], cc[col[ok]]], axis=1)]
    if g:
        k = col - c_total
        used = ~real & (k < g) & allowed
        k = k[used]
        f_col = x[r_total + k].astype(np.int64)
        both = (f_col >= 0) & (f_col < c_total) & (cost[r_total + k, f_col] < big)
        pairs.append(gadgets[k[both]].astype(np.int64))
    return np.concatenate(pairs).astype(np.int64).reshape(-1, 2)


def _sparse_solve(free: _Free, gadgets: np.ndarray) -> tuple[np.ndarray, str]:
    """SciPy's LAPJVsp on a graph that always has a perfect matching: each copy of a mentor
    has a private stand-in column and each copy of a mentee a private stand-in row (cost M,
    meaning "unpaired"), and stand-ins pair with each other at no cost along every
    admissible pair. With M larger than any possible gain in scores, the cheapest perfect
    matching has as many real pairs as possible, then the highest total score."""
    cap_r, cap_c = free.cap_r.astype(np.int64), free.cap_c.astype(np.int64)
    nr, nc = cap_r.size, cap_c.size
    r_total, c_total, g = int(cap_r.sum()), int(cap_c.sum()), int(gadgets.shape[0])
    size = r_total + g + c_total
    big = 101.0 * size + 1
    ei, ej, es = free.ei.astype(np.int64), free.ej.astype(np.int64), free.es.astype(np.int64)
    is_gadget = np.zeros(ei.size, dtype=bool)
    if g:
        keys = ei * max(nc, 1) + ej
        g_keys = gadgets[:, 0] * max(nc, 1) + gadgets[:, 1]
        is_gadget = np.isin(keys, g_keys)
    ri, ci, idx = _expand(ei, ej, cap_r, cap_c)
    direct = ~is_gadget[idx]
    rows = [ri[direct], np.arange(r_total), r_total + g + np.arange(c_total), r_total + g + ci]
    cols = [ci[direct], c_total + g + np.arange(r_total), np.arange(c_total), c_total + g + ri]
    weights = [
        101.0 - es[idx[direct]],
        np.full(r_total, big + 1),
        np.full(c_total, big + 1),
        np.ones(ri.size),
    ]
    if g:
        r_start = np.concatenate([[0], np.cumsum(cap_r)])[:-1]
        c_start = np.concatenate([[0], np.cumsum(cap_c)])[:-1]
        keys = ei * max(nc, 1) + ej
        at = np.searchsorted(keys, gadgets[:, 0] * max(nc, 1) + gadgets[:, 1])
        g_score = es[at]
        k = np.arange(g)
        gi, gj = gadgets[:, 0], gadgets[:, 1]
        rows += [np.repeat(r_start[gi], cap_r[gi]) + _ranges(cap_r[gi]), r_total + k]
        cols += [np.repeat(c_total + k, cap_r[gi]), c_total + k]
        weights += [np.repeat(101.0 - g_score, cap_r[gi]), np.ones(g)]
        rows.append(np.repeat(r_total + k, cap_c[gj]))
        cols.append(np.repeat(c_start[gj], cap_c[gj]) + _ranges(cap_c[gj]))
        weights.append(np.ones(int(cap_c[gj].sum())))
    row_index = np.concatenate([r.astype(np.int32) for r in rows])
    col_index = np.concatenate([c.astype(np.int32) for c in cols])
    del rows, cols, ri, ci, idx
    graph = coo_matrix((np.concatenate(weights), (row_index, col_index)), shape=(size, size))
    del row_index, col_index, weights
    graph = graph.tocsr()
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    x = np.full(size, -1, dtype=np.int64)
    x[row_ind] = col_ind
    x = x[:r_total]
    rr, cc = np.repeat(np.arange(nr), cap_r), np.repeat(np.arange(nc), cap_c)
    r = np.flatnonzero((x >= 0) & (x < c_total))
    pairs = [np.stack([rr[r], cc[x[r]]], axis=1)]
    if g:
        k = x - c_total
        inside = (k >= 0) & (k < g)
        pairs.append(gadgets[k[inside]])
    return np.concatenate(pairs).astype(np.int64).reshape(-1, 2), "lapjvsp-sparse"


def _solve_free(free: _Free, known: int | None) -> tuple[np.ndarray, str]:
    """Best pairs of the free part, in local indices. Copies of someone with several places
    may pair the same two people twice; those pairs get a gadget and the problem is solved
    again until no pair repeats."""
    gadgets = np.zeros((0, 2), dtype=np.int64)
    while True:
        if free.dense is not None:
            pairs, solver = _dense_solve(free, gadgets, known)
        else:
            pairs, solver = _sparse_solve(free, gadgets)
        keys, counts = np.unique(pairs[:, 0] * max(1, free.cols.size) + pairs[:, 1],
                                 return_counts=True)  # fmt: skip
        twice = keys[counts > 1]
        if twice.size == 0:
            return pairs, solver
        extra = np.stack([twice // max(1, free.cols.size), twice % max(1, free.cols.size)], 1)
        gadgets = np.unique(np.concatenate([gadgets, extra]), axis=0)


def _cardinality_at(free: _Free, threshold: int) -> int:
    """The most pairs possible using only pairs scoring at least ``threshold``. A dense
    matrix is read block by block straight into the graph, so no list of pairs is held."""
    nr, nc = free.rows.size, free.cols.size
    simple = bool((free.cap_r == 1).all()) and bool((free.cap_c == 1).all())
    if free.dense is None or not simple:
        ei, ej, _es = free.edges(threshold)
        return _max_cardinality(nr, nc, ei, ej, free.cap_r, free.cap_c)
    d = free.dense
    counts = np.zeros(nr, dtype=np.int64)
    for rows in _row_blocks(nr, nc):
        counts[rows] = np.count_nonzero(d[rows] >= threshold, axis=1)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    for rows in _row_blocks(nr, nc):
        _r, c = np.nonzero(d[rows] >= threshold)
        indices[indptr[rows.start] : indptr[rows.stop]] = c
    graph = csr_matrix((np.ones(indices.size, dtype=np.int8), indices, indptr), shape=(nr, nc))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def _score_values(free: _Free) -> np.ndarray:
    """The distinct scores of admissible pairs, ascending."""
    if free.dense is None:
        return np.unique(free.es)
    seen = np.zeros(102, dtype=np.int64)
    for rows in _row_blocks(free.dense.shape[0], free.dense.shape[1]):
        seen += np.bincount((free.dense[rows] + 1).ravel(), minlength=102)
    return np.flatnonzero(seen[1:])


def _fairest_threshold(free: _Free, lock_min: int | None) -> tuple[int, int]:
    """The highest score t such that pairs scoring at least t still give as many pairs as
    possible (capped by the lowest locked score), and that number of pairs. Binary search
    over the distinct scores, with Hopcroft-Karp at each step."""
    values = _score_values(free)
    most = _cardinality_at(free, 0) if values.size else 0
    if most == 0:
        return 0, most
    lo, hi = 0, values.size - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _cardinality_at(free, int(values[mid])) == most:
            lo = mid
        else:
            hi = mid - 1
    threshold = int(values[lo])
    if lock_min is not None:
        threshold = min(threshold, lock_min)
    return threshold, most


def solve(problem: Problem, progress: Progress | None = None, *, method: str = "auto") -> Result:
    """The best set of pairs: as many pairs as possible, then the highest total score (or, in
    "fairest" mode, the highest lowest score, then the highest total). Never a forbidden pair;
    locks always kept; capacities respected. Raises BrokenLock, or InvalidProblem for
    malformed input.

    ``method`` is "auto" (dense LAPJV unless few pairs are admissible), "dense" or "sparse".
    """
    if method not in ("auto", "dense", "sparse"):
        raise ValueError(f"unknown method {method!r}")

    def report(percent: int, step: str) -> None:
        if progress is not None:
            progress(percent, step)

    started = time.perf_counter()
    pp = _prepare(problem)
    n, m = pp.n, pp.m
    cap_r = np.asarray(problem.mentors.capacity, dtype=np.int64)
    cap_c = np.asarray(problem.mentees.capacity, dtype=np.int64)
    locks, lock_scores = _check_locks(problem, cap_r, cap_c)
    report(10, "Scoring pairs")
    store = _score_all(pp, method)
    scored = time.perf_counter()

    report(40, "Finding the best pairs")
    left_r = cap_r - np.bincount(locks[:, 0], minlength=n)
    left_c = cap_c - np.bincount(locks[:, 1], minlength=m)
    if locks.shape[0]:
        if store.dense is not None:
            store.dense[locks[:, 0], locks[:, 1]] = -1
        else:
            lock_keys = locks[:, 0] * m + locks[:, 1]
            keep = ~np.isin(store.rows.astype(np.int64) * m + store.cols, lock_keys)
            store.rows, store.cols = store.rows[keep], store.cols[keep]
            store.scores = store.scores[keep]
    summary = _summarise(store, left_r <= 0, left_c <= 0)
    free = _free_part(store, left_r, left_c)
    known = None
    solving = time.perf_counter()
    if problem.mode == "fairest" and free.rows.size and free.cols.size:
        lock_min = int(lock_scores.min()) if lock_scores.size else None
        threshold, known = _fairest_threshold(free, lock_min)
        free.restrict(threshold)
    if free.rows.size and free.cols.size:
        local, solver = _solve_free(free, known)
    else:
        local = np.zeros((0, 2), dtype=np.int64)
        solver = "lapjv-dense" if free.dense is not None else "lapjvsp-sparse"
    solved = time.perf_counter()
    chosen = np.stack([free.rows[local[:, 0]], free.cols[local[:, 1]]], axis=1).astype(np.int64)

    report(90, "Checking the pairs")
    chosen_scores = store.lookup(chosen[:, 0], chosen[:, 1]) if chosen.size else np.zeros(0)
    pairs = np.concatenate([locks, chosen.reshape(-1, 2)])
    scores = np.concatenate([lock_scores, np.asarray(chosen_scores, dtype=np.int16)])
    locked = np.concatenate([np.ones(locks.shape[0], bool), np.zeros(chosen.shape[0], bool)])
    _verify(pairs, scores, cap_r, cap_c, n, m)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs, scores, locked = pairs[order], scores[order].astype(np.int16), locked[order]

    placed_r = np.bincount(pairs[:, 0], minlength=n) > 0
    placed_c = np.bincount(pairs[:, 1], minlength=m) > 0
    del store, free
    unplaced_r, unplaced_c = _unplaced(
        pp, summary, np.flatnonzero(~placed_r), np.flatnonzero(~placed_c)
    )
    finished = time.perf_counter()
    report(100, "Done")
    return Result(
        pairs=pairs.astype(np.int64).reshape(-1, 2),
        scores=scores,
        locked=locked,
        unplaced_mentors=unplaced_r,
        unplaced_mentees=unplaced_c,
        solver=solver,
        timings={
            "score": scored - started,
            "solve": solved - solving,
            "check": (solving - scored) + (finished - solved),
        },
    )


def _verify(
    pairs: np.ndarray, scores: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray, n: int, m: int
) -> None:
    """Never trust a solver: every pair admissible, nobody over capacity, no pair twice."""
    if pairs.shape[0] == 0:
        return
    if (scores < 0).any():
        raise SolverError("a solver proposed a pair that is not admissible")
    if np.unique(pairs[:, 0] * m + pairs[:, 1]).size != pairs.shape[0]:
        raise SolverError("a solver proposed the same pair twice")
    if (np.bincount(pairs[:, 0], minlength=n) > cap_r).any():
        raise SolverError("a solver gave a mentor more partners than allowed")
    if (np.bincount(pairs[:, 1], minlength=m) > cap_c).any():
        raise SolverError("a solver gave a mentee more partners than allowed")


@dataclass
class _Summary:
    """Per person, before the solver: any admissible partner at all, and how many admissible
    partners are already full through locks."""

    any_r: np.ndarray
    any_c: np.ndarray
    full_r: np.ndarray  # int64 counts
    full_c: np.ndarray


def _summarise(store: _Store, full_r: np.ndarray, full_c: np.ndarray) -> _Summary:
    n, m = store.n, store.m
    if store.dense is None:
        return _Summary(
            any_r=np.bincount(store.rows, minlength=n) > 0,
            any_c=np.bincount(store.cols, minlength=m) > 0,
            full_r=np.bincount(store.rows[full_c[store.cols]], minlength=n),
            full_c=np.bincount(store.cols[full_r[store.rows]], minlength=m),
        )
    found = _Summary(
        np.zeros(n, bool), np.zeros(m, bool), np.zeros(n, np.int64), np.zeros(m, np.int64)
    )
    full_cols = np.flatnonzero(full_c)
    for rows in _row_blocks(n, m):
        ok = store.dense[rows] >= 0
        found.any_r[rows] = ok.any(axis=1)
        found.any_c |= ok.any(axis=0)
        if full_cols.size:
            found.full_r[rows] = np.count_nonzero(ok[:, full_cols], axis=1)
        full_rows = np.flatnonzero(full_r[rows])
        if full_rows.size:
            found.full_c += np.count_nonzero(ok[full_rows], axis=0)
    return found


def _unplaced(
    pp: _Prep, summary: _Summary, who_r: np.ndarray, who_c: np.ndarray
) -> tuple[list[Unplaced], list[Unplaced]]:
    """Why each unplaced person is unplaced, with how many partners each constraint
    excluded: explicit pairs and teaching conflicts are counted from their lists, the
    department and meeting rules pair by pair over the person's row or column."""
    n, m = pp.n, pp.m
    counts_r: dict[Constraint, np.ndarray] = {}
    counts_c: dict[Constraint, np.ndarray] = {}
    # Teaching: mentees teaching the mentor's study code / mentors studying what they teach
    k = pp.teach_t.shape[0] - 1
    counts_r[Constraint.TEACHING] = pp.teach_t.sum(axis=1)[pp.r_study]
    studying = np.bincount(pp.r_study, minlength=k + 1)[:k]
    counts_c[Constraint.TEACHING] = studying.astype(np.int64) @ pp.teach_t[:k].astype(np.int64)
    # Explicit pairs, once per pair and reason
    if pp.f_rows.size:
        unique = np.unique(np.stack([pp.f_rows, pp.f_cols, pp.f_codes.astype(np.int64)]), axis=1)
        for code in (Constraint.NAMED, Constraint.NEVER, Constraint.PAST):
            sel = unique[2] == _CONSTRAINT_ORDER.index(code)
            counts_r[code] = np.bincount(unique[0, sel], minlength=n)
            counts_c[code] = np.bincount(unique[1, sel], minlength=m)
    counts_r[Constraint.CAPACITY] = summary.full_r
    counts_c[Constraint.CAPACITY] = summary.full_c
    # Department and meeting rules, pair by pair for the people who need them
    if pp.avoid_department or pp.require_meetable:
        for code in (Constraint.DEPARTMENT, Constraint.MEET):
            counts_r[code] = np.zeros(n, dtype=np.int64)
            counts_c[code] = np.zeros(m, dtype=np.int64)
        step = max(1, BLOCK_CELLS // max(1, m))
        for start in range(0, who_r.size, step):
            rows = who_r[start : start + step]
            _scores, _ok, masks = _block(pp, rows, masks=True, scores=False)
            for code, mask in masks.items():
                counts_r[code][rows] = np.count_nonzero(mask, axis=1)
        step = max(1, BLOCK_CELLS // max(1, n))
        for start in range(0, who_c.size, step):
            cols = who_c[start : start + step]
            _scores, _ok, masks = _block(pp, slice(None), cols, masks=True, scores=False)
            for code, mask in masks.items():
                counts_c[code][cols] = np.count_nonzero(mask, axis=0)

    def explain(
        who: np.ndarray, counts: dict[Constraint, np.ndarray], any_ok: np.ndarray, others: int
    ) -> list[Unplaced]:
        found = []
        ordered = [(code, counts[code]) for code in [*_CONSTRAINT_ORDER, Constraint.CAPACITY]
                   if code in counts]  # fmt: skip
        for i in who.tolist():
            excluded = {str(code.value): int(v[i]) for code, v in ordered if v[i]}
            reason = "no_partner" if others == 0 else "taken" if any_ok[i] else "conflict"
            found.append(Unplaced(i, reason, excluded))
        return found

    return (
        explain(who_r, counts_r, summary.any_r, m),
        explain(who_c, counts_c, summary.any_c, n),
    )
