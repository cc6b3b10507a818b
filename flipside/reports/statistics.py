"""Change between the before and after answers of the same people, for small groups.

A scheme's pre and post surveys ask the same people the same scale questions (for example
1 to 5). For one question, ``paired_change`` pairs each person's two answers and reports:

- the Wilcoxon signed-rank test (two-sided) of "no change overall", from ``scipy.stats``;
- the matched-pairs rank-biserial correlation, how one-sided the change was (-1 to 1);
- the Hodges-Lehmann estimate of the typical change, with a distribution-free confidence
  interval whose achieved level is stated (with few people it cannot be exactly 95%);
- the smallest p-value the test could give with this many changed answers, and whether
  p < 0.05 was possible at all.

Every change is ``after - before``, so a positive change is a higher answer afterwards.

Zero changes (the same answer twice) follow one rule throughout, Pratt's: they stay in the
data. They are ranked with the other changes (taking the lowest ranks), then counted on
neither side of the test statistic; they count in the rank-biserial correlation's total
rank sum, which pulls it towards 0; and they are among the changes whose pairwise averages
give the Hodges-Lehmann estimate and interval. ``n`` is every pair, zeros included.

Which null distribution gives the p-value:

- no zero and no tied changes: the exact signed-rank distribution
  (``scipy.stats.wilcoxon(method="exact")``);
- zeros or ties (usual for 1-5 answers), up to ``EXHAUSTIVE_MAX_CHANGES`` non-zero changes:
  the exact permutation distribution over every way of giving the ranked changes a sign,
  from ``scipy.stats.permutation_test``. It is the distribution
  ``scipy.stats.wilcoxon(zero_method="pratt", method=scipy.stats.PermutationMethod())``
  uses, but that function evaluates its statistic one arrangement at a time (about a
  millisecond each), so the same statistic is given to ``permutation_test`` in vectorised
  form; the tests check the two p-values are equal;
- more non-zero changes than that: the same permutation distribution estimated from
  ``MONTE_CARLO_RESAMPLES`` random sign arrangements drawn with a fixed seed, so the same
  answers always give the same p-value.

Below the minimum number of pairs (``settings.SURVEY_MIN_RESPONSES`` unless given) no
statistic is reported, and only ``n`` is kept. The note never states a count of people: the
counts are in ``n`` and ``zeros``, for the report to show under its disclosure rules.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from django.conf import settings
from scipy import stats

ALPHA = 0.05  # the conventional threshold the notes refer to
ZERO_RULE = "pratt"  # scipy.stats.wilcoxon's name for the zero rule described above
EXHAUSTIVE_MAX_CHANGES = 14  # 2**14 sign arrangements take well under a second
MONTE_CARLO_RESAMPLES = 9_999
MONTE_CARLO_SEED = 20_240_917
MONTE_CARLO_BATCH = 2_000  # arrangements evaluated at once, which bounds memory
DECIMALS = 9  # changes are rounded so that arithmetic noise never breaks a tie

Changes = npt.NDArray[np.float64]
K = TypeVar("K", bound=Hashable)

_ZERO_TEXT = (
    "Zero changes (the same answer twice) are handled by Pratt's rule: they are ranked "
    "with the other changes and then left out of both rank sums."
)


@dataclass(frozen=True)
class PairedChange:
    """The change in one question between people's before and after answers.

    ``analysable`` is False when there were no pairs, too few pairs, or no one's answer
    changed; then every statistic is None and ``note`` says why.

    - ``n``: pairs used (people with both answers), zero changes included.
    - ``zeros``: pairs whose two answers were the same (None below the minimum).
    - ``statistic``: the smaller of the sums of ranks of the rises and of the falls, as
      ``scipy.stats.wilcoxon`` reports it for a two-sided test.
    - ``p_value``: two-sided, from the distribution that ``method`` names.
    - ``rank_biserial``: (rank sum of rises - rank sum of falls) / sum of all ranks,
      zeros' ranks included: 1 when every answer rose, -1 when every answer fell.
    - ``hl_estimate``: the Hodges-Lehmann estimate of the typical change (after - before).
    - ``ci_low``, ``ci_high``, ``ci_level``: its confidence interval and the interval's
      achieved level (for example 0.9375 with 5 pairs, where 95% cannot be reached).
    - ``smallest_possible_p``: the smallest two-sided p-value possible with this many
      non-zero changes, 2 / 2**changes, whatever their size or ties.
    - ``significance_impossible``: True when that smallest p-value is 0.05 or more, so no
      answers could have given p < 0.05.
    """

    n: int
    zeros: int | None
    statistic: float | None
    p_value: float | None
    method: str
    rank_biserial: float | None
    hl_estimate: float | None
    ci_low: float | None
    ci_high: float | None
    ci_level: float | None
    smallest_possible_p: float | None
    significance_impossible: bool
    note: str
    analysable: bool


@dataclass(frozen=True)
class SignedRankTest:
    statistic: float
    p_value: float
    method: str


@dataclass(frozen=True)
class HodgesLehmann:
    estimate: float
    low: float
    high: float
    level: float


def paired_change(
    before: Mapping[K, float | None],
    after: Mapping[K, float | None],
    *,
    min_pairs: int | None = None,
    confidence: float = 0.95,
) -> PairedChange:
    """The change from ``before`` to ``after``, each a person's answer keyed by who gave it
    (a pseudonym, say). People in only one of them, or with no answer (None or NaN) in
    either, are left out."""
    pairs = [(before[key], after[key]) for key in before if key in after]
    return change_in_pairs(pairs, min_pairs=min_pairs, confidence=confidence)


def change_in_pairs(
    pairs: Iterable[tuple[float | None, float | None]],
    *,
    min_pairs: int | None = None,
    confidence: float = 0.95,
) -> PairedChange:
    """The change over ``(before, after)`` answer pairs, one per person; a pair missing
    either answer (None or NaN) is left out. ``min_pairs`` defaults to
    ``settings.SURVEY_MIN_RESPONSES``; ``confidence`` is the interval's target level."""
    minimum = int(settings.SURVEY_MIN_RESPONSES) if min_pairs is None else int(min_pairs)
    if minimum < 1:
        raise ValueError(f"min_pairs must be 1 or more, not {minimum}.")
    _check_confidence(confidence)
    changes = changes_of(pairs)
    n = int(changes.size)
    if n == 0:
        return _not_analysed(
            0,
            None,
            "No pairs yet: no one has answered this question both before and after.",
        )
    if n < minimum:
        return _not_analysed(
            n,
            None,
            f"Too few responses to analyse: fewer than {minimum} people have answered "
            "this question both before and after.",
        )
    zeros = int(np.count_nonzero(changes == 0))
    if zeros == n:
        return _not_analysed(
            n,
            zeros,
            "Nothing changed: everyone who answered both before and after gave the same "
            "answer both times, so the test of change is undefined and there is no change "
            "to measure.",
        )

    test = signed_rank_test(changes)
    effect = rank_biserial(changes)
    interval = hodges_lehmann(changes, confidence)
    smallest = smallest_possible_p(n - zeros)
    impossible = smallest >= ALPHA
    return PairedChange(
        n=n,
        zeros=zeros,
        statistic=test.statistic,
        p_value=test.p_value,
        method=test.method,
        rank_biserial=effect,
        hl_estimate=interval.estimate,
        ci_low=interval.low,
        ci_high=interval.high,
        ci_level=interval.level,
        smallest_possible_p=smallest,
        significance_impossible=impossible,
        note=_note(
            zeros,
            test,
            effect,
            interval,
            confidence,
            smallest,
            impossible,
            approximate=zeros > 0 or _tied(changes),
        ),
        analysable=True,
    )


def changes_of(pairs: Iterable[tuple[float | None, float | None]]) -> Changes:
    """``after - before`` for every pair with both answers, rounded to ``DECIMALS``
    places so that two changes equal on paper are equal here (3.3 - 2.2 is not 1.1 in
    binary floating point)."""
    kept: list[float] = []
    for before, after in pairs:
        if before is None or after is None:
            continue
        first, second = float(before), float(after)
        if math.isnan(first) or math.isnan(second):
            continue
        kept.append(second - first)
    changes = np.round(np.asarray(kept, dtype=np.float64), DECIMALS)
    if not np.all(np.isfinite(changes)):
        raise ValueError("Answers must be finite numbers.")
    return np.asarray(changes + 0.0, dtype=np.float64)  # + 0.0 turns -0.0 into 0.0


def signed_rank_test(changes: npt.ArrayLike) -> SignedRankTest:
    """The two-sided Wilcoxon signed-rank test of ``changes`` (after - before), zeros by
    Pratt's rule, with the exact distribution when there are no zeros or ties and the
    permutation distribution otherwise (see the module's description)."""
    d = _as_changes(changes)
    nonzero = d != 0
    if not nonzero.any():
        raise ValueError("The signed-rank test is undefined when no change is non-zero.")
    ranks = stats.rankdata(np.abs(d))  # average ranks; zeros take the lowest (Pratt)
    signed = np.sign(d[nonzero]) * ranks[nonzero]
    m = int(signed.size)
    tied = _tied(d)
    if m == d.size and not tied:
        result = stats.wilcoxon(d, zero_method=ZERO_RULE, method="exact")
        return SignedRankTest(
            float(result.statistic),
            float(result.pvalue),
            "Wilcoxon signed-rank test (two-sided), p-value from the exact signed-rank "
            "distribution, because no change was zero and no two changes were the same "
            "size. Zero changes would have been handled by Pratt's rule (ranked with the "
            "other changes, then left out of both rank sums); there were none.",
        )

    why = _ties_and_zeros(d.size - m, tied)
    # SciPy needs two values to permute. A lone non-zero change is given one zero's signed
    # rank, 0, for company: 0 is the same whichever sign it gets, so the distribution of the
    # statistic is unchanged (p = 1).
    sample = signed if m >= 2 else np.append(signed, 0.0)
    options: dict[str, Any]
    if m <= EXHAUSTIVE_MAX_CHANGES:
        options = {"n_resamples": 2**sample.size}
        source = (
            f"the exact permutation distribution (all {2**m:,} ways of giving the "
            f"{m} ranked non-zero changes a sign)"
        )
    else:
        options = {
            "n_resamples": MONTE_CARLO_RESAMPLES,
            "batch": MONTE_CARLO_BATCH,
            "rng": np.random.default_rng(MONTE_CARLO_SEED),
        }
        source = (
            f"the permutation distribution estimated from {MONTE_CARLO_RESAMPLES:,} "
            f"random sign arrangements of the {m} ranked non-zero changes (fixed seed, "
            "so the same answers give the same p-value; accurate to about 0.005 near "
            "p = 0.05)"
        )
    result = stats.permutation_test(
        (sample,),
        _positive_rank_sum,
        permutation_type="samples",
        vectorized=True,
        alternative="two-sided",
        **options,
    )
    rises, falls = float(signed[signed > 0].sum()), float(-signed[signed < 0].sum())
    statistic = min(rises, falls) + 0.0  # + 0.0 turns -0.0 into 0.0
    return SignedRankTest(
        statistic,
        float(result.pvalue),
        f"Wilcoxon signed-rank test (two-sided), p-value from {source}, because {why}. "
        + _ZERO_TEXT,
    )


def rank_biserial(changes: npt.ArrayLike) -> float:
    """The matched-pairs rank-biserial correlation by Kerby's simple difference formula:
    (sum of the ranks of rises - sum of the ranks of falls) / sum of all the ranks, ranks
    being those of the changes' sizes (ties averaged). Zeros follow Pratt's rule as in the
    test: ranked, on neither side, but in the total, so each no-change pulls the result
    towards 0. 1 means every answer rose, -1 every answer fell; 0 if nothing changed."""
    d = _as_changes(changes)
    if d.size == 0:
        raise ValueError("The rank-biserial correlation needs at least one pair.")
    ranks = stats.rankdata(np.abs(d))
    total = d.size * (d.size + 1) / 2  # the sum of all the ranks, zeros' included
    return float((ranks[d > 0].sum() - ranks[d < 0].sum()) / total)


def hodges_lehmann(changes: npt.ArrayLike, confidence: float = 0.95) -> HodgesLehmann:
    """The Hodges-Lehmann estimate of the typical change, the median of the Walsh averages
    (d[i] + d[j]) / 2 for i <= j over every change, zeros included, with the
    distribution-free interval [W(k), W(M + 1 - k)] between ordered Walsh averages
    (M of them), k from the exact signed-rank distribution (see ``interval_rank``).

    The stated level is exact for continuous data; when changes are tied or zero it is
    the level the same interval would have without ties, so it is approximate."""
    _check_confidence(confidence)
    d = _as_changes(changes)
    if d.size == 0:
        raise ValueError("The Hodges-Lehmann estimate needs at least one pair.")
    i, j = np.triu_indices(d.size)
    walsh = np.sort((d[i] + d[j]) / 2)
    k, level = interval_rank(int(d.size), confidence)
    return HodgesLehmann(float(np.median(walsh)), float(walsh[k - 1]), float(walsh[-k]), level)


@lru_cache(maxsize=256)
def interval_rank(n: int, confidence: float = 0.95) -> tuple[int, float]:
    """``(k, level)`` for the interval [W(k), W(M + 1 - k)] over the M = n(n + 1)/2 ordered
    Walsh averages of n changes: the narrowest whose coverage 1 - 2 P(T <= k - 1) is at
    least ``confidence``, T being the signed-rank statistic under no change. When even
    k = 1 (the widest interval, from the smallest to the largest change) falls short,
    k is 1 and ``level`` is its coverage, 1 - 2 / 2**n, below ``confidence``."""
    _check_confidence(confidence)
    if n < 1:
        raise ValueError("A confidence interval needs at least one pair.")
    tail = (1 - confidence) / 2
    # P(T <= t) rises with t; find the largest t with P(T <= t) <= tail, or -1 if none.
    # At t = floor(n(n + 1)/4), the distribution's centre, P(T <= t) >= 0.5 > tail.
    low, high = -1, n * (n + 1) // 4
    while high - low > 1:
        middle = (low + high) // 2
        if signed_rank_cdf(n, middle) <= tail:
            low = middle
        else:
            high = middle
    k = max(low + 1, 1)
    return k, 1 - 2 * signed_rank_cdf(n, k - 1)


def signed_rank_cdf(n: int, t: int) -> float:
    """P(T <= t) for the signed-rank statistic T (the sum of the ranks of the positive
    changes) of n untied, non-zero changes when nothing changed, from SciPy's exact
    distribution. SciPy has no public object for it, so it is read as the one-sided exact
    p-value of changes 1..n whose positive ones have ranks adding up to exactly t."""
    if not 0 <= t <= n * (n + 1) // 2:
        raise ValueError(f"t must be between 0 and {n * (n + 1) // 2}, not {t}.")
    ranks = np.arange(1, n + 1, dtype=np.float64)
    positive = np.zeros(n, dtype=bool)
    remaining = t
    for rank in range(n, 0, -1):  # every total 0..n(n+1)/2 is reached this way
        if rank <= remaining:
            positive[rank - 1] = True
            remaining -= rank
    changes = np.where(positive, ranks, -ranks)
    result = stats.wilcoxon(changes, method="exact", alternative="less")
    return float(result.pvalue)


def smallest_possible_p(changes: int) -> float:
    """The smallest two-sided p-value the signed-rank test can give with this many
    non-zero changes: only the two arrangements where every change has the same sign are
    as extreme as that, out of 2**changes equally likely under no change, so 2 / 2**changes
    (1 for a single change). Ties do not alter it: with any ranks, all-positive is the
    only arrangement with the largest rank sum."""
    if changes < 1:
        raise ValueError("With no non-zero change there is no p-value.")
    return min(1.0, math.ldexp(1.0, 1 - changes))


def _positive_rank_sum(signed_ranks: Changes, axis: int = -1) -> Changes:
    """The signed-rank statistic of signed ranks: the sum of the positive ones."""
    return np.where(signed_ranks > 0, signed_ranks, 0.0).sum(axis=axis)


def _tied(changes: Changes) -> bool:
    """Whether two non-zero changes are the same size."""
    sizes = np.abs(changes[changes != 0])
    return bool(np.unique(sizes).size < sizes.size)


def _ties_and_zeros(zeros: int, tied: bool) -> str:
    reasons = []
    if zeros:
        reasons.append(f"{zeros} {'change was' if zeros == 1 else 'changes were'} zero")
    if tied:
        reasons.append("some changes were the same size")
    return " and ".join(reasons)


def _not_analysed(n: int, zeros: int | None, note: str) -> PairedChange:
    return PairedChange(
        n=n,
        zeros=zeros,
        statistic=None,
        p_value=None,
        method="No test was run.",
        rank_biserial=None,
        hl_estimate=None,
        ci_low=None,
        ci_high=None,
        ci_level=None,
        smallest_possible_p=None,
        significance_impossible=False,
        note=note,
        analysable=False,
    )


def _note(
    zeros: int,
    test: SignedRankTest,
    effect: float,
    interval: HodgesLehmann,
    confidence: float,
    smallest: float,
    impossible: bool,
    approximate: bool,
) -> str:
    if zeros == 0:
        who = "Everyone who answered both before and after changed their answer."
    else:
        who = "Some people gave the same answer before and after."
    if effect > 0:
        direction = "Answers went up more than they went down"
    elif effect < 0:
        direction = "Answers went down more than they went up"
    else:
        direction = "Rises and falls balanced out"
    parts = [
        who,
        f"{direction} (rank-biserial correlation {effect:+.2f}, on a scale from -1, "
        "every answer fell, to +1, every answer rose).",
        f"The typical change was {_signed(interval.estimate)} (Hodges-Lehmann estimate), "
        f"with {'an approximately' if approximate else 'a'} {_percent(interval.level)} "
        f"confidence interval from "
        f"{_signed(interval.low)} to {_signed(interval.high)}.",
    ]
    if interval.level < confidence:
        parts.append(
            "With this few people this is the widest interval there is, and it cannot "
            f"reach {confidence * 100:g}%."
        )
    if test.p_value < ALPHA:
        verdict = (
            f"below {ALPHA:g}: a change as one-sided as this would be unlikely if nothing "
            "had really changed."
        )
    else:
        verdict = f"not below {ALPHA:g}, so this is not clear evidence of a real change."
    parts.append(f"Wilcoxon signed-rank test: {_p(test.p_value)}, {verdict}")
    if impossible:
        parts.append(
            "With this few people whose answer changed, no result could reach "
            f"p < {ALPHA:g} (the smallest p-value possible is {smallest:.3g}), so the test "
            "could not show a change however consistent the answers."
        )
    return " ".join(parts)


def _signed(value: float) -> str:
    text = f"{value:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"+0", "-0"} else text


def _percent(level: float) -> str:
    return f"{level * 100:.1f}%"


def p_value_text(p_value: float) -> str:
    """A p-value as reports print it, in tables and sentences alike: "<0.001" or 3 figures."""
    return "<0.001" if p_value < 0.001 else f"{p_value:.3g}"


def _p(p_value: float) -> str:
    text = p_value_text(p_value)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def _as_changes(changes: npt.ArrayLike) -> Changes:
    d = np.asarray(changes, dtype=np.float64)
    if d.ndim != 1:
        raise ValueError("Changes must be a flat sequence of numbers.")
    if not np.all(np.isfinite(d)):
        raise ValueError("Changes must be finite numbers.")
    return d


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}.")
