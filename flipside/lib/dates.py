"""Dates and times as people in the UK read them.

Flipside stores aware datetimes in UTC and shows them in Europe/London. Two traps come with
the clock changes, and the helpers here avoid both:

- A London wall time can be missing (the clocks skip 01:00–01:59 on the last Sunday of March)
  or happen twice (01:00–01:59 on the last Sunday of October). ``london_datetime`` refuses the
  first and asks which pass is meant for the second, instead of guessing.
- Python subtracts two datetimes that share a tzinfo by their wall times, ignoring the clock
  change between them; ``london_interval_hours`` measures real elapsed time.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

LONDON = ZoneInfo("Europe/London")

# HESA's reporting year, which UK universities plan by, runs from 1 August to 31 July.
ACADEMIC_YEAR_STARTS = (8, 1)  # (month, day)
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)
_Day = TypeVar("_Day", datetime.date, datetime.datetime)


class NonexistentTime(ValueError):
    """A London wall time that the clocks skip in spring."""


class AmbiguousTime(ValueError):
    """A London wall time that happens twice in autumn, when no pass was chosen."""


def london_datetime(
    date: datetime.date, time: datetime.time, *, fold: Literal[0, 1] | None = None
) -> datetime.datetime:
    """The moment a London date and wall time name, as an aware datetime in London time.

    Raises ``NonexistentTime`` for a time the clocks skip. A time the clocks repeat raises
    ``AmbiguousTime`` unless ``fold`` says which pass is meant: 0 the first (still BST),
    1 the second (GMT, an hour later). Compare such a time with others through
    ``.astimezone(datetime.UTC)``: Python never finds a time in the repeated hour equal to
    one in another zone (PEP 495)."""
    if time.tzinfo is not None:
        raise ValueError("Give the wall time without a time zone; it is read as London time.")
    naive = datetime.datetime.combine(date, time).replace(fold=0)
    first, second = naive.replace(tzinfo=LONDON), naive.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    # In a gap the two passes disagree, and neither survives a round trip through UTC.
    if first.astimezone(datetime.UTC).astimezone(LONDON).replace(tzinfo=None) != naive:
        raise NonexistentTime(f"{naive:%H:%M} does not happen on {date} in London.")
    if fold is None:
        raise AmbiguousTime(f"{naive:%H:%M} happens twice on {date} in London.")
    return second if fold else first


def london_interval_hours(start: datetime.datetime, end: datetime.datetime) -> Decimal:
    """Hours that really pass from ``start`` to ``end`` (aware, any time zone), across clock
    changes: London's 00:00 to 04:00 is 3 hours on the spring day and 5 on the autumn one.

    Exact when the interval is a whole number of 36-second steps (0.01 h), so for every
    whole quarter of an hour; otherwise held to 28 significant digits. Money rounds once,
    at the end (``lib.money``), never the hours."""
    if start.utcoffset() is None or end.utcoffset() is None:
        raise ValueError("Both ends of an interval must be aware datetimes.")
    elapsed = end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)
    if elapsed < datetime.timedelta(0):
        raise ValueError("An interval must end at or after its start.")
    return Decimal(elapsed // datetime.timedelta(microseconds=1)) / _MICROSECONDS_PER_HOUR


def add_months(moment: _Day, months: int) -> _Day:
    """The same day (and time) ``months`` calendar months later, or earlier when negative;
    the month's last day when it has no such day. This is the ICO's reading of "one month"
    (received 31 January, due 28 or 29 February) and how retention periods count back."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last))


def academic_year_of(date: datetime.date) -> str:
    """The academic year a date falls in, written as cohorts are named: "2026/27"."""
    first = date.year if (date.month, date.day) >= ACADEMIC_YEAR_STARTS else date.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def clock_time(moment: datetime.datetime | datetime.time) -> str:
    """A wall time as GOV.UK writes it: "9am", "2:30pm", "midday", "midnight". Give it a
    time already in London time."""
    if moment.minute == 0 and moment.hour in (0, 12):
        return _("midnight") if moment.hour == 0 else _("midday")
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    suffix = pgettext("time of day", "am") if moment.hour < 12 else pgettext("time of day", "pm")
    return f"{hour}{minutes}{suffix}"
