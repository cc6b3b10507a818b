"""Money for pay: which value of a rate is in force on a day, and a line's price.

Amounts are ``Decimal`` throughout and are rounded by ``lib.money.round_to_penny`` (here
``pennies``), once, where a worked-out value becomes an amount. A line's amount is its hours
times the hourly value, rounded once to the penny (half up, as payroll and spreadsheets
round); its holiday pay is the same product times the cohort's holiday percentage, rounded
once too. Nothing sums rounded parts and rounds again: a run's total is the sum of its
lines' rounded amounts, which is what payroll pays.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flipside.lib.money import PENNY
from flipside.lib.money import round_to_penny as pennies

from .models import Policy, Rate, RateValue

__all__ = ["HUNDRED", "PENNY", "Price", "parse_hours", "pennies", "price", "value_in_force"]

HUNDRED = Decimal(100)


class Price(NamedTuple):
    value: RateValue
    hourly: Decimal
    amount: Decimal
    holiday: Decimal


def value_in_force(rate: Rate, day: datetime.date, policy: str) -> RateValue | None:
    """The value of ``rate`` that applies to work done on ``day``: the newest one already
    announced by then (policy ``announced``) or already payable by then (``payable``)."""
    values = RateValue.objects.filter(rate=rate)
    if policy == Policy.PAYABLE:
        return values.filter(payable_from__lte=day).order_by("-payable_from").first()
    return values.filter(announced_on__lte=day).order_by("-announced_on").first()


def price(hours: Decimal, value: RateValue, *, holiday_percent: Decimal | None = None) -> Price:
    """A line's price: ``hours`` at ``value``, with rolled-up holiday pay at
    ``holiday_percent`` (none when None)."""
    gross = hours * value.hourly
    holiday = pennies(gross * holiday_percent / HUNDRED) if holiday_percent else Decimal("0.00")
    return Price(value, value.hourly, pennies(gross), holiday)


def parse_hours(text: object) -> Decimal | None:
    """Hours as typed, or None if they are not a finite number with at most two decimals,
    written in ASCII digits (``Decimal`` would also read "1_0" and other scripts' digits)."""
    typed = str(text).strip()
    if not typed.isascii() or "_" in typed:
        return None
    try:
        hours = Decimal(typed)
    except (InvalidOperation, ValueError):
        return None
    # Anything this large is not hours (and would overflow the rounding below).
    if not hours.is_finite() or abs(hours) >= 10**6:
        return None
    if hours != hours.quantize(PENNY):
        return None
    return hours
