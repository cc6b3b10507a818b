"""London time across the clock changes (28 March and 31 October 2027 are the change days)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from flipside.lib.dates import (
    LONDON,
    AmbiguousTime,
    NonexistentTime,
    academic_year_of,
    add_months,
    clock_time,
    london_datetime,
    london_interval_hours,
)
from flipside.lib.forms import london_time

UTC = datetime.UTC
SPRING = datetime.date(2027, 3, 28)  # clocks go forward at 01:00 GMT
AUTUMN = datetime.date(2027, 10, 31)  # clocks go back at 02:00 BST
HALF_PAST_ONE = datetime.time(1, 30)


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- A London date and wall time ----------------------------------------------------------


def test_an_ordinary_wall_time_is_that_moment_in_london() -> None:
    winter = london_datetime(datetime.date(2027, 1, 12), datetime.time(14))
    summer = london_datetime(datetime.date(2027, 6, 15), datetime.time(14))
    assert winter == utc(2027, 1, 12, 14) and winter.tzinfo is LONDON
    assert summer == utc(2027, 6, 15, 13)


def test_the_spring_half_past_one_does_not_exist_and_is_refused() -> None:
    with pytest.raises(NonexistentTime):
        london_datetime(SPRING, HALF_PAST_ONE)
    with pytest.raises(NonexistentTime):
        london_datetime(SPRING, HALF_PAST_ONE, fold=1)  # no pass of a skipped time to choose


def test_the_autumn_half_past_one_is_refused_unless_a_pass_is_chosen() -> None:
    with pytest.raises(AmbiguousTime):
        london_datetime(AUTUMN, HALF_PAST_ONE)
    first = london_datetime(AUTUMN, HALF_PAST_ONE, fold=0)
    second = london_datetime(AUTUMN, HALF_PAST_ONE, fold=1)
    # In UTC: Python never finds a repeated-hour time equal to one in another zone.
    assert first.astimezone(UTC) == utc(2027, 10, 31, 0, 30)  # still summer time
    assert second.astimezone(UTC) == utc(2027, 10, 31, 1, 30)  # an hour later, winter time
    assert first != utc(2027, 10, 31, 0, 30)  # the trap the docstring warns of


def test_the_times_either_side_of_each_change_are_unambiguous() -> None:
    assert london_datetime(SPRING, datetime.time(0, 59)) == utc(2027, 3, 28, 0, 59)
    assert london_datetime(SPRING, datetime.time(2)) == utc(2027, 3, 28, 1)
    assert london_datetime(AUTUMN, datetime.time(0, 59)) == utc(2027, 10, 30, 23, 59)
    assert london_datetime(AUTUMN, datetime.time(2)) == utc(2027, 10, 31, 2)


def test_a_wall_time_with_its_own_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="without a time zone"):
        london_datetime(SPRING, datetime.time(9, tzinfo=UTC))


@given(
    st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31)),
    st.times(),
)
def test_every_wall_time_that_exists_once_round_trips(
    date: datetime.date, time: datetime.time
) -> None:
    try:
        moment = london_datetime(date, time)
    except (NonexistentTime, AmbiguousTime):
        # Only the hour after 01:00 on a change day is ever missing or repeated.
        assert time.hour == 1 and date.month in (3, 10) and date.weekday() == 6
        return
    back = moment.astimezone(UTC).astimezone(LONDON)
    assert (back.date(), back.time()) == (date, time.replace(fold=0))


def test_the_form_helper_explains_each_refusal_in_words() -> None:
    with pytest.raises(ValidationError, match="There is no 01:30 on 28 March 2027 in the UK"):
        london_time(SPRING, HALF_PAST_ONE)
    with pytest.raises(ValidationError, match="01:30 happens twice on 31 October 2027"):
        london_time(AUTUMN, HALF_PAST_ONE)
    assert london_time(SPRING, datetime.time(9)) == utc(2027, 3, 28, 8)


# --- Hours between two moments ------------------------------------------------------------


def test_midnight_to_four_is_three_hours_in_spring_and_five_in_autumn() -> None:
    def night(day: datetime.date) -> Decimal:
        start = london_datetime(day, datetime.time(0))
        return london_interval_hours(start, london_datetime(day, datetime.time(4)))

    assert night(SPRING) == 3
    assert night(AUTUMN) == 5
    assert night(datetime.date(2027, 6, 15)) == 4


def test_hours_are_measured_in_real_time_though_python_subtracts_wall_times() -> None:
    start = datetime.datetime(2027, 3, 28, 0, 0, tzinfo=LONDON)
    end = datetime.datetime(2027, 3, 28, 4, 0, tzinfo=LONDON)
    assert end - start == datetime.timedelta(hours=4)  # the trap: same tzinfo, wall times
    assert london_interval_hours(start, end) == 3


def test_ends_in_different_time_zones_are_compared_as_moments() -> None:
    start = london_datetime(datetime.date(2027, 6, 15), datetime.time(9))
    assert london_interval_hours(start, utc(2027, 6, 15, 9, 45)) == Decimal("1.75")


def test_an_interval_needs_aware_ends_in_order() -> None:
    start = utc(2027, 6, 15, 9)
    with pytest.raises(ValueError, match="aware"):
        london_interval_hours(start, datetime.datetime(2027, 6, 15, 10))  # noqa: DTZ001
    with pytest.raises(ValueError, match="end at or after"):
        london_interval_hours(start, utc(2027, 6, 15, 8))
    assert london_interval_hours(start, start) == 0


@given(st.integers(min_value=0, max_value=200 * 24 * 4))
def test_whole_quarter_hours_are_exact(quarters: int) -> None:
    start = london_datetime(datetime.date(2027, 3, 1), datetime.time(9))
    end = start.astimezone(UTC) + datetime.timedelta(minutes=15 * quarters)
    hours = london_interval_hours(start, end)
    assert hours * 4 == quarters


# --- Academic years and clock times ---------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "year"),
    [
        (datetime.date(2026, 7, 31), "2025/26"),
        (datetime.date(2026, 8, 1), "2026/27"),
        (datetime.date(2027, 3, 28), "2026/27"),
        (datetime.date(1999, 9, 1), "1999/00"),
        (datetime.date(2099, 12, 31), "2099/00"),
    ],
)
def test_the_academic_year_starts_on_1_august(date: datetime.date, year: str) -> None:
    assert academic_year_of(date) == year


@given(st.dates(min_value=datetime.date(1901, 1, 1)))
def test_the_academic_year_changes_only_on_1_august(date: datetime.date) -> None:
    before = academic_year_of(date - datetime.timedelta(days=1))
    assert (academic_year_of(date) != before) == ((date.month, date.day) == (8, 1))


@pytest.mark.parametrize(
    ("hour", "minute", "shown"),
    [(0, 0, "midnight"), (12, 0, "midday"), (9, 0, "9am"), (14, 30, "2:30pm"), (0, 5, "12:05am")],
)
def test_clock_times_are_written_as_gov_uk_writes_them(hour: int, minute: int, shown: str) -> None:
    assert clock_time(datetime.time(hour, minute)) == shown


@given(
    # Hypothesis takes naive bounds and adds the zone itself.
    moment=st.datetimes(
        datetime.datetime(2001, 1, 1),  # noqa: DTZ001
        datetime.datetime(2090, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    months=st.integers(-120, 120),
)
def test_add_months_moves_whole_calendar_months_keeping_the_day_where_it_exists(
    moment: datetime.datetime, months: int
) -> None:
    moved = add_months(moment, months)
    assert (moved.year * 12 + moved.month) - (moment.year * 12 + moment.month) == months
    assert moved.time() == moment.time()
    assert moved.tzinfo is moment.tzinfo
    assert (
        moved.day == moment.day
        or moved.day < moment.day
        and (moved + datetime.timedelta(days=1)).day == 1
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2027, 1, 31), 1, datetime.date(2027, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 15), 1, datetime.date(2027, 1, 15)),
        (datetime.date(2027, 3, 31), -1, datetime.date(2027, 2, 28)),
        (datetime.date(2027, 1, 15), -1, datetime.date(2026, 12, 15)),
        (datetime.date(2027, 5, 31), -24, datetime.date(2025, 5, 31)),
    ],
)
def test_add_months_on_dates(day: datetime.date, months: int, expected: datetime.date) -> None:
    assert add_months(day, months) == expected
