"""Money: amounts in pounds sterling, as ``Decimal``, with one rounding rule.

- An amount is a ``Decimal`` of whole pennies (two decimal places). ``pounds`` makes one from
  an exact value (an ``int``, a ``str`` or a ``Decimal``) and refuses floats: a float is
  binary, so ``0.1`` is already not a tenth, and the error would surface pennies later.
- Values worked out from others (hours × rate) keep every digit until the one place they
  become an amount someone is paid or shown: ``round_to_penny`` rounds there, once.
- Totals add amounts that are already whole pennies, so they never round again and every
  total is the sum of the lines people see. (Rounding each line and then adding can differ
  from rounding the exact sum by up to half a penny a line; Flipside chooses lines that add
  up, as a payslip or invoice does.)
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
# Half a penny rounds up (away from zero), as people round by hand and as spreadsheets'
# ROUND() does, so a coordinator checking a timesheet in Excel gets the same pennies.
# Python's default, ROUND_HALF_EVEN (banker's rounding), would surprise them.
ROUNDING = ROUND_HALF_UP


class MoneyError(ValueError):
    """A value that cannot be an amount of money."""


def _exact(value: Decimal | int | str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise MoneyError(f"Money must be a Decimal, an int or a str, not {type(value).__name__}.")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation as error:
        raise MoneyError(f"{value!r} is not a number.") from error
    if not number.is_finite():
        raise MoneyError(f"{value!r} is not an amount of money.")
    return number


def _to_pennies(number: Decimal) -> Decimal:
    try:
        return number.quantize(PENNY, rounding=ROUNDING)
    except InvalidOperation as error:  # more digits than a Decimal context holds
        raise MoneyError(f"{number} is too large to be an amount of money.") from error


def pounds(value: Decimal | int | str) -> Decimal:
    """An amount given exactly, such as a rate typed in or read from a table: refuses
    floats, NaN, infinities and fractions of a penny (round a worked-out value instead)."""
    number = _exact(value)
    amount = _to_pennies(number)
    if amount != number:
        raise MoneyError(f"{value!r} has fractions of a penny.")
    return amount


def round_to_penny(value: Decimal | int | str) -> Decimal:
    """The one rounding rule: to the nearest penny, half a penny up. Call it once, where a
    worked-out value becomes an amount to pay or show."""
    return _to_pennies(_exact(value))


def format_pounds(amount: Decimal) -> str:
    """An amount as people read it: "£1,234.50", "-£3.05", "£0.00". Never rounds: an amount
    with fractions of a penny is refused, so rounding stays in ``round_to_penny``."""
    amount = pounds(amount)
    sign = "-" if amount < 0 else ""  # Decimal("-0.00") is not below zero: shown as £0.00
    return f"{sign}£{abs(amount):,.2f}"
