"""A mentor's timesheet lines: hours as typed, the limits on them (a day, a month, the cohort,
a weekly limit across months), pricing at the rate value in force under either policy,
changing, removing and submitting. The builders here are shared by the other timesheet
tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from conftest import World, join, make_cohort, make_scheme
from flipside.lib.dates import LONDON
from flipside.matching.models import Pair
from flipside.partnerships.models import Meeting
from flipside.payments.models import Employment, Line, PaySettings, Policy, Timesheet
from flipside.payments.services import PayError
from flipside.payments.services import timesheets as services
from flipside.payments.services.rates import pay_settings_of
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=LONDON)
D = datetime.date


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


# --- Builders shared by the timesheet tests --------------------------------------------------


def pair_of(world: World, mentor: Any = None, mentee: Any = None, cohort: Any = None) -> Pair:
    cohort = cohort or world.cohort
    return Pair.objects.create(
        cohort=cohort,
        mentor=mentor or world.mentor,
        mentee=mentee or world.mentee,
        started_at=datetime.datetime(2025, 9, 1, tzinfo=LONDON),
    )


def held(
    pair: Pair, day: datetime.date, *, minutes: int = 60, record: str = "confirmed", hour: int = 14
) -> Meeting:
    """A meeting of ``pair`` held on ``day`` (London time), recorded by the mentor."""
    return Meeting.objects.create(
        pair=pair,
        status=Meeting.Status.HELD,
        record=record,
        starts_at=datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON),
        minutes=minutes,
        held_minutes=minutes,
        recorded_by=pair.mentor,
    )


def pay(world: World, **values: Any) -> PaySettings:
    """The cohort's pay settings, with ``values`` changed."""
    settings = pay_settings_of(world.cohort)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def employ(world: World, user: Any = None, *, checked: bool = True, **values: Any) -> Employment:
    """The person's employment record at the world's organisation, with the right-to-work
    check recorded unless ``checked`` is False."""
    return Employment.objects.create(
        organisation=world.organisation,
        user=user or world.mentor,
        right_to_work_checked_on=D(2025, 9, 1) if checked else None,
        right_to_work_checked_by=world.coordinator if checked else None,
        **values,
    )


def sheet(world: World, day: datetime.date, mentor: Any = None, cohort: Any = None) -> Timesheet:
    return services.timesheet_for(cohort or world.cohort, mentor or world.mentor, day)


def work(
    world: World, day: datetime.date, hours: str = "2", *, mentor: Any = None, cohort: Any = None
) -> Line:
    mentor = mentor or world.mentor
    return services.add_work(
        sheet(world, day, mentor, cohort), worked_on=day, hours=hours,
        description="Spoke at the staff induction", by=mentor,
    )  # fmt: skip


def submitted(world: World, day: datetime.date, hours: str = "2") -> Line:
    line = work(world, day, hours)
    timesheet = Timesheet.objects.get(pk=line.timesheet_id)
    services.submit_timesheet(timesheet, by=world.mentor, version=timesheet.version)
    line.refresh_from_db()
    return line


# --- Periods ----------------------------------------------------------------------------------


def test_a_timesheet_is_the_calendar_month_and_made_once(world: World) -> None:
    first = sheet(world, D(2026, 2, 14))
    assert (first.period_start, first.period_end) == (D(2026, 2, 1), D(2026, 2, 28))
    assert sheet(world, D(2026, 2, 28)).pk == first.pk
    assert services.month_of(D(2028, 2, 3)) == (D(2028, 2, 1), D(2028, 2, 29))
    assert services.month_of(D(2025, 12, 31)) == (D(2025, 12, 1), D(2025, 12, 31))
    assert Timesheet.objects.filter(mentor=world.mentor).count() == 1


# --- Hours as typed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, message",
    [
        ("0", "more than 0"),
        ("-1", "more than 0"),
        ("NaN", "at most two decimal places"),
        ("1e309", "at most two decimal places"),
        ("1.234", "at most two decimal places"),
        ("25", "at most 24 hours"),
        ("abc", "at most two decimal places"),
        ("", "at most two decimal places"),
        ("1_0", "at most two decimal places"),
        ("Infinity", "at most two decimal places"),
    ],
)
def test_hours_that_are_not_a_real_amount_of_time_are_refused(
    world: World, typed: str, message: str
) -> None:
    with pytest.raises(PayError, match=message):
        work(world, D(2026, 6, 1), typed)
    assert not Line.objects.exists()


@pytest.mark.parametrize("typed, hours", [("1.5", "1.50"), (" 0.25 ", "0.25"), ("24", "24.00")])
def test_hours_with_up_to_two_decimals_are_kept_exactly(
    world: World, typed: str, hours: str
) -> None:
    assert work(world, D(2026, 6, 1), typed).hours == Decimal(hours)


def test_a_float_is_never_taken_for_hours() -> None:
    with pytest.raises(PayError):
        services.read_hours(1.5)


# --- Dates ------------------------------------------------------------------------------------


def test_work_in_the_future_or_outside_the_month_is_refused(world: World) -> None:
    june = sheet(world, D(2026, 6, 1))
    with pytest.raises(PayError, match="16 June 2026 is in the future"):
        services.add_work(june, worked_on=D(2026, 6, 16), hours="1", description="x",
                          by=world.mentor)  # fmt: skip
    with pytest.raises(PayError, match="not in this timesheet, which is for June 2026"):
        services.add_work(june, worked_on=D(2026, 5, 31), hours="1", description="x",
                          by=world.mentor)  # fmt: skip
    # The page adds work to the month of its date, and makes no timesheet for a refused one.
    with pytest.raises(PayError, match="future"):
        services.add_work_to(world.cohort, worked_on=D(2026, 7, 1), hours="1", description="x",
                             by=world.mentor)  # fmt: skip
    assert not Timesheet.objects.filter(period_start=D(2026, 7, 1)).exists()
    line = services.add_work_to(world.cohort, worked_on=D(2026, 5, 31), hours="1",
                                description="Panel", by=world.mentor)  # fmt: skip
    assert line.timesheet.period_start == D(2026, 5, 1)


def test_only_the_mentor_writes_on_their_timesheet(world: World) -> None:
    june = sheet(world, D(2026, 6, 1))
    for person in (world.mentee, world.coordinator):
        with pytest.raises(PayError, match="Only the mentor"):
            services.add_work(june, worked_on=D(2026, 6, 1), hours="1", description="x",
                              by=person)  # fmt: skip
    assert not Line.objects.exists()


def test_other_work_needs_a_description_and_a_cohort_that_pays_for_it(world: World) -> None:
    june = sheet(world, D(2026, 6, 1))
    with pytest.raises(PayError, match="Say what the work was"):
        services.add_work(june, worked_on=D(2026, 6, 1), hours="1", description="  ",
                          by=world.mentor)  # fmt: skip
    pay(world, pay_other=False)
    with pytest.raises(PayError, match="does not pay for other work"):
        work(world, D(2026, 6, 1))


# --- Limits -----------------------------------------------------------------------------------


def test_a_day_holds_24_hours_across_every_cohort(world: World) -> None:
    second = make_cohort(make_scheme(world.organisation))
    join(second, Role.MENTOR, world.mentor)
    day = D(2026, 6, 10)
    work(world, day, "20")
    with pytest.raises(PayError, match="already have 20 hours on 10 June 2026, so 5 more"):
        work(world, day, "5", cohort=second)
    line = work(world, day, "4", cohort=second)
    assert line.cohort == second
    # A rejected line does not count.
    Line.objects.filter(cohort=world.cohort).update(status=Line.Status.REJECTED)
    assert work(world, day, "19", cohort=second).hours == 19


def test_the_monthly_cap_counts_the_cohorts_lines_in_that_month(world: World) -> None:
    pay(world, monthly_cap_hours=Decimal(10))
    work(world, D(2026, 5, 31), "6")
    work(world, D(2026, 6, 1), "6")
    work(world, D(2026, 6, 2), "4")
    with pytest.raises(PayError, match="at most 10 hours a month. You already have 10 hours in "
                                       "June 2026, so 0.25 more"):  # fmt: skip
        work(world, D(2026, 6, 3), "0.25")
    # Another cohort's lines are its own.
    second = make_cohort(make_scheme(world.organisation))
    join(second, Role.MENTOR, world.mentor)
    assert work(world, D(2026, 6, 3), "3", cohort=second).hours == 3


def test_the_cohort_cap_counts_every_month(world: World) -> None:
    pay(world, cohort_cap_hours=Decimal("7.5"))
    work(world, D(2026, 4, 1), "4")
    work(world, D(2026, 5, 1), "3.5")
    with pytest.raises(PayError, match="at most 7.5 hours in all"):
        work(world, D(2026, 6, 1), "0.01")


def test_the_weekly_limit_spans_a_week_across_two_months(world: World) -> None:
    employ(world, weekly_limit_hours=Decimal(20))
    work(world, D(2025, 9, 29), "8")  # Monday, September's timesheet
    work(world, D(2025, 9, 30), "8")
    assert services.weekly_hours_warnings(world.organisation.pk, world.mentor.pk,
                                          [D(2025, 10, 1)])[0].hours == 16  # fmt: skip
    work(world, D(2025, 10, 1), "4")  # Wednesday, October's timesheet: 20 in the week
    with pytest.raises(
        PayError,
        match="at most 20 hours in a Monday-to-Sunday week. You already "
        "have 20 hours from 29 September 2025 to 5 October 2025",
    ):
        work(world, D(2025, 10, 5), "0.5")  # Sunday  # fmt: skip
    assert work(world, D(2025, 10, 6), "8").hours == 8  # the next Monday starts again
    months = set(Line.objects.values_list("timesheet__period_start", flat=True))
    assert months == {D(2025, 9, 1), D(2025, 10, 1)}


def test_the_weekly_warning_starts_at_80_per_cent(world: World) -> None:
    employ(world, weekly_limit_hours=Decimal(20))
    work(world, D(2026, 6, 8), "15.75")

    def warned() -> list[Any]:
        return services.weekly_hours_warnings(
            world.organisation.pk, world.mentor.pk, [D(2026, 6, 14)]
        )

    assert warned() == []
    work(world, D(2026, 6, 9), "0.25")
    [week] = warned()
    assert (week.monday, week.sunday, week.hours, week.left) == (
        D(2026, 6, 8), D(2026, 6, 14), Decimal(16), Decimal(4)
    )  # fmt: skip


def test_no_weekly_limit_without_one_recorded(world: World) -> None:
    employ(world)
    for day in range(1, 4):
        work(world, D(2026, 6, day), "10")
    assert services.weekly_hours_warnings(world.organisation.pk, world.mentor.pk,
                                          [D(2026, 6, 1)]) == []  # fmt: skip


# --- Pricing ----------------------------------------------------------------------------------


def test_from_the_announcement_a_new_value_applies_on_its_announced_day(world: World) -> None:
    pay(world, policy=Policy.ANNOUNCED)
    before, on = work(world, D(2025, 10, 21), "1.5"), work(world, D(2025, 10, 22), "1.5")
    assert (before.hourly, before.amount) == (Decimal("13.85"), Decimal("20.78"))  # 20.775 up
    assert (on.hourly, on.amount) == (Decimal("14.80"), Decimal("22.20"))
    assert on.rate_value is not None and on.rate_value.announced_on == D(2025, 10, 22)
    assert services.rate_from(on, Policy.ANNOUNCED) == D(2025, 10, 22)


def test_from_the_payable_date_the_old_value_holds_until_then(world: World) -> None:
    pay(world, policy=Policy.PAYABLE)
    announced = work(world, D(2025, 10, 22), "1")
    last_day, first_day = work(world, D(2026, 4, 30), "1"), work(world, D(2026, 5, 1), "1")
    assert [announced.hourly, last_day.hourly, first_day.hourly] == [
        Decimal("13.85"), Decimal("13.85"), Decimal("14.80")
    ]  # fmt: skip
    assert services.rate_from(first_day, Policy.PAYABLE) == D(2026, 5, 1)


def test_holiday_pay_is_its_own_amount_rounded_once(world: World) -> None:
    pay(world, holiday_pay=True, holiday_percent=Decimal("12.07"))
    line = work(world, D(2026, 6, 1), "2.25")
    # 2.25 × £14.80 = £33.30; 12.07% of it is £4.01931.
    assert (line.amount, line.holiday, line.total) == (
        Decimal("33.30"), Decimal("4.02"), Decimal("37.32")
    )  # fmt: skip


def test_no_value_in_force_is_refused_naming_the_date_and_rate(world: World) -> None:
    with pytest.raises(PayError, match="Living Wage has no value in force on 1 October 2023"):
        work(world, D(2023, 10, 1))
    pay(world, policy=Policy.PAYABLE)
    with pytest.raises(PayError, match="no value in force on 30 April 2024"):
        work(world, D(2024, 4, 30))
    assert not Line.objects.exists()


# --- Changing and removing --------------------------------------------------------------------


def test_work_written_by_hand_changes_and_is_priced_again(world: World) -> None:
    pay(world, policy=Policy.ANNOUNCED)
    line = work(world, D(2025, 10, 21), "1")
    changed = services.change_line(
        line,
        by=world.mentor,
        version=line.version,
        worked_on=D(2025, 10, 23),
        hours="2",
        description="Panel",
    )
    assert (changed.worked_on, changed.hours, changed.amount, changed.description) == (
        D(2025, 10, 23), Decimal(2), Decimal("29.60"), "Panel"
    )  # fmt: skip
    assert AuditEntry.objects.filter(action="payments.line.changed").count() == 1


def test_a_stale_change_is_refused_and_saves_nothing(world: World) -> None:
    line = work(world, D(2026, 6, 1), "1")
    services.change_line(line, by=world.mentor, version=line.version, hours="2")
    with pytest.raises(services.LineConflict, match="changed since you opened it") as caught:
        services.change_line(line, by=world.mentor, version=line.version, hours="3")
    assert caught.value.latest.hours == 2
    line.refresh_from_db()
    assert line.hours == 2


def test_changes_are_checked_like_new_lines(world: World) -> None:
    line = work(world, D(2026, 6, 1), "20")
    work(world, D(2026, 6, 2), "4")
    # The line itself is left out of the day's total, so 24 is allowed...
    assert services.change_line(line, by=world.mentor, version=1, hours="24").hours == 24
    # ...but moving it onto a day that already has 4 hours is not.
    with pytest.raises(PayError, match="24 hours in one day"):
        services.change_line(line, by=world.mentor, version=2, worked_on=D(2026, 6, 2))
    with pytest.raises(PayError, match="more than 0"):
        services.change_line(line, by=world.mentor, version=2, hours="0")


def test_submitted_lines_cannot_be_changed_or_removed(world: World) -> None:
    line = submitted(world, D(2026, 6, 1))
    with pytest.raises(PayError, match="waiting for approval, so it can no longer be changed"):
        services.change_line(line, by=world.mentor, version=line.version, hours="3")
    with pytest.raises(PayError, match="can no longer be changed"):
        services.remove_line(line, by=world.mentor)
    assert Line.objects.filter(pk=line.pk).exists()


def test_removing_a_draft_line(world: World) -> None:
    line = work(world, D(2026, 6, 1))
    with pytest.raises(PayError, match="Only the mentor"):
        services.remove_line(line, by=world.mentee)
    services.remove_line(line, by=world.mentor)
    assert not Line.objects.exists()
    assert AuditEntry.objects.filter(action="payments.line.removed").count() == 1


# --- Submitting -------------------------------------------------------------------------------


def test_an_empty_timesheet_cannot_be_submitted(world: World) -> None:
    june = sheet(world, D(2026, 6, 1))
    with pytest.raises(PayError, match="Add or claim some time"):
        services.submit_timesheet(june, by=world.mentor, version=june.version)


def test_submitting_sends_every_draft_line_and_a_second_press_changes_nothing(
    world: World,
) -> None:
    first, second = work(world, D(2026, 6, 1)), work(world, D(2026, 6, 2))
    june = Timesheet.objects.get(pk=first.timesheet_id)
    done = services.submit_timesheet(june, by=world.mentor, version=june.version)
    assert done.status == Timesheet.Status.SUBMITTED and done.submitted_at is not None
    assert set(Line.objects.values_list("status", flat=True)) == {Line.Status.SUBMITTED}
    again = services.submit_timesheet(june, by=world.mentor, version=june.version)
    assert again.version == done.version
    assert AuditEntry.objects.filter(action="payments.timesheet.submitted").count() == 1
    assert {first.pk, second.pk} == set(Line.objects.values_list("pk", flat=True))


def test_submitting_a_timesheet_that_changed_meanwhile_is_refused(world: World) -> None:
    work(world, D(2026, 6, 1))
    june = sheet(world, D(2026, 6, 1))
    opened = june.version
    work(world, D(2026, 6, 2))  # added in another tab
    with pytest.raises(PayError, match="changed since you opened it"):
        services.submit_timesheet(june, by=world.mentor, version=opened)
    assert not Line.objects.filter(status=Line.Status.SUBMITTED).exists()
    with pytest.raises(PayError, match="Only the mentor"):
        services.submit_timesheet(june, by=world.mentee, version=june.version + 1)
