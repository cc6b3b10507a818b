"""Numbers shaped for the server-rendered bar charts (each chart also shows its numbers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: int
    width: int  # 0–100: the bar's length as a share of the longest


def shares(weights: dict[str, int]) -> dict[str, int]:
    """Each weight's share of the score in whole percentages that add up to 100 (largest
    remainder), or all 0 when every weight is 0."""
    total = sum(weights.values())
    if not total:
        return dict.fromkeys(weights, 0)
    exact = {key: value * 100 / total for key, value in weights.items()}
    result = {key: int(share) for key, share in exact.items()}
    left = 100 - sum(result.values())
    for key in sorted(exact, key=lambda k: exact[k] - result[k], reverse=True)[:left]:
        result[key] += 1
    return result


BANDS = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)]


def bars(counts: list[int]) -> list[Bar]:
    """A bar for each band of ``BANDS`` (20 points each), given how many pairs score within
    it (``selectors.left_out`` counts them)."""
    longest = max(counts) or 1
    return [
        Bar(f"{low}–{high}", count, round(count * 100 / longest))
        for (low, high), count in zip(BANDS, counts, strict=True)
    ]


def side_by_side(first: int, second: int) -> tuple[int, int]:
    """Bar lengths for two numbers, the larger one full length."""
    longest = max(first, second) or 1
    return round(first * 100 / longest), round(second * 100 / longest)
