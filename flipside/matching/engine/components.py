"""The four parts of a score (topics, availability, meeting, preferences) as exact
numerators over 60, and the facts about one pair they are computed from.

The vectorised scoring (``scores.py``) builds its lookup tables from these same functions, so
a pair scores the same whether it is scored in a block of thousands or on its own (for an
explanation, a check or a lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .problem import (
    EITHER,
    IN_PERSON,
    NOT_MY_PROGRAMME,
    ONLINE,
    OTHER_SITE,
    SAME_SITE,
    Problem,
)
from .problem import weights as weight_list

# Every component is a fraction with denominator 60 (halves, thirds, tenths, 1/4, 1/5, 1/6).
UNIT = 60
COMPONENTS = ("topics", "availability", "mode_site", "preferences")


# ---------------------------------------------------------------------------------------------
# Component values, as numerators over 60 (shared by the vectorised and the one-pair code)


def topics_num(common: int, wanted: int) -> int:
    if wanted == 0:
        return UNIT // 2
    return min(common, 3) * UNIT // min(wanted, 3)


def availability_num(common: int, empty: bool) -> int:
    return UNIT // 2 if empty else min(common, 3) * UNIT // 3


def site_relation(site_a: int, site_b: int) -> int:
    """0 same known site, 1 a site unknown, 2 different known sites."""
    if site_a < 0 or site_b < 0:
        return 1
    return 0 if site_a == site_b else 2


def mode_site_num(mode_a: int, mode_b: int, relation: int) -> int:
    if mode_a != IN_PERSON and mode_b != IN_PERSON:
        return UNIT
    if mode_a != ONLINE and mode_b != ONLINE:
        return (UNIT, UNIT * 6 // 10, UNIT * 3 // 10)[relation]
    return 0


def cannot_meet(mode_a: int, mode_b: int, relation: int) -> bool:
    if {mode_a, mode_b} == {IN_PERSON, ONLINE}:
        return True
    return mode_a == IN_PERSON and mode_b == IN_PERSON and relation == 2


def met_bits(relation: int, not_programme: bool) -> int:
    """The preference bits a pair satisfies (for whoever asked)."""
    bits = SAME_SITE if relation == 0 else OTHER_SITE if relation == 2 else 0
    return bits | (NOT_MY_PROGRAMME if not_programme else 0)


def preferences_num(prefs_a: int, prefs_b: int, met: int) -> int:
    stated = (prefs_a & 7).bit_count() + (prefs_b & 7).bit_count()
    if stated == 0:
        return UNIT
    hits = (prefs_a & met & 7).bit_count() + (prefs_b & met & 7).bit_count()
    return hits * UNIT // stated


def round_score(numerator: int, weight_sum: int) -> int:
    """round(100 * numerator / (60 * weight_sum)), ties to even like Python's round."""
    return round(Fraction(100 * numerator, UNIT * weight_sum))


def matrix(values: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """A per-person array as (people, columns), even with nobody or one column."""
    x = np.asarray(values, dtype=dtype)
    if x.ndim == 1:
        return x[:, None]
    return x if x.ndim == 2 else x.reshape(x.shape[0], int(np.prod(x.shape[1:])))


# ---------------------------------------------------------------------------------------------
# One pair at a time (explanations, checks, locks): plain Python on the problem's arrays


def mode_of(value: int) -> int:
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
    taught = matrix(b.teaching_programmes)
    if 0 <= prog < taught.shape[1] and bool(taught[j, prog]):
        return True
    da, db = int(a.department[i]), int(b.department[j])
    return da >= 0 and db >= 0 and da == db


@dataclass
class PairFacts:
    nums: list[int]  # component numerators over 60
    topics: list[int]
    slots: list[int]
    relation: int
    modes: tuple[int, int]
    met: int


def pair_facts(problem: Problem, i: int, j: int) -> PairFacts:
    a, b = problem.mentors, problem.mentees
    ta = matrix(a.topics)[i]
    tb = matrix(b.topics)[j]
    wanted = _bits(tb)
    offered = set(_bits(ta))
    topics = [k for k in wanted if k in offered]
    sa, sb = int(a.slots[i]) & 0x7FFF, int(b.slots[j]) & 0x7FFF
    slots = _bits(np.array([sa & sb], dtype=np.uint64))
    relation = site_relation(int(a.site[i]), int(b.site[j]))
    mi, mj = mode_of(int(a.mode[i])), mode_of(int(b.mode[j]))
    met = met_bits(relation, not _own_programme(problem, i, j))
    nums = [
        topics_num(len(topics), len(wanted)),
        availability_num(len(slots), sa == 0 or sb == 0),
        mode_site_num(mi, mj, relation),
        preferences_num(int(a.prefs[i]), int(b.prefs[j]), met),
    ]
    return PairFacts(nums, topics, slots, relation, (mi, mj), met)


def score_of(problem: Problem, facts: PairFacts) -> int:
    w = weight_list(problem.weights)
    return round_score(sum(x * y for x, y in zip(w, facts.nums, strict=True)), sum(w))


def pair_score(problem: Problem, mentor: int, mentee: int) -> int:
    """One pair's score (indices already checked)."""
    return score_of(problem, pair_facts(problem, mentor, mentee))
