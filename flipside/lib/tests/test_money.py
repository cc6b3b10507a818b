"""Money: exact amounts, one rounding rule, and pounds as people read them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flipside.lib.money import MoneyError, format_pounds, pounds, round_to_penny

# Whole-penny amounts up to ±£10 million: far beyond any timesheet, within Decimal's digits.
amounts = st.integers(min_value=-(10**9), max_value=10**9).map(lambda p: Decimal(p) / 100)
# Exact worked-out values with up to six decimal places, as hours × rate produces.
worked_out = st.decimals(
    min_value=-10_000, max_value=10_000, places=6, allow_nan=False, allow_infinity=False
)


def test_an_amount_is_made_from_exact_values_and_has_two_places() -> None:
    assert pounds(12) == Decimal("12.00") and str(pounds(12)) == "12.00"
    assert pounds("12.6") == Decimal("12.60")
    assert pounds(" 1234.50 ") == Decimal("1234.50")
    assert pounds(Decimal("-3.05")) == Decimal("-3.05")


@pytest.mark.parametrize(
    "value",
    [0.1, 12.6, float("nan"), Decimal("NaN"), Decimal("Infinity"), "-inf", "twelve", True, None],
)
def test_floats_and_values_that_are_not_amounts_are_refused(value: Any) -> None:
    with pytest.raises(MoneyError):
        pounds(value)
    with pytest.raises(MoneyError):
        round_to_penny(value)


def test_fractions_of_a_penny_are_refused_where_an_exact_amount_is_expected() -> None:
    with pytest.raises(MoneyError, match="fractions of a penny"):
        pounds("12.605")
    with pytest.raises(MoneyError, match="fractions of a penny"):
        format_pounds(Decimal("12.605"))


def test_a_number_too_large_for_pennies_is_refused() -> None:
    with pytest.raises(MoneyError, match="too large"):
        pounds("1e40")


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),  # half up, not to even: banker's rounding would give 0.02 too
        ("0.025", "0.03"),  # … but here it would give 0.02
        ("-0.005", "-0.01"),  # half a penny rounds away from zero
        ("2.0349999", "2.03"),
    ],
)
def test_half_a_penny_rounds_up(value: str, rounded: str) -> None:
    assert round_to_penny(value) == Decimal(rounded)


def test_hours_times_a_rate_is_rounded_once() -> None:
    rate, hours = pounds("13.85"), Decimal("1.75")  # London Living Wage 2024/25, 1h45
    assert round_to_penny(rate * hours) == Decimal("24.24")  # 24.2375


@given(worked_out)
def test_rounding_is_to_the_nearest_penny_and_only_once(value: Decimal) -> None:
    rounded = round_to_penny(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert round_to_penny(rounded) == rounded == pounds(rounded)


@given(st.lists(worked_out, min_size=1, max_size=30))
def test_lines_rounded_once_add_up_exactly_and_stay_near_the_exact_total(
    lines: list[Decimal],
) -> None:
    # Flipside rounds each line once and adds the rounded lines: the total is then the sum
    # of what people see and needs no rounding of its own. It may differ from rounding the
    # exact total by up to half a penny a line, which is why the choice is written down.
    total = sum((round_to_penny(line) for line in lines), Decimal(0))
    assert pounds(total) == total
    assert abs(total - round_to_penny(sum(lines, Decimal(0)))) <= Decimal("0.005") * len(lines)


def test_rounding_lines_and_rounding_the_sum_can_differ() -> None:
    lines = [Decimal("0.005")] * 3
    assert sum(round_to_penny(line) for line in lines) == Decimal("0.03")
    assert round_to_penny(sum(lines, Decimal(0))) == Decimal("0.02")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("1234.50", "£1,234.50"),
        ("0", "£0.00"),
        ("-0.00", "£0.00"),
        ("-3.05", "-£3.05"),
        ("1000000", "£1,000,000.00"),
        ("0.07", "£0.07"),
    ],
)
def test_amounts_are_shown_in_pounds_with_thousands_separated(amount: str, shown: str) -> None:
    assert format_pounds(Decimal(amount)) == shown


@given(amounts)
def test_a_shown_amount_reads_back_as_the_same_amount(amount: Decimal) -> None:
    shown = format_pounds(amount)
    negative = shown.startswith("-")
    digits = shown.removeprefix("-").removeprefix("£").replace(",", "")
    assert pounds(f"-{digits}" if negative else digits) == amount
