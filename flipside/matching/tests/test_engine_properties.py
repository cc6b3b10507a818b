"""Properties of the matching engine on random small cohorts, checked against brute force.

Scores are recomputed here straight from the written rules, and the best pairs are found by
exhaustive search over every mentor's possible partners, so the engine's vectorised scoring
and its solvers (dense and sparse) are both checked against code that shares nothing with
them."""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flipside.matching import engine
from flipside.matching.engine import (
    EITHER,
    IN_PERSON,
    NOT_MY_PROGRAMME,
    ONLINE,
    OTHER_SITE,
    SAME_SITE,
    Forbid,
    People,
    Problem,
    Weights,
)

STUDIES, PROGRAMMES, TOPICS = 3, 2, 6
FAST = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


# --- Random cohorts --------------------------------------------------------------------------


@st.composite
def sides(draw: Any, size: int, mentors: bool, most_places: int = 2) -> People:
    def ints(low: int, high: int) -> list[int]:
        return draw(st.lists(st.integers(low, high), min_size=size, max_size=size))

    if most_places > 2:
        return draw(clustered_sides(size, most_places))

    def sets(top: int, most: int) -> list[list[int]]:
        return [sorted(draw(st.sets(st.integers(0, top - 1), max_size=most))) for _ in range(size)]

    topics = np.zeros((size, 1), dtype=np.uint64)
    for row, chosen in enumerate(sets(TOPICS, 5)):
        for k in chosen:
            topics[row, 0] |= np.uint64(1 << k)
    teaching = np.zeros((size, STUDIES), dtype=bool)
    taught = np.zeros((size, PROGRAMMES), dtype=bool)
    if not mentors:
        for row, chosen in enumerate(sets(STUDIES, 2)):
            teaching[row, chosen] = True
        for row, chosen in enumerate(sets(PROGRAMMES, 1)):
            taught[row, chosen] = True
    return People(
        ids=np.arange(size, dtype=np.int64),
        topics=topics,
        slots=np.asarray([sum(1 << s for s in c) for c in sets(6, 4)], dtype=np.int32),
        mode=np.asarray(ints(0, 2), dtype=np.int8),
        site=np.asarray(ints(-1, 2), dtype=np.int32),
        department=np.asarray(ints(-1, 2), dtype=np.int32),
        study=np.asarray(ints(-1, STUDIES - 1) if mentors else [-1] * size, dtype=np.int32),
        programme=np.asarray(ints(-1, PROGRAMMES - 1) if mentors else [-1] * size, np.int32),
        teaching=teaching,
        teaching_programmes=taught,
        prefs=np.asarray(ints(0, 7), dtype=np.int8),
        capacity=np.asarray(ints(1, most_places), dtype=np.int16),
    )


def of_kinds(kinds: list[int], places: list[int]) -> People:
    """People of two kinds with the same answers within a kind, as in cohorts where many
    give the same answers: two people of one kind score 100 together, and many pairs tie."""
    size, kind = len(kinds), np.asarray(kinds, dtype=np.int64).reshape(-1)
    none = np.full(size, -1, dtype=np.int32)
    return People(
        ids=np.arange(size, dtype=np.int64),
        topics=np.where(kind == 0, 0b000011, 0b001100).astype(np.uint64).reshape(size, 1),
        slots=np.where(kind == 0, 0b000111, 0b111000).astype(np.int32),
        mode=np.where(kind == 0, ONLINE, EITHER).astype(np.int8),
        site=none,
        department=none,
        study=none,
        programme=none,
        teaching=np.zeros((size, STUDIES), dtype=bool),
        teaching_programmes=np.zeros((size, PROGRAMMES), dtype=bool),
        prefs=np.zeros(size, dtype=np.int8),
        capacity=np.asarray(places, dtype=np.int16),
    )


@st.composite
def clustered_sides(draw: Any, size: int, most_places: int) -> People:
    def ints(low: int, high: int) -> list[int]:
        return draw(st.lists(st.integers(low, high), min_size=size, max_size=size))

    return of_kinds(ints(0, 1), ints(1, most_places))


@st.composite
def problems(
    draw: Any, max_side: int = 7, most_places: int = 2, most_forbidden: int = 6
) -> Problem:
    n = draw(st.integers(1, max_side))
    m = draw(st.integers(1, max_side))
    weights = Weights(*draw(st.lists(st.integers(0, 10), min_size=4, max_size=4)))
    if weights.topics + weights.availability + weights.mode_site + weights.preferences == 0:
        weights.topics = 1
    if most_forbidden >= n * m:
        # Any cell may be forbidden, each about as likely as not
        cells = draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))
        pairs = [divmod(k, m) for k, blocked in enumerate(cells) if blocked]
    else:
        cell = st.tuples(st.integers(0, n - 1), st.integers(0, m - 1))
        pairs = draw(st.lists(cell, max_size=most_forbidden))
    why = draw(st.lists(st.sampled_from(list(Forbid)), min_size=len(pairs), max_size=len(pairs)))
    problem = Problem(
        mentors=draw(sides(n, True, most_places)),
        mentees=draw(sides(m, False, most_places)),
        weights=weights,
        avoid_same_department=draw(st.booleans()),
        require_meetable=draw(st.booleans()),
        forbidden=np.asarray(pairs, dtype=np.int64).reshape(-1, 2),
        forbidden_why=np.asarray([int(w) for w in why], dtype=np.int8),
        mode=draw(st.sampled_from(["best", "fairest"])),
    )
    # Locks: admissible pairs, within everyone's capacity
    wanted = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), max_size=3))
    used_r, used_c, locks = [0] * n, [0] * m, []
    allowed = reference(problem)[1]
    for i, j in dict.fromkeys(wanted):
        if allowed[i][j] and used_r[i] < problem.mentors.capacity[i]:
            if used_c[j] < problem.mentees.capacity[j]:
                used_r[i] += 1
                used_c[j] += 1
                locks.append((i, j))
    problem.locks = np.asarray(locks, dtype=np.int64).reshape(-1, 2)
    return problem


# --- The rules, written out pair by pair -----------------------------------------------------


def reference(problem: Problem) -> tuple[list[list[int]], list[list[bool]]]:
    """Scores and admissibility of every pair, from the rules as the documentation states
    them (exact fractions, Python's round)."""
    a, b = problem.mentors, problem.mentees
    w = problem.weights
    weights = [w.topics, w.availability, w.mode_site, w.preferences]
    forbidden = {(int(i), int(j)) for i, j in problem.forbidden}
    scores, allowed = [], []
    for i in range(len(a)):
        row_s, row_a = [], []
        for j in range(len(b)):
            common = int(np.bitwise_count(a.topics[i] & b.topics[j]).sum())
            wanted = int(np.bitwise_count(b.topics[j]).sum())
            topics = Fraction(1, 2) if wanted == 0 else Fraction(min(common, 3), min(wanted, 3))
            sa, sb = int(a.slots[i]), int(b.slots[j])
            slots = (sa & sb).bit_count()
            availability = Fraction(1, 2) if not sa or not sb else Fraction(min(slots, 3), 3)
            ma, mb = int(a.mode[i]), int(b.mode[j])
            site_a, site_b = int(a.site[i]), int(b.site[j])
            known = site_a >= 0 and site_b >= 0
            if ma in (EITHER, ONLINE) and mb in (EITHER, ONLINE):
                mode_site = Fraction(1)
            elif ma in (EITHER, IN_PERSON) and mb in (EITHER, IN_PERSON):
                if known and site_a == site_b:
                    mode_site = Fraction(1)
                elif not known:
                    mode_site = Fraction(6, 10)
                else:
                    mode_site = Fraction(3, 10)
            else:
                mode_site = Fraction(0)
            prog = int(a.programme[i])
            da, db = int(a.department[i]), int(b.department[j])
            own = (prog >= 0 and bool(b.teaching_programmes[j, prog])) or (
                da >= 0 and db >= 0 and da == db
            )
            met_by = {
                SAME_SITE: known and site_a == site_b,
                OTHER_SITE: known and site_a != site_b,
                NOT_MY_PROGRAMME: not own,
            }
            stated = [met_by[bit] for p in (int(a.prefs[i]), int(b.prefs[j])) for bit in met_by
                      if p & bit]  # fmt: skip
            preferences = Fraction(sum(stated), len(stated)) if stated else Fraction(1)
            parts = [topics, availability, mode_site, preferences]
            total = sum(x * y for x, y in zip(weights, parts, strict=True))
            row_s.append(round(100 * total / sum(weights)))
            study = int(a.study[i])
            bad = study >= 0 and bool(b.teaching[j, study])
            bad |= (i, j) in forbidden
            bad |= problem.avoid_same_department and da >= 0 and da == db
            cannot = {ma, mb} == {ONLINE, IN_PERSON} or (
                ma == IN_PERSON and mb == IN_PERSON and known and site_a != site_b
            )
            bad |= problem.require_meetable and cannot
            row_a.append(not bad)
        scores.append(row_s)
        allowed.append(row_a)
    return scores, allowed


def brute_force(problem: Problem, threshold: int = -1) -> tuple[int, int]:
    """(most pairs, highest total) among the pairs not locked, each scoring at least
    ``threshold``, by exhaustive search: every mentor in turn takes any set of admissible
    partners with room."""
    scores, allowed = reference(problem)
    n, m = len(problem.mentors), len(problem.mentees)
    locks = {(int(i), int(j)) for i, j in problem.locks}
    left_r = [int(problem.mentors.capacity[i]) - sum(1 for x, _ in locks if x == i)
              for i in range(n)]  # fmt: skip
    left_c = tuple(int(problem.mentees.capacity[j]) - sum(1 for _, y in locks if y == j)
                   for j in range(m))  # fmt: skip
    options = []
    for i in range(n):
        partners = [j for j in range(m) if allowed[i][j] and (i, j) not in locks
                    and scores[i][j] >= threshold]  # fmt: skip
        options.append([c for k in range(left_r[i] + 1)
                        for c in itertools.combinations(partners, k)])  # fmt: skip

    @cache
    def best(i: int, room: tuple[int, ...]) -> tuple[int, int]:
        if i == n:
            return (0, 0)
        found = (-1, -1)
        for chosen in options[i]:
            if all(room[j] > 0 for j in chosen):
                after = tuple(r - (j in chosen) for j, r in enumerate(room))
                count, total = best(i + 1, after)
                found = max(found, (count + len(chosen), total + sum(scores[i][j] for j in chosen)))
        return found

    return best(0, left_c)


def check_result(problem: Problem, result: engine.Result) -> None:
    scores, allowed = reference(problem)
    found = [(int(i), int(j)) for i, j in result.pairs]
    # Never a forbidden pair, never twice, scores as the rules say
    assert all(allowed[i][j] for i, j in found)
    assert len(set(found)) == len(found)
    assert result.scores.tolist() == [scores[i][j] for i, j in found]
    # Locks kept and marked
    locks = {(int(i), int(j)) for i, j in problem.locks}
    assert locks <= set(found)
    assert {p for p, kept in zip(found, result.locked.tolist(), strict=True) if kept} == locks
    # Capacities hold
    for i in range(len(problem.mentors)):
        assert sum(1 for x, _ in found if x == i) <= problem.mentors.capacity[i]
    for j in range(len(problem.mentees)):
        assert sum(1 for _, y in found if y == j) <= problem.mentees.capacity[j]
    # Everyone without a pair is explained, nobody with one
    placed_r = {i for i, _ in found}
    placed_c = {j for _, j in found}
    assert [u.index for u in result.unplaced_mentors] == sorted(
        set(range(len(problem.mentors))) - placed_r
    )
    assert [u.index for u in result.unplaced_mentees] == sorted(
        set(range(len(problem.mentees))) - placed_c
    )
    for u in result.unplaced_mentors:
        assert u.reason == ("taken" if any(allowed[u.index]) else "conflict")
    for u in result.unplaced_mentees:
        assert u.reason == ("taken" if any(row[u.index] for row in allowed) else "conflict")


# --- Properties ------------------------------------------------------------------------------


@FAST
@given(problems())
def test_scores_follow_the_rules(problem: Problem) -> None:
    scores, allowed = engine.dense_scores(problem)
    expected_scores, expected_allowed = reference(problem)
    assert scores.tolist() == expected_scores
    assert allowed.tolist() == expected_allowed
    for i in range(len(problem.mentors)):
        for j in range(len(problem.mentees)):
            assert engine.breakdown(problem, i, j).score == expected_scores[i][j]
            assert (engine.check_pair(problem, i, j) == []) == expected_allowed[i][j]


@settings(FAST, max_examples=300)
@given(problems())
def test_best_pairs(problem: Problem) -> None:
    problem.mode = "best"
    most, best_total = brute_force(problem)
    locked_total = sum(reference(problem)[0][i][j] for i, j in problem.locks.tolist())
    for method in ("dense", "sparse"):
        result = engine.solve(problem, method=method)
        check_result(problem, result)
        assert result.matched == len(problem.locks) + most
        assert result.total == locked_total + best_total


#: One to three places on both sides, answers in two kinds (so allowed pairs often score 100
#: and tie), and any pair possibly forbidden, so that some places cannot be filled: the
#: cohorts where two people may pair twice and some place has no allowed partner left.
SEVERAL_PLACES = problems(max_side=5, most_places=3, most_forbidden=25)


def one_kind(mentors: list[int], mentees: list[int], forbidden: list[tuple[int, int]]) -> Problem:
    """Everyone with the same answers (every allowed pair scores 100), with these places."""
    return Problem(
        mentors=of_kinds([0] * len(mentors), mentors),
        mentees=of_kinds([0] * len(mentees), mentees),
        forbidden=np.asarray(forbidden, dtype=np.int64).reshape(-1, 2),
        forbidden_why=np.full(len(forbidden), int(Forbid.NEVER), dtype=np.int8),
    )


#: A cohort where the dense solver once decoded a place nobody could fill as a partner,
#: giving mentee 1 a third partner against two places.
UNFILLABLE = one_kind([1, 2, 2], [3, 2], [(0, 0), (1, 0)])


@settings(FAST, max_examples=300)
@given(SEVERAL_PLACES)
@example(UNFILLABLE)
def test_best_pairs_with_several_places_and_places_left_empty(problem: Problem) -> None:
    test_best_pairs.hypothesis.inner_test(problem)  # type: ignore[attr-defined]


@settings(FAST, max_examples=150)
@given(SEVERAL_PLACES)
@example(UNFILLABLE)
def test_fairest_pairs_with_several_places_and_places_left_empty(problem: Problem) -> None:
    test_fairest_pairs.hypothesis.inner_test(problem)  # type: ignore[attr-defined]


@settings(FAST, max_examples=150)
@given(problems(max_side=10, most_places=3, most_forbidden=100))
def test_dense_and_sparse_agree_with_several_places(problem: Problem) -> None:
    """Cohorts too big for brute force: both solvers find as many pairs and the same total
    (the sparse one is checked against brute force above)."""
    problem.mode = "best"
    dense = engine.solve(problem, method="dense")
    sparse = engine.solve(problem, method="sparse")
    check_result(problem, dense)
    assert (dense.matched, dense.total) == (sparse.matched, sparse.total)


@settings(FAST, max_examples=200)
@given(problems())
def test_fairest_pairs(problem: Problem) -> None:
    problem.mode = "fairest"
    scores = reference(problem)[0]
    locked = [scores[i][j] for i, j in problem.locks.tolist()]
    most, _total = brute_force(problem)
    # The highest lowest score among matchings with the most pairs, locks included
    candidates = sorted({s for row in scores for s in row} | set(locked), reverse=True)
    if locked:
        candidates = [t for t in candidates if t <= min(locked)]
    for threshold in candidates + [-1]:
        count, total = brute_force(problem, threshold)
        if count == most:
            break
    for method in ("dense", "sparse"):
        result = engine.solve(problem, method=method)
        check_result(problem, result)
        assert result.matched == len(locked) + most
        if result.matched:
            lowest = min(locked + ([threshold] if most else []))
            assert result.minimum == lowest
        assert result.total == sum(locked) + total


@settings(FAST, max_examples=40)
@given(problems(max_side=3))
def test_brute_force_agrees_with_listing_every_set_of_pairs(problem: Problem) -> None:
    """The exhaustive search used above, checked on tiny cohorts against every subset of
    admissible pairs."""
    scores, allowed = reference(problem)
    n, m = len(problem.mentors), len(problem.mentees)
    locks = {(int(i), int(j)) for i, j in problem.locks}
    edges = [(i, j) for i in range(n) for j in range(m) if allowed[i][j] and (i, j) not in locks]
    best = (0, 0)
    for k in range(len(edges) + 1):
        for chosen in itertools.combinations(edges, k):
            every = list(chosen) + list(locks)
            if all(sum(1 for x, _ in every if x == i) <= problem.mentors.capacity[i]
                   for i in range(n)) and all(
                sum(1 for _, y in every if y == j) <= problem.mentees.capacity[j]
                for j in range(m)
            ):  # fmt: skip
                best = max(best, (k, sum(scores[i][j] for i, j in chosen)))
    assert brute_force(problem) == best
