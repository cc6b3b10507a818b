"""The matching engine on tiny, hand-built cohorts: every score component, every hard rule,
locks, capacities, both solvers, fairness and the explanations of who is left unpaired."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from flipside.matching import engine
from flipside.matching.engine import (
    EITHER,
    IN_PERSON,
    NOT_MY_PROGRAMME,
    ONLINE,
    OTHER_SITE,
    SAME_SITE,
    BrokenLock,
    Constraint,
    Forbid,
    People,
    Problem,
    Weights,
)

STUDIES = 3  # (programme, year) codes
PROGRAMMES = 2


def bits(*indices: int) -> int:
    return sum(1 << k for k in indices)


def people(n: int, **columns: Any) -> People:
    """``n`` people with neutral defaults; keyword arguments give a column per field (a list
    of n values). ``topics`` is a list of topic-index lists; ``slots`` a list of slot-index
    lists; ``teaching`` a list of study-code lists; ``teaching_programmes`` likewise."""
    topics = np.zeros((n, 2), dtype=np.uint64)
    for row, chosen in enumerate(columns.pop("topics", [[]] * n)):
        for k in chosen:
            topics[row, k // 64] |= np.uint64(1 << (k % 64))
    teaching = np.zeros((n, STUDIES), dtype=bool)
    for row, chosen in enumerate(columns.pop("teaching", [[]] * n)):
        teaching[row, chosen] = True
    taught = np.zeros((n, PROGRAMMES), dtype=bool)
    for row, chosen in enumerate(columns.pop("teaching_programmes", [[]] * n)):
        taught[row, chosen] = True
    slots = [bits(*s) for s in columns.pop("slots", [[]] * n)]

    def column(name: str, default: int, dtype: Any) -> np.ndarray:
        return np.asarray(columns.pop(name, [default] * n), dtype=dtype).reshape(n)

    made = People(
        ids=np.arange(1, n + 1, dtype=np.int64),
        topics=topics,
        slots=np.asarray(slots, dtype=np.int32).reshape(n),
        mode=column("mode", EITHER, np.int8),
        site=column("site", -1, np.int32),
        department=column("department", -1, np.int32),
        study=column("study", -1, np.int32),
        programme=column("programme", -1, np.int32),
        teaching=teaching,
        teaching_programmes=taught,
        prefs=column("prefs", 0, np.int8),
        capacity=column("capacity", 1, np.int16),
    )
    assert not columns, f"unknown columns {sorted(columns)}"
    return made


def only(component: str) -> Weights:
    weights = {"topics": 0, "availability": 0, "mode_site": 0, "preferences": 0}
    weights[component] = 1
    return Weights(**weights)


def score(mentor: People, mentee: People, **problem: Any) -> int:
    scores, _admissible = engine.dense_scores(Problem(mentor, mentee, **problem))
    return int(scores[0, 0])


def pairs(result: engine.Result) -> list[tuple[int, int]]:
    return [(int(i), int(j)) for i, j in result.pairs]


# --- Scores ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offered", "wanted", "expected"),
    [
        ([0, 1], [], 50),  # the mentee hoped for nothing: neutral
        ([0], [0, 1], 50),
        ([0, 1, 2, 3], [0, 1, 2, 3], 100),  # three in common is enough
        ([0, 1], [0, 1, 2, 3], 67),  # 2 of min(4, 3)
        ([5], [0, 1], 0),
        ([70, 1], [70], 100),  # topics beyond the first 64
    ],
)
def test_topics_component(offered: list[int], wanted: list[int], expected: int) -> None:
    assert (
        score(people(1, topics=[offered]), people(1, topics=[wanted]), weights=only("topics"))
        == expected
    )


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        ([], [1, 2], 50),  # someone gave no times: neutral
        ([1, 2], [], 50),
        ([0], [0, 1], 33),
        ([0, 1], [0, 1], 67),
        ([0, 1, 2, 3], [0, 1, 2, 3], 100),
        ([0], [5], 0),
    ],
)
def test_availability_component(mine: list[int], theirs: list[int], expected: int) -> None:
    weights = only("availability")
    assert score(people(1, slots=[mine]), people(1, slots=[theirs]), weights=weights) == expected


@pytest.mark.parametrize(
    ("modes", "sites", "expected"),
    [
        ((EITHER, ONLINE), (1, 2), 100),  # both can meet online
        ((EITHER, EITHER), (-1, -1), 100),
        ((IN_PERSON, IN_PERSON), (3, 3), 100),
        ((IN_PERSON, EITHER), (3, -1), 60),  # a site unknown
        ((IN_PERSON, IN_PERSON), (3, 4), 30),
        ((ONLINE, IN_PERSON), (3, 3), 0),
    ],
)
def test_mode_site_component(modes: tuple[int, int], sites: tuple[int, int], expected: int) -> None:
    mentor = people(1, mode=[modes[0]], site=[sites[0]])
    mentee = people(1, mode=[modes[1]], site=[sites[1]])
    found = score(mentor, mentee, weights=only("mode_site"), require_meetable=False)
    assert found == expected


def test_preferences_component() -> None:
    weights = only("preferences")
    # Nothing asked for: full marks
    assert score(people(1), people(1), weights=weights) == 100
    # Same site asked by the mentor and met; other site asked by the mentee and not met
    mentor = people(1, site=[3], prefs=[SAME_SITE])
    mentee = people(1, site=[3], prefs=[OTHER_SITE])
    assert score(mentor, mentee, weights=weights) == 50
    # Sites unknown: neither same nor other site is met
    mentor = people(1, prefs=[SAME_SITE | OTHER_SITE])
    assert score(mentor, people(1, site=[3]), weights=weights) == 0
    # Outside my programme: met unless the mentee teaches it or they share a department
    mentor = people(1, programme=[1], department=[7], prefs=[NOT_MY_PROGRAMME])
    assert score(mentor, people(1), weights=weights) == 100
    assert score(mentor, people(1, teaching_programmes=[[1]]), weights=weights) == 0
    assert score(mentor, people(1, teaching_programmes=[[0]]), weights=weights) == 100
    assert score(mentor, people(1, department=[7]), weights=weights) == 0
    # Three asked, two met
    mentor = people(1, site=[1], programme=[0], prefs=[OTHER_SITE | NOT_MY_PROGRAMME])
    mentee = people(1, site=[2], prefs=[SAME_SITE])
    assert score(mentor, mentee, weights=weights) == 67


def test_weights_combine_and_round_like_round() -> None:
    mentor = people(1, topics=[[0]], slots=[[0]], mode=[IN_PERSON], site=[1])
    mentee = people(1, topics=[[0, 1]], slots=[[0, 1]], mode=[EITHER], site=[-1])
    # topics 1/2, availability 1/3, mode/site 0.6, preferences 1 (none asked)
    for weights in (Weights(), Weights(1, 1, 1, 1), Weights(10, 0, 3, 0), Weights(0, 3, 0, 1)):
        w = [weights.topics, weights.availability, weights.mode_site, weights.preferences]
        exact = 100 * (w[0] * 0.5 + w[1] / 3 + w[2] * 0.6 + w[3] * 1.0) / sum(w)
        assert score(mentor, mentee, weights=weights) == round(exact)
    # An exact half rounds to even, as round() does: 100 * (1/2 * 1 + 0 * 3) / 4 = 12.5
    mentor = people(1, topics=[[0]], slots=[[0]])
    mentee = people(1, topics=[[0, 1]], slots=[[1]])
    assert score(mentor, mentee, weights=Weights(1, 3, 0, 0)) == 12


def test_weights_must_allow_a_score() -> None:
    with pytest.raises(ValueError, match="weights"):
        engine.dense_scores(Problem(people(1), people(1), weights=Weights(0, 0, 0, 0)))


# --- Hard constraints ------------------------------------------------------------------------


def test_teaching_conflict() -> None:
    mentor = people(2, study=[1, 2], programme=[0, 1])
    mentee = people(1, teaching=[[1]])
    problem = Problem(mentor, mentee)
    assert engine.check_pair(problem, 0, 0) == [Constraint.TEACHING]
    assert engine.check_pair(problem, 1, 0) == []
    _scores, admissible = engine.dense_scores(problem)
    assert admissible.tolist() == [[False], [True]]


def test_forbidden_pairs_by_reason() -> None:
    problem = Problem(
        people(3),
        people(1),
        forbidden=np.array([[0, 0], [1, 0], [2, 0], [2, 0]]),
        forbidden_why=np.array([Forbid.NEVER, Forbid.NAMED, Forbid.PAST, Forbid.NAMED]),
    )
    assert engine.check_pair(problem, 0, 0) == [Constraint.NEVER]
    assert engine.check_pair(problem, 1, 0) == [Constraint.NAMED]
    assert engine.check_pair(problem, 2, 0) == [Constraint.NAMED, Constraint.PAST]
    assert not engine.dense_scores(problem)[1].any()


def test_same_department_only_when_asked() -> None:
    mentor, mentee = people(1, department=[4]), people(1, department=[4])
    assert engine.check_pair(Problem(mentor, mentee), 0, 0) == []
    asked = Problem(mentor, mentee, avoid_same_department=True)
    assert engine.check_pair(asked, 0, 0) == [Constraint.DEPARTMENT]
    # Unknown departments are never the same
    unknown = Problem(people(1), people(1), avoid_same_department=True)
    assert engine.check_pair(unknown, 0, 0) == []


@pytest.mark.parametrize(
    ("modes", "sites", "meetable"),
    [
        ((ONLINE, IN_PERSON), (1, 1), False),
        ((IN_PERSON, ONLINE), (-1, -1), False),
        ((IN_PERSON, IN_PERSON), (1, 2), False),
        ((IN_PERSON, IN_PERSON), (1, -1), True),  # a site unknown: perhaps
        ((IN_PERSON, IN_PERSON), (1, 1), True),
        ((IN_PERSON, EITHER), (1, 2), True),
        ((ONLINE, EITHER), (1, 2), True),
    ],
)
def test_meetable(modes: tuple[int, int], sites: tuple[int, int], meetable: bool) -> None:
    mentor = people(1, mode=[modes[0]], site=[sites[0]])
    mentee = people(1, mode=[modes[1]], site=[sites[1]])
    broken = engine.check_pair(Problem(mentor, mentee), 0, 0)
    assert broken == ([] if meetable else [Constraint.MEET])
    assert engine.check_pair(Problem(mentor, mentee, require_meetable=False), 0, 0) == []


# --- Solving ---------------------------------------------------------------------------------


def topic_problem(table: list[list[int]], **kwargs: Any) -> Problem:
    """Mentors and mentees whose topic scores are given as "how many of the mentee's three
    topics the mentor offers" (0-3): scores 0, 33, 67 or 100 with topics weighted alone."""
    n, m = len(table), len(table[0])
    wanted = [[3 * j, 3 * j + 1, 3 * j + 2] for j in range(m)]
    offered = [[t for j in range(m) for t in wanted[j][: table[i][j]]] for i in range(n)]
    kwargs.setdefault("weights", only("topics"))
    return Problem(people(n, topics=offered), people(m, topics=wanted), **kwargs)


def test_best_total() -> None:
    problem = topic_problem([[3, 2], [2, 0]])
    result = engine.solve(problem)
    assert pairs(result) == [(0, 1), (1, 0)]
    assert result.total == 134
    assert result.matched == 2
    assert result.scores.dtype == np.int16


def test_more_pairs_beat_a_higher_total() -> None:
    # Pairing 0-0 (100) alone scores more than 0-1 + 1-0 (33 + 33), but leaves one out.
    problem = topic_problem([[3, 1], [1, 0]])
    problem.forbidden = np.array([[1, 1]])
    problem.forbidden_why = np.array([Forbid.NEVER])
    for method in ("dense", "sparse"):
        result = engine.solve(problem, method=method)
        assert pairs(result) == [(0, 1), (1, 0)]


def test_locks_are_kept() -> None:
    problem = topic_problem([[3, 0], [0, 3]], locks=np.array([[0, 1]]))
    result = engine.solve(problem)
    assert pairs(result) == [(0, 1), (1, 0)]
    assert result.locked.tolist() == [True, False]
    assert result.total == 0


def test_lock_that_breaks_a_rule() -> None:
    problem = Problem(people(1, study=[0]), people(1, teaching=[[0]]), locks=np.array([[0, 0]]))
    with pytest.raises(BrokenLock) as caught:
        engine.solve(problem)
    assert (caught.value.mentor, caught.value.mentee) == (0, 0)
    assert caught.value.constraints == [Constraint.TEACHING]


def test_locks_beyond_capacity() -> None:
    problem = Problem(people(1), people(2), locks=np.array([[0, 0], [0, 1]]))
    with pytest.raises(BrokenLock) as caught:
        engine.solve(problem)
    assert caught.value.constraints == [Constraint.CAPACITY]
    assert (caught.value.mentor, caught.value.mentee) == (0, 1)
    problem.mentors.capacity[:] = 2
    assert pairs(engine.solve(problem)) == [(0, 0), (0, 1)]


def test_capacity_two_gets_two_partners() -> None:
    problem = topic_problem([[3, 3, 1]])
    problem.mentors.capacity[:] = 2
    for method in ("dense", "sparse"):
        result = engine.solve(problem, method=method)
        assert pairs(result) == [(0, 0), (0, 1)]
        assert result.unplaced_mentees[0].index == 2


def test_same_two_people_never_paired_twice() -> None:
    """Two people who may both have two partners still make one pair; with more people the
    copies spread out."""
    one = topic_problem([[3]])
    one.mentors.capacity[:] = 2
    one.mentees.capacity[:] = 2
    for method in ("dense", "sparse"):
        assert pairs(engine.solve(one, method=method)) == [(0, 0)]
    two = topic_problem([[3, 1], [0, 0]])
    two.mentors.capacity[:] = 2
    two.mentees.capacity[:] = 2
    for method in ("dense", "sparse"):
        result = engine.solve(two, method=method)
        assert pairs(result) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for mode in ("best", "fairest"):
        two.mode = mode
        assert engine.solve(two).matched == 4


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_a_place_nobody_can_fill_never_becomes_an_extra_partner(method: str) -> None:
    """Several places on both sides, identical answers (every allowed pair scores 100) and
    places no allowed partner can fill: mentee 1 has two places, wanted by three mentors."""
    problem = topic_problem([[3, 3], [3, 3], [3, 3]])
    problem.mentors.capacity[:] = [1, 2, 2]
    problem.mentees.capacity[:] = [3, 2]
    problem.forbidden = np.array([[0, 0], [1, 0]])
    problem.forbidden_why = np.array([Forbid.NEVER, Forbid.NEVER])
    result = engine.solve(problem, method=method)
    assert result.matched == 3 and result.total == 300
    assert np.bincount(result.pairs[:, 1], minlength=2).tolist() == [1, 2]


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_more_mentors_than_mentees(method: str) -> None:
    problem = topic_problem([[1], [3], [2]])
    result = engine.solve(problem, method=method)
    assert pairs(result) == [(1, 0)]
    assert [(u.index, u.reason) for u in result.unplaced_mentors] == [(0, "taken"), (2, "taken")]
    assert result.unplaced_mentees == []


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_more_mentees_than_mentors(method: str) -> None:
    problem = topic_problem([[1, 3, 2]])
    result = engine.solve(problem, method=method)
    assert pairs(result) == [(0, 1)]
    assert [u.index for u in result.unplaced_mentees] == [0, 2]


def test_nobody_on_one_side() -> None:
    problem = Problem(people(3), people(0))
    result = engine.solve(problem)
    assert result.matched == 0
    assert result.minimum is None
    assert [(u.index, u.reason) for u in result.unplaced_mentors] == [
        (0, "no_partner"),
        (1, "no_partner"),
        (2, "no_partner"),
    ]
    result = engine.solve(Problem(people(0), people(2)))
    assert [u.reason for u in result.unplaced_mentees] == ["no_partner", "no_partner"]
    assert engine.solve(Problem(people(0), people(0))).matched == 0


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_every_pair_forbidden(method: str) -> None:
    mentors = people(2, mode=[ONLINE, ONLINE])
    mentees = people(3, mode=[IN_PERSON] * 3)
    result = engine.solve(Problem(mentors, mentees), method=method)
    assert result.matched == 0
    assert [u.reason for u in result.unplaced_mentors] == ["conflict"] * 2
    assert [u.reason for u in result.unplaced_mentees] == ["conflict"] * 3
    assert result.unplaced_mentors[0].excluded == {"meet": 3}
    assert result.unplaced_mentees[0].excluded == {"meet": 2}


def fairness_problem() -> Problem:
    """Best total pairs X-A (100) and Y-B (0); the fairest pairs X-B (17) and Y-A (33)."""
    mentors = people(2, topics=[[0, 1, 2, 3], [0]], slots=[[0, 1, 2], [0]])
    mentees = people(2, topics=[[0, 1, 2], [3, 4, 5]], slots=[[0, 1, 2], [10]])
    return Problem(mentors, mentees, weights=Weights(1, 1, 0, 0))


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_fairest_raises_the_lowest_score(method: str) -> None:
    problem = fairness_problem()
    assert engine.dense_scores(problem)[0].tolist() == [[100, 17], [33, 0]]
    best = engine.solve(problem, method=method)
    assert pairs(best) == [(0, 0), (1, 1)]
    assert (best.total, best.minimum) == (100, 0)
    problem.mode = "fairest"
    fairest = engine.solve(problem, method=method)
    assert pairs(fairest) == [(0, 1), (1, 0)]
    assert (fairest.total, fairest.minimum) == (50, 17)


def test_fairest_counts_locked_scores() -> None:
    """A lock already holds the lowest score, so the rest may as well score the most."""
    problem = fairness_problem()
    problem.mentors = people(3, topics=[[0, 1, 2, 3], [0], []], slots=[[0, 1, 2], [0], [7]])
    problem.mentees = people(3, topics=[[0, 1, 2], [3, 4, 5], [9]], slots=[[0, 1, 2], [10], [8]])
    problem.locks = np.array([[2, 2]])
    problem.mode = "fairest"
    result = engine.solve(problem)
    assert result.minimum == 0
    assert pairs(result) == [(0, 0), (1, 1), (2, 2)]


def test_fairest_keeps_as_many_pairs_as_possible() -> None:
    # Only 0-0 with 1-1 (score 0) pairs both: fairness never costs a pair.
    problem = topic_problem([[3, 3], [3, 0]], mode="fairest")
    problem.forbidden = np.array([[1, 0]])
    problem.forbidden_why = np.array([Forbid.NEVER])
    result = engine.solve(problem)
    assert result.matched == 2
    assert result.minimum == 0


def random_problem(n: int, m: int, seed: int, **kwargs: Any) -> Problem:
    rng = np.random.default_rng(seed)

    def picks(size: int, top: int, most: int) -> list[list[int]]:
        return [rng.choice(top, rng.integers(0, most + 1), replace=False).tolist()
                for _ in range(size)]  # fmt: skip

    def side(size: int) -> dict[str, Any]:
        return {
            "topics": picks(size, 8, 3),
            "slots": picks(size, 15, 3),
            "mode": rng.choice([EITHER, EITHER, IN_PERSON, ONLINE], size),
            "site": rng.integers(-1, 4, size),
            "department": rng.integers(-1, 5, size),
            "prefs": rng.integers(0, 8, size),
        }

    mentors = people(
        n, study=rng.integers(-1, STUDIES, n), programme=rng.integers(-1, PROGRAMMES, n),
        **side(n),
    )  # fmt: skip
    mentees = people(
        m, teaching=picks(m, STUDIES, 1), teaching_programmes=picks(m, PROGRAMMES, 1), **side(m)
    )
    forbidden = np.stack([rng.integers(0, n, 5), rng.integers(0, m, 5)], axis=1)
    return Problem(
        mentors, mentees, forbidden=forbidden, forbidden_why=rng.integers(1, 4, 5), **kwargs
    )


def test_same_input_same_pairs() -> None:
    first = engine.solve(random_problem(40, 35, seed=3))
    again = engine.solve(random_problem(40, 35, seed=3))
    assert np.array_equal(first.pairs, again.pairs)
    assert np.array_equal(first.scores, again.scores)
    assert first.unplaced_mentors == again.unplaced_mentors


@pytest.mark.parametrize("mode", ["best", "fairest"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_dense_and_sparse_agree(mode: str, seed: int) -> None:
    problem = random_problem(30, 25, seed=seed, mode=mode, avoid_same_department=seed % 2 == 0)
    problem.mentors.capacity[:seed] = 2
    dense = engine.solve(problem, method="dense")
    sparse = engine.solve(problem, method="sparse")
    assert dense.solver == "lapjv-dense"
    assert sparse.solver == "lapjvsp-sparse"
    assert (dense.matched, dense.total) == (sparse.matched, sparse.total)
    if mode == "fairest":  # (in "best" mode, equally good answers may differ in their lowest)
        assert dense.minimum == sparse.minimum


def test_automatic_choice_of_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = random_problem(20, 20, seed=5)
    assert engine.solve(problem).solver == "lapjv-dense"  # small: dense
    monkeypatch.setattr(engine.graph, "SPARSE_MIN_CELLS", 0)
    everyone = Problem(
        people(20, mode=[IN_PERSON] * 20, site=list(range(20))),
        people(20, mode=[IN_PERSON] * 20, site=list(range(20))),
    )
    result = engine.solve(everyone)
    assert result.solver == "lapjvsp-sparse"  # only same-site pairs may meet: 5%
    assert pairs(result) == [(i, i) for i in range(20)]


def test_checked_when_costs_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """With LAPJV's costs capped low, a result with too few pairs is solved again exactly."""
    monkeypatch.setattr(engine.solvers, "LAPJV_MAX_COST", 101)
    problem = topic_problem([[3, 1], [1, 0]])
    problem.forbidden = np.array([[1, 1]])
    problem.forbidden_why = np.array([Forbid.NEVER])
    result = engine.solve(problem, method="dense")
    assert pairs(result) == [(0, 1), (1, 0)]
    assert result.solver == "lsa-dense"
    for seed in range(5):
        problem = random_problem(12, 9, seed=seed)
        capped = engine.solve(problem, method="dense")
        exact = engine.solve(problem, method="sparse")
        assert (capped.matched, capped.total) == (exact.matched, exact.total)


def test_a_solver_mistake_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(free: Any, known: Any) -> tuple[np.ndarray, str]:
        return np.array([[0, 0], [0, 0]]), "broken"

    monkeypatch.setattr(engine.solvers, "_solve_free", wrong)
    problem = topic_problem([[3, 3], [3, 3]])
    with pytest.raises(engine.SolverError):
        engine.solve(problem)


# --- Malformed input is refused at the engine's boundary ------------------------------------


def _two_by_two() -> Problem:
    return topic_problem([[3, 1], [1, 3]])


def _set(where: str, name: str, value: Any) -> Callable[[Problem], None]:
    def change(problem: Problem) -> None:
        setattr(problem if where == "problem" else getattr(problem, where), name, value)

    return change


MALFORMED = {
    "forbidden": _set("problem", "forbidden", np.array([0, 1, 1, 0])),  # one row? two?
    "forbidden ": _set("problem", "forbidden", np.array([[0, 1, 1]])),
    "forbidden  ": _set("problem", "forbidden", np.array([[0, 5]])),  # no mentee 5
    "forbidden   ": _set("problem", "forbidden", np.array([[-1, 0]])),
    "forbidden_why": _set("problem", "forbidden_why", np.array([1, 1])),  # one pair, two codes
    "locks": _set("problem", "locks", np.array([0, 0, 1])),
    "locks ": _set("problem", "locks", np.array([[2, 0]])),  # no mentor 2
    "locks  ": _set("problem", "locks", np.array([[0.5, 1]])),
    "mentors.capacity": _set("mentors", "capacity", np.array([-1, 1])),
    "mentors.capacity ": _set("mentors", "capacity", np.array([0, 1])),
    "mentees.capacity": _set("mentees", "capacity", np.array([np.nan, 1.0])),
    "mentees.capacity ": _set("mentees", "capacity", np.array([1.5, 1.0])),
    "mentors.slots": _set("mentors", "slots", np.array([np.nan, 1.0])),
    "mentors.slots ": _set("mentors", "slots", np.array([1 << 15, 1])),  # only 15 slots
    "mentees.site": _set("mentees", "site", np.array([np.nan, 2.0])),
    "mentees.department": _set("mentees", "department", np.array([-3, 1])),
    "mentors.mode": _set("mentors", "mode", np.array([0, 0, 0])),  # three, for two mentors
    "mentors.prefs": _set("mentors", "prefs", np.array([8, 0])),
    "mentors.study": _set("mentors", "study", np.array([STUDIES, -1])),  # no such study code
    "mentors.programme": _set("mentors", "programme", np.array([-1, 7])),
    "mentees.teaching": _set("mentees", "teaching", np.zeros((3, STUDIES), dtype=bool)),
    "mentees.topics": _set("mentees", "topics", np.array([[0.5], [1.0]])),
    "weights.topics": _set("problem", "weights", Weights(topics=2.5)),  # type: ignore[arg-type]
    "weights.preferences": _set("problem", "weights", Weights(preferences=11)),
    "weights": _set("problem", "weights", Weights(0, 0, 0, 0)),
}


@pytest.mark.parametrize("field", MALFORMED)
@pytest.mark.parametrize("entry", ["solve", "dense_scores", "candidates"])
def test_malformed_input_is_refused_naming_the_field(field: str, entry: str) -> None:
    problem = _two_by_two()
    problem.forbidden, problem.forbidden_why = np.array([[0, 1]]), np.array([Forbid.NEVER])
    MALFORMED[field](problem)
    call = {
        "solve": lambda: engine.solve(problem),
        "dense_scores": lambda: engine.dense_scores(problem),
        "candidates": lambda: engine.candidates(problem, mentor=0),
    }[entry]
    with pytest.raises(engine.InvalidProblem) as refused:
        call()
    assert refused.value.field == field.strip()
    assert str(refused.value).startswith(field.strip() + ": ")


def test_one_pair_outside_the_problem_is_refused() -> None:
    problem = _two_by_two()
    for mentor, mentee in ((2, 0), (0, -1)):
        with pytest.raises(engine.InvalidProblem):
            engine.check_pair(problem, mentor, mentee)
        with pytest.raises(engine.InvalidProblem):
            engine.breakdown(problem, mentor, mentee)


def test_well_formed_input_of_other_integer_types_is_accepted() -> None:
    problem = _two_by_two()
    problem.forbidden = np.array([[0, 1]], dtype=np.int32)
    problem.forbidden_why = np.array([Forbid.NEVER], dtype=np.int8)
    problem.locks = np.zeros((0, 2), dtype=np.int32)
    problem.mentors.capacity = np.array([1, 2], dtype=np.int64)
    problem.weights = Weights(topics=np.int64(3))  # type: ignore[arg-type]
    assert pairs(engine.solve(problem)) == [(0, 0), (1, 1)]


def test_progress_and_timings() -> None:
    seen: list[tuple[int, str]] = []
    result = engine.solve(random_problem(5, 5, seed=1), progress=lambda p, s: seen.append((p, s)))
    assert [p for p, _s in seen] == sorted(p for p, _s in seen)
    assert seen[0][0] >= 0 and seen[-1] == (100, "Done")
    assert set(result.timings) == {"score", "solve", "check"}


# --- Explanations ----------------------------------------------------------------------------


def test_unplaced_reasons_and_counts() -> None:
    # Mentor 0 is excluded from everyone; mentors 1 and 2 both want mentee 0, who is locked
    # to mentor 3; mentee 1 is free but only mentor 2 may meet them.
    mentors = people(4, mode=[ONLINE, IN_PERSON, EITHER, EITHER], site=[-1, 1, 1, 1])
    mentees = people(2, mode=[EITHER, ONLINE])
    problem = Problem(
        mentors,
        mentees,
        forbidden=np.array([[0, 0], [0, 1], [2, 1]]),
        forbidden_why=np.array([Forbid.NAMED, Forbid.PAST, Forbid.NEVER]),
        locks=np.array([[3, 0]]),
    )
    result = engine.solve(problem)
    assert pairs(result) == [(3, 0)]
    found = {u.index: (u.reason, u.excluded) for u in result.unplaced_mentors}
    assert found == {
        0: ("conflict", {"named": 1, "past": 1}),
        1: ("taken", {"meet": 1, "capacity": 1}),
        2: ("taken", {"never": 1, "capacity": 1}),
    }
    # Mentor 3 could meet mentee 1 online, but is locked to mentee 0.
    assert [(u.index, u.reason) for u in result.unplaced_mentees] == [(1, "taken")]
    assert result.unplaced_mentees[0].excluded == {"past": 1, "never": 1, "meet": 1, "capacity": 1}


def test_teaching_counts_in_explanations() -> None:
    mentors = people(3, study=[0, 0, 1])
    mentees = people(1, teaching=[[0, 1]])
    result = engine.solve(Problem(mentors, mentees))
    assert result.matched == 0
    assert [u.excluded for u in result.unplaced_mentors] == [{"teaching": 1}] * 3
    assert result.unplaced_mentees[0].excluded == {"teaching": 3}


def test_breakdown() -> None:
    mentor = people(
        1, topics=[[1, 2, 70]], slots=[[0, 4, 5]], mode=[IN_PERSON], site=[2],
        prefs=[SAME_SITE], department=[3],
    )  # fmt: skip
    mentee = people(
        1, topics=[[2, 70, 9]], slots=[[4, 5, 6]], mode=[EITHER], site=[2],
        prefs=[OTHER_SITE | NOT_MY_PROGRAMME], department=[3],
    )  # fmt: skip
    problem = Problem(mentor, mentee)
    found = engine.breakdown(problem, 0, 0)
    assert found.topics == [2, 70]
    assert found.slots == [4, 5]
    assert found.meeting == "same_site"
    assert found.prefs_met == [("mentor", SAME_SITE)]
    assert found.prefs_unmet == [("mentee", OTHER_SITE), ("mentee", NOT_MY_PROGRAMME)]
    assert found.score == engine.dense_scores(problem)[0][0, 0]
    assert set(found.points) == {"topics", "availability", "mode_site", "preferences"}
    assert abs(sum(found.points.values()) - found.score) < 0.5
    # topics 2/3 * 5, availability 2/3 * 4, mode 1 * 2, preferences 1/3 * 2 out of 13
    assert found.points["mode_site"] == round(100 * 2 / 13, 2)


@pytest.mark.parametrize(
    ("modes", "sites", "meeting"),
    [
        ((EITHER, EITHER), (1, 2), "online"),
        ((IN_PERSON, IN_PERSON), (1, -1), "in_person_unknown_site"),
        ((IN_PERSON, EITHER), (1, 2), "in_person_other_site"),
        ((ONLINE, IN_PERSON), (1, 1), "cannot_meet"),
    ],
)
def test_breakdown_meeting(modes: tuple[int, int], sites: tuple[int, int], meeting: str) -> None:
    problem = Problem(
        people(1, mode=[modes[0]], site=[sites[0]]), people(1, mode=[modes[1]], site=[sites[1]])
    )
    assert engine.breakdown(problem, 0, 0).meeting == meeting


def test_candidates() -> None:
    problem = topic_problem([[1, 3, 3, 0], [2, 0, 3, 1]])
    problem.forbidden = np.array([[0, 3]])
    problem.forbidden_why = np.array([Forbid.NEVER])
    assert engine.candidates(problem, mentor=0) == [(1, 100), (2, 100), (0, 33)]
    assert engine.candidates(problem, mentor=0, limit=1) == [(1, 100)]
    spare = np.array([True, False, True, True])
    assert engine.candidates(problem, mentor=0, spare=spare) == [(2, 100), (0, 33)]
    assert engine.candidates(problem, mentee=2) == [(0, 100), (1, 100)]
    assert engine.candidates(problem, mentee=3) == [(1, 33)]
    with pytest.raises(ValueError):
        engine.candidates(problem)


def test_score_rows_matches_dense_scores() -> None:
    problem = random_problem(9, 7, seed=11)
    scores, admissible = engine.dense_scores(problem)
    part_scores, part_admissible = engine.score_rows(problem, slice(2, 5))
    assert np.array_equal(part_scores, scores[2:5])
    assert np.array_equal(part_admissible, admissible[2:5])
    assert scores.dtype == np.int16 and admissible.dtype == bool
