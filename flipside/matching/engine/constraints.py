"""The hard constraints one pair at a time: the rules a pair would break, the locks a run
must keep, and the final check that a solver's answer breaks none of them.

Many pairs at once are checked by the vectorised scoring (``scores.block``); these read the
same facts pair by pair, for locks, checks by hand and explanations.
"""

from __future__ import annotations

import numpy as np

from .components import cannot_meet, matrix, mode_of, pair_score, site_relation
from .problem import (
    CONSTRAINT_ORDER,
    FORBID_CONSTRAINT,
    BrokenLock,
    Constraint,
    Forbid,
    Problem,
    SolverError,
    check_indices,
)


def check_pair(problem: Problem, mentor: int, mentee: int) -> list[Constraint]:
    """The hard constraints pairing these two would break (capacity not included)."""
    check_indices(problem, mentor, mentee)
    a, b = problem.mentors, problem.mentees
    broken: set[Constraint] = set()
    study = int(a.study[mentor])
    teaching = matrix(b.teaching)
    if 0 <= study < teaching.shape[1] and bool(teaching[mentee, study]):
        broken.add(Constraint.TEACHING)
    pairs = np.asarray(problem.forbidden, dtype=np.int64).reshape(-1, 2)
    if pairs.size:
        why = np.asarray(problem.forbidden_why).reshape(-1)
        for k in np.flatnonzero((pairs[:, 0] == mentor) & (pairs[:, 1] == mentee)).tolist():
            code = int(why[k]) if k < why.shape[0] else int(Forbid.NEVER)
            broken.add(FORBID_CONSTRAINT.get(code, Constraint.NEVER))
    da, db = int(a.department[mentor]), int(b.department[mentee])
    if problem.avoid_same_department and da >= 0 and da == db:
        broken.add(Constraint.DEPARTMENT)
    relation = site_relation(int(a.site[mentor]), int(b.site[mentee]))
    modes = mode_of(int(a.mode[mentor])), mode_of(int(b.mode[mentee]))
    if problem.require_meetable and cannot_meet(*modes, relation):
        broken.add(Constraint.MEET)
    return [c for c in CONSTRAINT_ORDER if c in broken]


def check_locks(
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
        scores.append(pair_score(problem, i, j))
    return (
        np.asarray(kept, dtype=np.int64).reshape(-1, 2),
        np.asarray(scores, dtype=np.int16),
    )


def verify(
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
