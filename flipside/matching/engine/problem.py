"""What the engine is given and what it returns: the people of each side as arrays, the
problem, the result, and the checks that refuse a malformed problem.

A malformed problem is refused with an error naming the field, never reshaped, clipped or
truncated into a different problem: a forbidden pair read as another pair, or a NaN read as a
site, would quietly propose pairs nobody allowed. It is checked once per problem (vectorised,
so a fraction of a millisecond for 10,000 people a side); the one-pair functions check only
their two indices.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

import numpy as np

# Meeting modes
EITHER, IN_PERSON, ONLINE = 0, 1, 2
# Preference bits (see flipside.recruitment.models.Preference)
SAME_SITE, OTHER_SITE, NOT_MY_PROGRAMME = 1, 2, 4

SLOTS = 15  # weekly availability slots: bits 0-14 of People.slots
PREFERENCE_BITS = 0b111
WEIGHT_NAMES = ("topics", "availability", "mode_site", "preferences")
MODES = ("best", "fairest")


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


CONSTRAINT_ORDER = [
    Constraint.TEACHING,
    Constraint.NAMED,
    Constraint.NEVER,
    Constraint.PAST,
    Constraint.DEPARTMENT,
    Constraint.MEET,
]
FORBID_CONSTRAINT = {
    int(Forbid.NEVER): Constraint.NEVER,
    int(Forbid.NAMED): Constraint.NAMED,
    int(Forbid.PAST): Constraint.PAST,
}


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
# Refusing a malformed problem


class InvalidProblem(ValueError):
    """A malformed problem. ``field`` names the part ("mentors.capacity", "forbidden"...), and
    the message starts with it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def validate(problem: Problem) -> None:
    """Raise InvalidProblem unless every array has the documented shape, type and range."""
    if problem.mode not in MODES:
        raise InvalidProblem("mode", f"must be one of {', '.join(MODES)}, not {problem.mode!r}")
    weights(problem.weights)
    n = _side("mentors", problem.mentors)
    m = _side("mentees", problem.mentees)
    studies = _columns("mentees.teaching", problem.mentees.teaching)
    programmes = _columns("mentees.teaching_programmes", problem.mentees.teaching_programmes)
    _whole_numbers("mentors.study", problem.mentors.study, n, low=-1, high=studies - 1)
    _whole_numbers("mentors.programme", problem.mentors.programme, n, low=-1, high=programmes - 1)
    rows = _pairs("forbidden", problem.forbidden, n, m)
    _whole_numbers("forbidden_why", problem.forbidden_why, rows, low=0)
    _pairs("locks", problem.locks, n, m)


def weights(values: Any) -> list[int]:
    """The four weights as whole numbers 0-10, at least one above 0."""
    found = []
    for name in WEIGHT_NAMES:
        value = getattr(values, name)
        if not _whole(value) or not 0 <= value <= 10:
            raise InvalidProblem(
                f"weights.{name}", f"must be a whole number from 0 to 10, not {value!r}"
            )
        found.append(int(value))
    if not any(found):
        raise InvalidProblem("weights", "at least one weight must be above 0")
    return found


def check_indices(problem: Problem, mentor: int, mentee: int) -> None:
    """Both indices name someone in the problem (NumPy would read -1 as the last person)."""
    for field_name, index, size in (
        ("mentor", mentor, len(problem.mentors)),
        ("mentee", mentee, len(problem.mentees)),
    ):
        if not _whole(index) or not 0 <= index < size:
            raise InvalidProblem(field_name, f"index {index!r} is outside 0 to {size - 1}")


def _whole(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, float | np.floating) and float(value).is_integer()


def _side(side: str, people: People) -> int:
    ids = np.asarray(people.ids)
    if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
        raise InvalidProblem(f"{side}.ids", "must be one whole number per person")
    n = int(ids.shape[0])
    _bit_sets(f"{side}.topics", people.topics, n)
    _whole_numbers(f"{side}.slots", people.slots, n, low=0, high=(1 << SLOTS) - 1)
    _whole_numbers(f"{side}.mode", people.mode, n)
    _whole_numbers(f"{side}.site", people.site, n, low=-1)
    _whole_numbers(f"{side}.department", people.department, n, low=-1)
    _whole_numbers(f"{side}.study", people.study, n, low=-1)
    _whole_numbers(f"{side}.programme", people.programme, n, low=-1)
    _flags(f"{side}.teaching", people.teaching, n)
    _flags(f"{side}.teaching_programmes", people.teaching_programmes, n)
    _whole_numbers(f"{side}.prefs", people.prefs, n, low=0, high=PREFERENCE_BITS)
    _whole_numbers(f"{side}.capacity", people.capacity, n, low=1)
    return n


def _whole_numbers(
    field: str, values: Any, length: int, *, low: int | None = None, high: int | None = None
) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.shape[0] != length:
        raise InvalidProblem(field, f"must have {length} values; has shape {array.shape}")
    if not array.size:
        return array
    if array.dtype.kind not in "iu":
        raise InvalidProblem(field, f"must hold whole numbers, not {array.dtype} values")
    if low is not None and int(array.min()) < low:
        raise InvalidProblem(field, f"must be at least {low}; has {int(array.min())}")
    if high is not None and int(array.max()) > high:
        raise InvalidProblem(field, f"must be at most {high}; has {int(array.max())}")
    return array


def _bit_sets(field: str, values: Any, length: int) -> None:
    array = np.asarray(values)
    if array.ndim not in (1, 2) or array.shape[0] != length:
        raise InvalidProblem(field, f"must have {length} rows; has shape {array.shape}")
    if array.size and array.dtype.kind not in "iu":
        raise InvalidProblem(field, f"must hold bit sets (whole numbers), not {array.dtype}")
    if array.size and array.dtype.kind == "i" and int(array.min()) < 0:
        raise InvalidProblem(field, "must not be negative")


def _flags(field: str, values: Any, length: int) -> None:
    array = np.asarray(values)
    if array.ndim not in (1, 2) or array.shape[0] != length:
        raise InvalidProblem(field, f"must have {length} rows; has shape {array.shape}")
    if array.size and array.dtype.kind != "b":
        raise InvalidProblem(field, f"must hold True or False, not {array.dtype}")


def _columns(field: str, values: Any) -> int:
    array = np.asarray(values)
    return int(array.shape[1]) if array.ndim == 2 else 1


def _pairs(field: str, values: Any, n: int, m: int) -> int:
    """Rows of (mentor index, mentee index), each naming someone; returns how many."""
    array = np.asarray(values)
    if not array.size:
        return 0
    if array.ndim != 2 or array.shape[1] != 2:
        raise InvalidProblem(
            field, f"must be rows of (mentor index, mentee index); has shape {array.shape}"
        )
    if array.dtype.kind not in "iu":
        raise InvalidProblem(field, f"must hold whole-number indices, not {array.dtype}")
    for column, side, size in ((0, "mentor", n), (1, "mentee", m)):
        outside = (array[:, column] < 0) | (array[:, column] >= size)
        if outside.any():
            row = int(np.flatnonzero(outside)[0])
            raise InvalidProblem(
                field,
                f"row {row} names {side} {int(array[row, column])}, outside 0 to {size - 1}",
            )
    return int(array.shape[0])
