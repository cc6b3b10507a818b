"""Paired before-and-after change: every figure is checked against SciPy called here on the
same changes, or against a brute-force count done here, never against the module itself."""

from __future__ import annotations

import dataclasses
import itertools
import math
from statistics import median
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st
from scipy import stats

from flipside.reports import statistics as paired
from flipside.reports.statistics import (
    PairedChange,
    change_in_pairs,
    hodges_lehmann,
    paired_change,
    rank_biserial,
    signed_rank_test,
    smallest_possible_p,
)

STATISTICS = ("statistic", "p_value", "rank_biserial", "hl_estimate", "ci_low", "ci_high")

likert = st.integers(min_value=1, max_value=5)


def likert_pairs(min_size: int, max_size: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    return st.lists(st.tuples(likert, likert), min_size=min_size, max_size=max_size)


@st.composite
def untied_pairs(draw: Any, min_size: int = 5, max_size: int = 20) -> list[tuple[int, int]]:
    """Pairs whose changes are all non-zero and of different sizes."""
    sizes = draw(st.lists(st.integers(1, 500), min_size=min_size, max_size=max_size, unique=True))
    signs = draw(st.lists(st.sampled_from([-1, 1]), min_size=len(sizes), max_size=len(sizes)))
    before = draw(st.lists(st.integers(0, 1000), min_size=len(sizes), max_size=len(sizes)))
    return [(b, b + s * v) for b, s, v in zip(before, signs, sizes, strict=True)]


def changes(pairs: list[tuple[int, int]]) -> np.ndarray:
    return np.array([after - before for before, after in pairs], dtype=float)


def tied_or_zero(d: np.ndarray) -> bool:
    sizes = [abs(x) for x in d if x != 0]
    return len(sizes) < len(d) or len(set(sizes)) < len(sizes)


def scipy_exhaustive(d: np.ndarray) -> Any:
    """SciPy's own signed-rank test, Pratt's rule, exact permutation distribution."""
    method = stats.PermutationMethod(n_resamples=2 ** len(d))
    return stats.wilcoxon(d, zero_method="pratt", method=method)


def brute_walsh(d: np.ndarray) -> list[float]:
    return sorted((d[i] + d[j]) / 2 for i in range(len(d)) for j in range(i, len(d)))


def brute_cdf(n: int) -> list[float]:
    """P(T <= t) for t = 0..n(n+1)/2, T the sum of ranks given a plus sign, counted over
    every one of the 2**n equally likely signings of ranks 1..n."""
    counts = [0] * (n * (n + 1) // 2 + 1)
    for signs in itertools.product((0, 1), repeat=n):
        counts[sum(rank for rank, plus in zip(range(1, n + 1), signs, strict=True) if plus)] += 1
    return list(itertools.accumulate(c / 2**n for c in counts))


def counted_cdf(n: int) -> list[float]:
    """The same distribution counted without listing the signings: the number of ways to
    reach each total is built up one rank at a time."""
    ways = [1]
    for rank in range(1, n + 1):
        ways = [a + b for a, b in itertools.zip_longest(ways + [0] * rank, [0] * rank + ways)]
    return list(itertools.accumulate(w / 2**n for w in ways))


def brute_interval_rank(n: int, confidence: float = 0.95) -> tuple[int, float]:
    cdf = brute_cdf(n) if n <= 12 else counted_cdf(n)
    k = 1
    while k < len(cdf) and 1 - 2 * cdf[k] >= confidence:  # k + 1 still covers enough
        k += 1
    return k, 1 - 2 * cdf[k - 1]


# The test itself ---------------------------------------------------------------------------


@examples(max_examples=60, deadline=None)
@given(untied_pairs())
def test_untied_changes_use_scipys_exact_distribution(pairs: list[tuple[int, int]]) -> None:
    d = changes(pairs)
    result = change_in_pairs(pairs, min_pairs=5)
    reference = stats.wilcoxon(d, zero_method="pratt", method="exact")
    assert result.analysable
    assert result.statistic == pytest.approx(float(reference.statistic), abs=1e-9)
    assert result.p_value == pytest.approx(float(reference.pvalue), rel=1e-12)
    assert "exact signed-rank distribution" in result.method
    assert "Pratt" in result.method


@examples(max_examples=25, deadline=None)
@given(likert_pairs(5, 9))
def test_ties_and_zeros_give_scipys_permutation_p_value(pairs: list[tuple[int, int]]) -> None:
    d = changes(pairs)
    result = change_in_pairs(pairs, min_pairs=5)
    if not d.any():
        assert not result.analysable
        return
    reference = scipy_exhaustive(d)
    assert result.statistic == pytest.approx(float(reference.statistic), abs=1e-9)
    assert result.p_value == pytest.approx(float(reference.pvalue), rel=1e-12)
    if tied_or_zero(d):
        assert "exact permutation distribution" in result.method
        assert "Pratt's rule" in result.method
    else:
        assert result.p_value == pytest.approx(
            float(stats.wilcoxon(d, zero_method="pratt", method="exact").pvalue), rel=1e-12
        )


def test_a_tied_example_by_hand_against_scipy() -> None:
    pairs = [(3, 4), (2, 4), (4, 4), (1, 3), (3, 5), (2, 2), (4, 5), (5, 3), (2, 4), (3, 4)]
    d = changes(pairs)
    result = change_in_pairs(pairs, min_pairs=5)
    reference = scipy_exhaustive(d)
    assert (result.n, result.zeros) == (10, 2)
    assert result.statistic == float(reference.statistic)
    assert result.p_value == pytest.approx(float(reference.pvalue), rel=1e-12)
    assert "all 256 ways" in result.method  # 8 non-zero changes: 2**8 signings
    assert "2 changes were zero and some changes were the same size" in result.method


def test_differences_that_are_equal_on_paper_are_tied() -> None:
    # 3.3 - 2.2 and 2.2 - 1.1 differ in binary floating point; rounding makes them a tie.
    pairs = [(2.2, 3.3), (1.1, 2.2), (1.0, 3.5), (4.0, 1.0), (0.5, 4.5)]
    result = change_in_pairs(pairs, min_pairs=5)
    assert "exact permutation distribution" in result.method
    reference = scipy_exhaustive(np.array([1.1, 1.1, 2.5, -3.0, 4.0]))
    assert result.p_value == pytest.approx(float(reference.pvalue), rel=1e-12)


def test_many_changes_use_a_reproducible_monte_carlo_permutation(monkeypatch: Any) -> None:
    rng = np.random.default_rng(7)
    pairs = [
        (int(a), int(b))
        for a, b in zip(rng.integers(1, 6, 10), rng.integers(2, 6, 10), strict=True)
    ]
    d = changes(pairs)
    reference = scipy_exhaustive(d)
    assert np.count_nonzero(d) > 4
    monkeypatch.setattr(paired, "EXHAUSTIVE_MAX_CHANGES", 4)
    result = change_in_pairs(pairs, min_pairs=5)
    assert "random sign arrangements" in result.method
    assert result.p_value == change_in_pairs(pairs, min_pairs=5).p_value  # fixed seed
    # 9,999 draws: the estimate is within 0.02 of the exact p-value (over four standard
    # errors) for any p-value; the seed is fixed, so this cannot fail by chance.
    assert result.p_value == pytest.approx(float(reference.pvalue), abs=0.02)
    assert result.statistic == float(reference.statistic)


def test_the_exhaustive_limit_is_where_the_module_says() -> None:
    exact = [(0, 1 + (i % 3)) for i in range(paired.EXHAUSTIVE_MAX_CHANGES)]
    sampled = [(0, 1 + (i % 3)) for i in range(paired.EXHAUSTIVE_MAX_CHANGES + 1)]
    assert "exact permutation distribution" in change_in_pairs(exact, min_pairs=5).method
    assert "random sign arrangements" in change_in_pairs(sampled, min_pairs=5).method


def test_signed_rank_test_refuses_changes_that_are_all_zero() -> None:
    with pytest.raises(ValueError, match="undefined"):
        signed_rank_test([0.0, 0.0, 0.0])


# Rank-biserial correlation -----------------------------------------------------------------


def test_rank_biserial_by_hand() -> None:
    # Ranks 1..5; rises 1 + 2 + 4 + 5 = 12, falls 3; (12 - 3) / 15.
    assert rank_biserial([1, 2, -3, 4, 5]) == pytest.approx(0.6)
    # Pratt: the zero takes rank 1, on neither side: rises 2 + 4, fall 3, total 10.
    assert rank_biserial([0, 1, -2, 3]) == pytest.approx(0.3)
    # Tied sizes share ranks: zeros 1.5 each, the ones 4 each; (8 - 4) / 15.
    assert rank_biserial([0, 0, 1, 1, -1]) == pytest.approx(4 / 15)
    assert rank_biserial([0, 0, 0]) == 0.0
    result = change_in_pairs([(1, 2), (1, 3), (4, 1), (1, 5), (1, 6)], min_pairs=5)
    assert result.rank_biserial == pytest.approx(0.6)


@examples(max_examples=200, deadline=None)
@given(likert_pairs(1, 30))
def test_rank_biserial_is_between_minus_one_and_one_and_follows_the_direction(
    pairs: list[tuple[int, int]],
) -> None:
    d = changes(pairs)
    r = rank_biserial(d)
    assert -1 <= r <= 1
    assert rank_biserial(-d) == pytest.approx(-r, abs=1e-12)
    ranks = stats.rankdata(np.abs(d))
    rises, falls = ranks[d > 0].sum(), ranks[d < 0].sum()
    assert np.sign(r) == np.sign(rises - falls)
    if (d > 0).any() and not (d < 0).any():
        assert r > 0
    if (d < 0).any() and not (d > 0).any():
        assert r < 0


@given(st.lists(st.integers(1, 4), min_size=1, max_size=30))
def test_rank_biserial_is_one_when_every_answer_rose(rises: list[int]) -> None:
    assert rank_biserial(rises) == pytest.approx(1.0)
    assert rank_biserial([-x for x in rises]) == pytest.approx(-1.0)


# Hodges-Lehmann estimate and interval ------------------------------------------------------


@examples(max_examples=100, deadline=None)
@given(st.one_of(likert_pairs(5, 25), untied_pairs()))
def test_hodges_lehmann_is_the_median_of_the_walsh_averages(
    pairs: list[tuple[int, int]],
) -> None:
    d = changes(pairs)
    result = change_in_pairs(pairs, min_pairs=5)
    if not d.any():
        return
    walsh = brute_walsh(d)
    assert result.hl_estimate == pytest.approx(median(walsh))
    k, level = brute_interval_rank(len(d))
    assert result.ci_low == walsh[k - 1]
    assert result.ci_high == walsh[len(walsh) - k]
    assert result.ci_level == pytest.approx(level)
    assert result.ci_low <= result.hl_estimate <= result.ci_high


@pytest.mark.parametrize("n", range(1, 13))
def test_the_interval_rank_and_level_match_the_exact_distribution(n: int) -> None:
    k, level = paired.interval_rank(n)
    assert (k, level) == pytest.approx(brute_interval_rank(n))
    assert counted_cdf(n) == pytest.approx(brute_cdf(n))
    if level < 0.95:
        assert k == 1  # even the widest interval falls short
    else:
        cdf = brute_cdf(n)
        assert 1 - 2 * cdf[k] < 0.95  # one step narrower would fall short


@pytest.mark.parametrize("n", [5, 6, 7, 8, 9])
def test_the_interval_covers_no_change_as_often_as_it_says(n: int) -> None:
    # Under no change every signing of the sizes is equally likely; the share of the 2**n
    # signings whose interval contains 0 is the interval's true level.
    sizes = np.sqrt(np.array([2, 3, 5, 7, 11, 13, 17, 19, 23], dtype=float))[:n]
    covered = 0
    for signs in itertools.product((-1, 1), repeat=n):
        interval = hodges_lehmann(sizes * np.array(signs))
        covered += interval.low <= 0 <= interval.high
    assert covered / 2**n == pytest.approx(hodges_lehmann(sizes).level)


def test_five_pairs_give_the_widest_interval_at_its_own_level() -> None:
    pairs = [(1, 2.5), (1, 3.25), (2, 1.5), (1, 5.75), (1, 2.0)]
    result = change_in_pairs(pairs, min_pairs=5)
    assert result.ci_level == 1 - 2 / 32
    assert (result.ci_low, result.ci_high) == (-0.5, 4.75)  # the smallest and largest change
    assert "93.8% confidence interval" in result.note
    assert "cannot reach 95%" in result.note


def test_the_interval_level_is_called_approximate_when_changes_tie() -> None:
    result = change_in_pairs([(1, 2), (1, 2), (1, 3), (2, 1), (1, 4), (3, 3)], min_pairs=5)
    assert "approximately" in result.note
    untied = change_in_pairs([(1, 2), (1, 3), (1, 4), (2, 1.5), (1, 6), (1, 7)], min_pairs=5)
    assert "approximately" not in untied.note


# Smallest possible p-value -----------------------------------------------------------------


def test_p_below_005_is_impossible_with_five_untied_changes_and_possible_with_six() -> None:
    five = change_in_pairs([(0, x) for x in (1, 2, 3, 4, 5)], min_pairs=5)
    assert five.smallest_possible_p == 2 / 32 == 0.0625
    assert five.p_value == five.smallest_possible_p  # every change up: the most extreme
    assert five.significance_impossible
    assert "no result could reach p < 0.05" in five.note
    six = change_in_pairs([(0, x) for x in (1, 2, 3, 4, 5, 6)], min_pairs=5)
    assert six.smallest_possible_p == 2 / 64
    assert not six.significance_impossible
    assert "could reach" not in six.note
    assert six.p_value == pytest.approx(float(stats.wilcoxon([1, 2, 3, 4, 5, 6]).pvalue))
    assert six.p_value < 0.05
    assert "below 0.05" in six.note


@pytest.mark.parametrize(
    "d",
    [[0, 1, 1, 2, 2, 1], [1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 3, 3, 1, 2], [-1, -2, -2, 0, 0]],
)
def test_smallest_possible_p_is_scipys_p_value_when_every_change_goes_one_way(d: list) -> None:
    changes_ = np.array(d, dtype=float)
    assert smallest_possible_p(int(np.count_nonzero(changes_))) == pytest.approx(
        float(scipy_exhaustive(changes_).pvalue), rel=1e-12
    )


def test_zeros_do_not_count_towards_the_smallest_possible_p() -> None:
    result = change_in_pairs([(3, 3)] * 4 + [(1, 2), (1, 3), (1, 4), (1, 5), (1, 6)], min_pairs=5)
    assert (result.n, result.zeros) == (9, 4)
    assert result.smallest_possible_p == 2 / 32
    assert result.significance_impossible
    assert "no result could reach p < 0.05" in result.note


# Cases with no statistics ------------------------------------------------------------------


def no_statistics(result: PairedChange) -> bool:
    values = dataclasses.asdict(result)
    return not result.analysable and all(values[name] is None for name in STATISTICS)


def test_too_few_pairs_says_so_and_gives_no_statistics() -> None:
    result = change_in_pairs([(1, 2), (2, 4), (3, 5), (4, 5)], min_pairs=5)
    assert no_statistics(result)
    assert result.n == 4
    assert result.zeros is None and result.ci_level is None
    assert result.smallest_possible_p is None
    assert result.note.startswith("Too few responses to analyse")
    assert "4" not in result.note  # the count below the minimum is not repeated


def test_the_minimum_comes_from_the_settings(settings: Any) -> None:
    pairs = [(1, 2), (2, 4), (3, 5), (4, 5), (1, 3)]
    settings.SURVEY_MIN_RESPONSES = 6
    assert change_in_pairs(pairs).note.startswith("Too few responses to analyse")
    settings.SURVEY_MIN_RESPONSES = 5
    assert change_in_pairs(pairs).analysable


def test_when_every_answer_is_the_same_the_test_is_undefined() -> None:
    result = change_in_pairs([(4, 4)] * 6, min_pairs=5)
    assert no_statistics(result)
    assert (result.n, result.zeros) == (6, 6)
    assert "undefined" in result.note
    assert "same answer both times" in result.note
    assert "6" not in result.note


def test_pre_answers_without_post_answers_are_no_pairs_yet() -> None:
    before = {"a": 3.0, "b": 4.0, "c": 2.0, "d": 5.0, "e": 1.0}
    for after in ({}, dict.fromkeys(before)):
        result = paired_change(before, after)
        assert no_statistics(result)
        assert result.n == 0
        assert result.note.startswith("No pairs yet")


def test_people_are_paired_by_key_and_missing_answers_are_left_out() -> None:
    before = {"a": 1, "b": 2, "c": None, "d": 3, "e": 1, "f": 2, "g": 4, "x": 1}
    after = {"a": 3, "b": 3, "c": 5, "d": 5, "e": math.nan, "f": 5, "g": 5, "y": 5}
    result = paired_change(before, after, min_pairs=2)
    # a, b, d, f, g: changes 2, 1, 2, 3, 1.
    expected = scipy_exhaustive(np.array([2.0, 1.0, 2.0, 3.0, 1.0]))
    assert result.n == 5
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-12)


@examples(max_examples=100, deadline=None)
@given(likert_pairs(0, 12), st.integers(1, 8))
def test_any_answers_give_a_readable_result(pairs: list[tuple[int, int]], minimum: int) -> None:
    result = change_in_pairs(pairs, min_pairs=minimum)
    assert result.note and "nan" not in result.note.lower()
    assert result.method
    if result.analysable:
        assert all(getattr(result, name) is not None for name in STATISTICS)
        assert 0 < result.p_value <= 1
        assert result.smallest_possible_p is not None
        assert result.p_value >= result.smallest_possible_p - 1e-12
    else:
        assert no_statistics(result)


def test_the_result_is_frozen() -> None:
    result = change_in_pairs([(1, 2)] * 5, min_pairs=5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n = 6  # type: ignore[misc]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="confidence"):
        change_in_pairs([(1, 2)] * 5, min_pairs=5, confidence=1.0)
    with pytest.raises(ValueError, match="min_pairs"):
        change_in_pairs([(1, 2)] * 5, min_pairs=0)
    with pytest.raises(ValueError, match="finite"):
        change_in_pairs([(1, math.inf)] * 5, min_pairs=5)


def test_a_single_change_among_zeros_has_p_value_one() -> None:
    pairs = [(2, 2)] * 4 + [(2, 3)]
    result = change_in_pairs(pairs, min_pairs=5)
    assert result.p_value == 1.0 == float(scipy_exhaustive(changes(pairs)).pvalue)
    assert result.smallest_possible_p == 1.0
    assert result.significance_impossible
    assert "no result could reach p < 0.05" in result.note


@examples(max_examples=50, deadline=None)
@given(likert_pairs(5, 14))
def test_the_note_states_no_count_of_people(pairs: list[tuple[int, int]]) -> None:
    # Counts are shown under the report's disclosure rules, from ``n`` and ``zeros``.
    result = change_in_pairs(pairs, min_pairs=5)
    for count in {result.n, result.zeros or 0, result.n - (result.zeros or 0)}:
        assert f"{count} people" not in result.note
        assert f"{count} gave" not in result.note
        assert f"all {count}" not in result.note
