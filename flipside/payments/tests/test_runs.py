"""Payment runs: collecting approved lines once, exporting (then nothing changes), marking
paid, corrections as new lines, the payroll columns, and the selfcheck of the money."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from conftest import World, make_user
from flipside.accounts.models import User
from flipside.lib.background import invariants
from flipside.payments import export
from flipside.payments.checks import check_money
from flipside.payments.models import (
    Employment,
    ExportLayout,
    Line,
    PaymentRun,
    PaySettings,
    Rate,
    RateValue,
    Timesheet,
)
from flipside.payments.money import pennies
from flipside.payments.services import PayError
from flipside.payments.services import runs as services
from flipside.payments.services.rates import ensure_standard_rates, pay_settings_of
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Cohort, Role

# A Monday in term: the 2025/26 London Living Wage (£14.80) is in force by its announcement.
NOW = datetime.datetime(2026, 11, 16, 12, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 16)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


# --- Builders (used by the other test modules of runs too) -------------------------------


def london_value(cohort: Cohort) -> RateValue:
    rate = ensure_standard_rates(cohort.scheme.organisation)[Rate.Kind.LONDON]
    return rate.values.get(hourly=Decimal("14.80"))


def sheet_for(cohort: Cohort, mentor: User, day: datetime.date) -> Timesheet:
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    sheet, _created = Timesheet.objects.get_or_create(
        cohort=cohort, mentor=mentor, period_start=start, defaults={"period_end": end}
    )
    return sheet


def make_line(
    cohort: Cohort,
    mentor: User,
    *,
    hours: str | Decimal = "1.50",
    hourly: str | Decimal | None = None,
    worked_on: datetime.date = datetime.date(2026, 10, 5),
    status: str = Line.Status.APPROVED,
    holiday: str | Decimal = "0.00",
    kind: str = Line.Kind.OTHER,
    description: str = "",
) -> Line:
    """A priced line, built directly (as the timesheets would leave it)."""
    value = london_value(cohort)
    hours, rate = Decimal(hours), Decimal(hourly) if hourly is not None else value.hourly
    return Line.objects.create(
        timesheet=sheet_for(cohort, mentor, worked_on), cohort=cohort, mentor=mentor,
        kind=kind, worked_on=worked_on, description=description, hours=hours,
        rate_value=value if rate == value.hourly else None, hourly=rate,
        amount=pennies(hours * rate), holiday=Decimal(holiday), status=status,
    )  # fmt: skip


def checked(world: World, user: User | None = None, *, weekly: str | None = None) -> Employment:
    """The person's right to work checked (and an optional weekly limit)."""
    return Employment.objects.create(
        organisation=world.organisation, user=user or world.mentor,
        payroll_number="P-0001", right_to_work_checked_on=datetime.date(2026, 9, 1),
        right_to_work_checked_by=world.coordinator,
        weekly_limit_hours=Decimal(weekly) if weekly else None,
    )  # fmt: skip


def exported_run(world: World, *lines: Line) -> PaymentRun:
    """A run of the given lines (or one line of 2 hours), exported."""
    if not lines:
        make_line(world.cohort, world.mentor, hours="2.00")
    run = services.collect_run(world.cohort, by=world.coordinator)
    return services.export_run(run, by=world.coordinator)


# --- Collecting ---------------------------------------------------------------------------


def test_collecting_puts_every_waiting_approved_line_in_one_run_with_their_totals(
    world: World,
) -> None:
    other = make_user("Ama Second")
    world.cohort.memberships.create(user=other, role=Role.MENTOR, sort_name=other.display_name)
    lines = [
        make_line(world.cohort, world.mentor, hours="1.50"),
        make_line(world.cohort, world.mentor, hours="0.75", holiday="1.34"),
        make_line(world.cohort, other, hours="2.25", hourly="13.85"),
    ]
    submitted = make_line(world.cohort, world.mentor, status=Line.Status.SUBMITTED)
    rejected = make_line(world.cohort, world.mentor, status=Line.Status.REJECTED)
    elsewhere = make_line(world.other_cohort, world.mentor)

    run = services.collect_run(world.cohort, by=world.coordinator)

    assert (run.number, run.status, run.created_by) == (1, "collected", world.coordinator)
    assert set(run.lines.all()) == set(lines)
    # 1.5 × 14.80 = 22.20; 0.75 × 14.80 = 11.10; 2.25 × 13.85 = 31.1625 → 31.16
    assert (run.hours, run.amount, run.holiday) == (
        Decimal("4.50"), Decimal("64.46"), Decimal("1.34"),
    )  # fmt: skip
    run.refresh_from_db()
    assert run.amount == Decimal("64.46") and run.total == Decimal("65.80")
    for line in (submitted, rejected, elsewhere):
        line.refresh_from_db()
        assert line.payment_run is None
    entry = AuditEntry.objects.get(action="payments.run.collected")
    assert entry.details["lines"] == 3 and entry.details["amount"] == "64.46"


def test_collecting_with_nothing_waiting_is_refused(world: World) -> None:
    make_line(world.cohort, world.mentor, status=Line.Status.SUBMITTED)
    with pytest.raises(PayError, match="no approved lines waiting"):
        services.collect_run(world.cohort, by=world.coordinator)
    assert not PaymentRun.objects.exists()


def test_collecting_twice_makes_one_run_and_the_next_run_takes_only_new_lines(
    world: World,
) -> None:
    first_line = make_line(world.cohort, world.mentor)
    first = services.collect_run(world.cohort, by=world.coordinator)
    with pytest.raises(PayError):
        services.collect_run(world.cohort, by=world.org_coordinator)  # the double submit
    assert PaymentRun.objects.count() == 1

    later = make_line(world.cohort, world.mentor, hours="3.00")
    second = services.collect_run(world.cohort, by=world.coordinator)

    assert second.number == 2
    assert list(second.lines.all()) == [later]
    assert list(first.lines.all()) == [first_line]
    assert second.amount == Decimal("44.40")


def test_run_numbers_count_per_cohort(world: World) -> None:
    make_line(world.cohort, world.mentor)
    make_line(world.other_cohort, world.mentor)
    ours = services.collect_run(world.cohort, by=world.coordinator)
    theirs = services.collect_run(world.other_cohort, by=world.outsider)
    assert (ours.number, theirs.number) == (1, 1)


# --- Exporting ----------------------------------------------------------------------------


def test_exporting_keeps_the_columns_and_a_second_export_changes_nothing(world: World) -> None:
    run = exported_run(world)
    assert run.status == "exported" and run.exported_by == world.coordinator
    assert [c["field"] for c in run.layout] == list(export.DEFAULT_LAYOUT)
    first = (run.exported_at, run.layout, run.version)

    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        again = services.export_run(run, by=world.org_coordinator)

    assert (again.exported_at, again.layout, again.version) == first
    assert again.exported_by == world.coordinator
    assert AuditEntry.objects.filter(action="payments.run.exported").count() == 1


def test_a_run_whose_lines_no_longer_add_up_is_not_exported(world: World) -> None:
    make_line(world.cohort, world.mentor)
    run = services.collect_run(world.cohort, by=world.coordinator)
    PaymentRun.objects.filter(pk=run.pk).update(amount=Decimal("1.00"))
    with pytest.raises(PayError, match="do not add up"):
        services.export_run(run, by=world.coordinator)
    run.refresh_from_db()
    assert run.status == "collected" and run.exported_at is None


def test_a_line_in_a_run_cannot_be_changed(world: World) -> None:
    line = make_line(world.cohort, world.mentor)
    services.refuse_if_in_run(line)  # waiting: still changeable
    exported_run(world, line)
    line.refresh_from_db()
    with pytest.raises(PayError, match="add a correction instead"):
        services.refuse_if_in_run(line)


# --- Marking paid -------------------------------------------------------------------------


def test_a_run_is_marked_paid_once_exported_and_the_same_date_twice_is_harmless(
    world: World,
) -> None:
    make_line(world.cohort, world.mentor)
    run = services.collect_run(world.cohort, by=world.coordinator)
    with pytest.raises(PayError, match="Export this run"):
        services.mark_paid(run, paid_on=TODAY, by=world.coordinator, version=run.version)

    run = services.export_run(run, by=world.coordinator)
    version = run.version
    paid = services.mark_paid(run, paid_on=TODAY, by=world.coordinator, version=version)

    assert (paid.status, paid.paid_on, paid.marked_paid_by) == ("paid", TODAY, world.coordinator)
    again = services.mark_paid(run, paid_on=TODAY, by=world.coordinator, version=version)
    assert again.version == paid.version
    assert AuditEntry.objects.filter(action="payments.run.paid").count() == 1


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [
        (TODAY + datetime.timedelta(days=1), "cannot be in the future"),
        (TODAY - datetime.timedelta(days=1), "before the run was exported"),
    ],
)
def test_a_paid_date_in_the_future_or_before_export_is_refused(
    world: World, paid_on: datetime.date, message: str
) -> None:
    run = exported_run(world)
    with pytest.raises(PayError, match=message):
        services.mark_paid(run, paid_on=paid_on, by=world.coordinator, version=run.version)
    run.refresh_from_db()
    assert run.status == "exported" and run.paid_on is None


def test_marking_paid_from_a_stale_page_or_again_with_another_date_is_refused(
    world: World,
) -> None:
    with time_machine.travel(NOW - datetime.timedelta(days=2), tick=False):
        run = exported_run(world)
    with pytest.raises(services.RunConflict) as caught:
        services.mark_paid(run, paid_on=TODAY, by=world.coordinator, version=run.version - 1)
    assert caught.value.latest.version == run.version

    yesterday = TODAY - datetime.timedelta(days=1)
    paid = services.mark_paid(run, paid_on=yesterday, by=world.coordinator, version=run.version)
    with pytest.raises(PayError, match="already marked paid"):
        services.mark_paid(run, paid_on=TODAY, by=world.coordinator, version=paid.version)
    paid.refresh_from_db()
    assert paid.paid_on == yesterday


# --- Corrections --------------------------------------------------------------------------


def test_a_correction_is_a_new_approved_line_at_the_original_rate_paid_in_the_next_run(
    world: World,
) -> None:
    line = make_line(world.cohort, world.mentor, hours="2.00", worked_on=datetime.date(2026, 10, 5))
    exported_run(world, line)

    correction = services.add_correction(
        line, hours=Decimal("-0.50"), reason="Meeting ended early", by=world.coordinator,
        corrections_seen=0,
    )  # fmt: skip

    assert correction.kind == "adjustment" and correction.status == "approved"
    assert (correction.hours, correction.hourly, correction.amount) == (
        Decimal("-0.50"), Decimal("14.80"), Decimal("-7.40"),
    )  # fmt: skip
    assert correction.corrects == line and correction.payment_run is None
    assert correction.timesheet.covers(TODAY)  # the mentor's current timesheet
    assert correction.worked_on == line.worked_on  # the week it corrects, for weekly limits
    line.refresh_from_db()
    assert line.hours == Decimal("2.00") and line.amount == Decimal("29.60")

    following = services.collect_run(world.cohort, by=world.coordinator)
    assert list(following.lines.all()) == [correction]
    assert following.amount == Decimal("-7.40")
    assert not check_money().problems


def test_a_correction_carries_holiday_pay_when_the_line_had_it(world: World) -> None:
    pay_settings_of(world.cohort)
    PaySettings.objects.filter(cohort=world.cohort).update(holiday_pay=True)
    line = make_line(world.cohort, world.mentor, hours="2.00", holiday="3.57")
    exported_run(world, line)
    correction = services.add_correction(
        line, hours=Decimal("-1.00"), reason="Half", by=world.coordinator
    )
    # 1 hour × 14.80 × 12.07% = 1.78636 → -1.79
    assert (correction.amount, correction.holiday) == (Decimal("-14.80"), Decimal("-1.79"))


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (Decimal("0"), "changes nothing"),
        (Decimal("0.005"), "two decimal places"),
        (Decimal("NaN"), "as a number"),
        (Decimal("-2.50"), "between 0 and 24"),  # more than the line had
        (Decimal("23.00"), "between 0 and 24"),  # over a day
        (Decimal("-25"), "more than 24 hours"),
    ],
)
def test_corrections_that_make_no_sense_are_refused(
    world: World, hours: Decimal, message: str
) -> None:
    checked(world)
    line = make_line(world.cohort, world.mentor, hours="2.00")
    exported_run(world, line)
    with pytest.raises(PayError, match=message):
        services.add_correction(line, hours=hours, reason="Because", by=world.coordinator)
    assert not Line.objects.filter(kind="adjustment").exists()


def test_a_correction_needs_a_reason_and_a_line_already_in_a_run(world: World) -> None:
    line = make_line(world.cohort, world.mentor)
    with pytest.raises(PayError, match="change it on the timesheet"):
        services.add_correction(line, hours=Decimal("-1"), reason="Why", by=world.coordinator)
    exported_run(world, line)
    for reason in ("", "   ", "two\nlines"):
        with pytest.raises(PayError):
            services.add_correction(line, hours=Decimal("-1"), reason=reason, by=world.coordinator)
    correction = services.add_correction(
        line, hours=Decimal("-1"), reason="Why", by=world.coordinator
    )
    with pytest.raises(PayError, match="itself a correction"):
        services.add_correction(
            correction, hours=Decimal("-0.25"), reason="Why", by=world.coordinator
        )


def test_the_same_correction_sent_twice_is_added_once(world: World) -> None:
    line = make_line(world.cohort, world.mentor, hours="2.00")
    exported_run(world, line)
    services.add_correction(
        line, hours=Decimal("-0.5"), reason="Early", by=world.coordinator, corrections_seen=0
    )
    with pytest.raises(PayError, match="was added to this line while"):
        services.add_correction(
            line, hours=Decimal("-0.5"), reason="Early", by=world.coordinator, corrections_seen=0
        )
    assert line.corrections.count() == 1


def test_added_hours_need_the_right_to_work_check_and_respect_the_weekly_limit(
    world: World,
) -> None:
    monday = datetime.date(2026, 10, 26)  # a week that runs into November
    line = make_line(world.cohort, world.mentor, hours="6.00", worked_on=monday)
    make_line(world.cohort, world.mentor, hours="8.00", worked_on=datetime.date(2026, 11, 1))
    exported_run(world, line)
    with pytest.raises(PayError, match="right-to-work"):
        services.add_correction(line, hours=Decimal("1"), reason="More", by=world.coordinator)

    checked(world, weekly="20")
    with pytest.raises(PayError, match="over their limit of 20"):
        services.add_correction(line, hours=Decimal("6.25"), reason="More", by=world.coordinator)
    added = services.add_correction(line, hours=Decimal("6"), reason="More", by=world.coordinator)
    assert added.hours == Decimal("6.00")
    # Taking time off is always possible.
    services.add_correction(line, hours=Decimal("-1"), reason="Less", by=world.coordinator)


# --- Payroll columns ----------------------------------------------------------------------


def test_payroll_columns_are_saved_in_order_with_their_headings(world: World) -> None:
    assert export.layout_of(world.organisation.pk) == (export.default_layout(), 1)
    saved = services.update_export_layout(
        world.organisation,
        columns=[("name", "Employee"), ("payroll_number", "Staff no."), ("total", "")],
        by=world.coordinator, version=1,
    )  # fmt: skip
    assert saved.columns == [
        {"field": "name", "header": "Employee"},
        {"field": "payroll_number", "header": "Staff no."},
        {"field": "total", "header": "Total"},  # empty: the usual name
    ]
    assert export.layout_of(world.organisation.pk)[1] == saved.version == 2
    with pytest.raises(services.RunConflict):
        services.update_export_layout(
            world.organisation, columns=[("name", "Name")], by=world.coordinator, version=1
        )
    assert ExportLayout.objects.get().columns == saved.columns


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([], "at least one column"),
        ([("salary_band", "Band")], "from the list"),
        ([("name", "A"), ("name", "B")], "more than one column"),
        ([("name", "x" * 61)], "60 characters"),
        ([("name", "Name\r\nBcc: x")], "one line"),
    ],
)
def test_payroll_columns_that_cannot_be_used_are_refused(
    world: World, columns: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(PayError, match=message):
        services.update_export_layout(
            world.organisation, columns=columns, by=world.coordinator, version=1
        )
    assert not ExportLayout.objects.exists()


# --- selfcheck ----------------------------------------------------------------------------


def test_selfcheck_passes_when_the_money_adds_up(world: World) -> None:
    assert "payments_money" in {i.key for i in invariants()}
    make_line(world.cohort, world.mentor, hours="1.33", hourly="13.85")
    exported_run(world, Line.objects.get())
    make_line(world.cohort, world.mentor, hours="0.50")  # approved, waiting
    verdict = check_money()
    assert verdict.problems == ()
    assert verdict.summary == "Pay adds up: yes (2 approved lines, 1 payment runs checked)"


def test_selfcheck_finds_a_tampered_line_amount_and_run_total(world: World) -> None:
    line = make_line(world.cohort, world.mentor, hours="1.33", hourly="13.85")  # 18.4205
    run = exported_run(world, line)
    Line.objects.filter(pk=line.pk).update(amount=Decimal("18.43"))
    problems = check_money().problems
    assert any(f"line {line.pk} in payment run {run.pk}" in p for p in problems)
    assert any(f"payment run {run.pk} " in p and "amount kept as 18.42" in p for p in problems)

    Line.objects.filter(pk=line.pk).update(amount=Decimal("18.42"))
    PaymentRun.objects.filter(pk=run.pk).update(hours=Decimal("1.34"))
    (problem,) = check_money().problems
    assert "hours kept as 1.34 but its lines add up to 1.33" in problem
