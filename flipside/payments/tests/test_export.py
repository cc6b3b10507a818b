"""The payroll file: the organisation's columns in their order, one row per line by name then
date, amounts that add up to the run's total to the penny, and formulas written inert."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import World, make_cohort, make_scheme, make_user, response_text
from flipside.accounts.models import User
from flipside.payments import export
from flipside.payments.models import PaySettings
from flipside.payments.money import pennies
from flipside.payments.services import runs as services
from flipside.payments.services.rates import pay_settings_of
from flipside.schemes.models import Role

from .test_runs import NOW, checked, make_line

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def mentor(world: World, name: str, cohort: Any = None) -> User:
    user = make_user(name)
    (cohort or world.cohort).memberships.create(user=user, role=Role.MENTOR, sort_name=name)
    return user


def csv_rows(response: Any) -> list[list[str]]:
    text = response_text(response).removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response: Any) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def layout(world: World) -> None:
    services.update_export_layout(
        world.organisation,
        columns=[
            ("name", "Employee"), ("payroll_number", "Staff no"), ("worked_on", "Date"),
            ("hours", "Hrs"), ("rate", "Rate"), ("amount", "Pay"), ("holiday", "Hol"),
            ("total", "Gross"), ("cost_code", "Cost centre"), ("run", "Batch"),
        ],
        by=world.coordinator, version=1,
    )  # fmt: skip


def test_the_csv_follows_the_organisations_columns_by_name_then_date(
    world: World, layout: None
) -> None:
    settings_row = pay_settings_of(world.cohort)
    PaySettings.objects.filter(pk=settings_row.pk).update(cost_code="MED-4410")
    zoe, ade = mentor(world, "Zoe Zed"), mentor(world, "Ade Able")
    checked(world, ade)
    make_line(world.cohort, zoe, hours="1.00", worked_on=datetime.date(2026, 10, 1))
    make_line(world.cohort, ade, hours="2.00", worked_on=datetime.date(2026, 10, 9))
    make_line(world.cohort, ade, hours="0.50", worked_on=datetime.date(2026, 10, 2),
              holiday="0.89")  # fmt: skip
    run = services.export_run(
        services.collect_run(world.cohort, by=world.coordinator), by=world.coordinator
    )

    rows = csv_rows(export.download(run, "csv"))

    assert rows == [
        ["Employee", "Staff no", "Date", "Hrs", "Rate", "Pay", "Hol", "Gross", "Cost centre",
         "Batch"],
        ["Ade Able", "P-0001", "2026-10-02", "0.50", "14.80", "7.40", "0.89", "8.29", "MED-4410",
         "1"],
        ["Ade Able", "P-0001", "2026-10-09", "2.00", "14.80", "29.60", "0.00", "29.60",
         "MED-4410", "1"],
        ["Zoe Zed", "", "2026-10-01", "1.00", "14.80", "14.80", "0.00", "14.80", "MED-4410",
         "1"],
    ]  # fmt: skip
    assert sum(Decimal(r[5]) for r in rows[1:]) == run.amount == Decimal("51.80")


def test_the_xlsx_has_the_same_columns_and_numbers_as_numbers(world: World, layout: None) -> None:
    make_line(world.cohort, world.mentor, hours="1.33", hourly="13.85")
    run = services.export_run(
        services.collect_run(world.cohort, by=world.coordinator), by=world.coordinator
    )
    response = export.download(run, "xlsx")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = xlsx_rows(response)
    assert rows[0] == ["Employee", "Staff no", "Date", "Hrs", "Rate", "Pay", "Hol", "Gross",
                       "Cost centre", "Batch"]  # fmt: skip
    name, number, day, hours, rate, pay, holiday, gross, cost, batch = rows[1]
    assert (name, number, cost, batch) == ("Mo Mentor", None, None, 1)
    assert day.date() == datetime.date(2026, 10, 5)
    assert isinstance(pay, float | int) and Decimal(str(pay)) == Decimal("18.42")
    assert (Decimal(str(hours)), Decimal(str(rate)), Decimal(str(gross))) == (
        Decimal("1.33"), Decimal("13.85"), Decimal("18.42"),
    )  # fmt: skip


def test_an_exported_run_keeps_its_columns_when_the_organisation_changes_them(
    world: World,
) -> None:
    make_line(world.cohort, world.mentor)
    run = services.export_run(
        services.collect_run(world.cohort, by=world.coordinator), by=world.coordinator
    )
    before = csv_rows(export.download(run, "csv"))
    services.update_export_layout(
        world.organisation, columns=[("name", "Who")], by=world.coordinator, version=1
    )
    assert csv_rows(export.download(run, "csv")) == before
    assert before[0] == [str(export.FIELDS[f]) for f in export.DEFAULT_LAYOUT]

    # A run not exported yet shows the columns as they are now.
    make_line(world.cohort, world.mentor)
    waiting = services.collect_run(world.cohort, by=world.coordinator)
    assert csv_rows(export.download(waiting, "csv"))[0] == ["Who"]


def test_formulas_anywhere_in_the_file_are_written_inert(world: World) -> None:
    sly = mentor(world, '=HYPERLINK("http://evil.example","Click")')
    make_line(world.cohort, sly, description="+SUM(1,2)")
    services.update_export_layout(
        world.organisation, columns=[("name", "@Name"), ("activity", "-What")],
        by=world.coordinator, version=1,
    )  # fmt: skip
    run = services.export_run(
        services.collect_run(world.cohort, by=world.coordinator), by=world.coordinator
    )

    rows = csv_rows(export.download(run, "csv"))
    assert rows[0] == ["'@Name", "'-What"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[1][1] == "Other agreed work: +SUM(1,2)"  # does not start the cell

    book = openpyxl.load_workbook(io.BytesIO(export.download(run, "xlsx").content))
    cells = [cell for row in book.worksheets[0].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert cells[2].value.startswith("'=HYPERLINK")


def test_the_totals_check_finds_a_run_that_does_not_add_up(world: World) -> None:
    make_line(world.cohort, world.mentor)
    run = services.collect_run(world.cohort, by=world.coordinator)
    assert export.check_totals(run) == ()
    run.holiday = Decimal("0.01")
    (problem,) = export.check_totals(run)
    assert "holiday kept as 0.01 but its lines add up to 0.00" in problem


HOURS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("24"), places=2)
RATES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(HOURS, RATES), min_size=1, max_size=12))
def test_the_files_amounts_add_up_to_the_runs_total_to_the_penny(
    world: World, lines: list[tuple[Decimal, Decimal]]
) -> None:
    cohort = make_cohort(make_scheme(world.organisation))
    person = mentor(world, f"Mentor {cohort.pk}", cohort)
    for hours, hourly in lines:
        make_line(cohort, person, hours=hours, hourly=hourly)

    run = services.collect_run(cohort, by=world.coordinator)
    run = services.export_run(run, by=world.coordinator)
    rows = list(export.run_rows(run))
    amounts = [row[rows[0].index(str(export.FIELDS["amount"]))] for row in rows[1:]]

    expected = sum((pennies(h * r) for h, r in lines), Decimal(0))
    assert sum(amounts, Decimal(0)) == run.amount == expected
    assert run.hours == sum((h for h, _r in lines), Decimal(0))
    assert export.check_totals(run) == ()
