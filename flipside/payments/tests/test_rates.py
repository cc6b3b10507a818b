"""Rates and their dated values, a cohort's pay settings, employment records: the services."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection

from conftest import World, join, make_cohort, make_scheme
from flipside.payments import money
from flipside.payments.models import Employment, PaySettings, Policy, Rate, RateValue
from flipside.payments.services import PayError, StaleVersion
from flipside.payments.services import rates as services
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role, Stage

D = datetime.date
NOW = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _standard(world: World) -> tuple[Rate, Rate]:
    rates = services.ensure_standard_rates(world.organisation)
    return rates[Rate.Kind.LONDON], rates[Rate.Kind.UK]


def _add(rate: Rate, by: Any, **fields: Any) -> RateValue:
    values = {"hourly": Decimal("15.90"), "announced_on": D(2026, 10, 21),
              "payable_from": D(2027, 5, 1), "note": "2026/27"} | fields  # fmt: skip
    return services.add_rate_value(rate, by=by, **values)


# --- The published values -----------------------------------------------------------------


def test_standard_rates_start_with_the_published_values_once(world: World) -> None:
    london, uk = _standard(world)
    services.ensure_standard_rates(world.organisation)
    assert Rate.objects.filter(organisation=world.organisation).count() == 2
    announced = [D(2023, 10, 24), D(2024, 10, 23), D(2025, 10, 22)]
    payable = [D(2024, 5, 1), D(2025, 5, 1), D(2026, 5, 1)]
    for rate, amounts in ((london, ["13.15", "13.85", "14.80"]), (uk, ["12.00", "12.60", "13.45"])):
        rows = list(rate.values.order_by("announced_on"))
        assert [v.hourly for v in rows] == [Decimal(a) for a in amounts]
        assert [v.announced_on for v in rows] == announced
        assert [v.payable_from for v in rows] == payable
    assert "Living Wage Foundation" in london.source


def test_each_organisation_has_its_own_rates(world: World) -> None:
    london, _uk = _standard(world)
    other = services.ensure_standard_rates(world.other_scheme.organisation)[Rate.Kind.LONDON]
    assert other.pk != london.pk
    _add(london, world.coordinator)
    assert other.values.count() == 3


@pytest.mark.parametrize(
    ("day", "announced", "payable"),
    [
        (D(2025, 11, 15), "14.80", "13.85"),  # after the announcement, before it is payable
        (D(2025, 10, 22), "14.80", "13.85"),  # the day of the announcement
        (D(2025, 10, 21), "13.85", "13.85"),  # the day before
        (D(2026, 4, 30), "14.80", "13.85"),
        (D(2026, 5, 1), "14.80", "14.80"),  # payable from today: both agree again
        (D(2024, 1, 10), "13.15", None),  # announced, but nothing was payable yet
        (D(2023, 1, 1), None, None),  # before any value
    ],
)
def test_value_in_force_under_each_policy(
    world: World, day: D, announced: str | None, payable: str | None
) -> None:
    london, _uk = _standard(world)
    for policy, expected in ((Policy.ANNOUNCED, announced), (Policy.PAYABLE, payable)):
        value = money.value_in_force(london, day, policy)
        assert (value.hourly if value else None) == (Decimal(expected) if expected else None)


# --- Adding values ------------------------------------------------------------------------


def test_a_coordinator_adds_the_new_announcement(world: World) -> None:
    london, _uk = _standard(world)
    value = _add(london, world.coordinator, hourly="15.9")
    value.refresh_from_db()
    assert (value.hourly, value.added_by) == (Decimal("15.90"), world.coordinator)
    assert money.value_in_force(london, D(2026, 11, 1), Policy.ANNOUNCED) == value
    assert money.value_in_force(london, D(2026, 11, 1), Policy.PAYABLE).hourly == Decimal("14.80")
    entry = AuditEntry.objects.get(action="payments.rate_value.added")
    assert (entry.actor, entry.object_id) == (world.coordinator, str(value.pk))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"hourly": Decimal(0)}, "hourly", "more than £0"),
        ({"hourly": Decimal("-14.80")}, "hourly", "more than £0"),
        ({"hourly": Decimal("NaN")}, "hourly", "Enter a number"),
        ({"hourly": "Infinity"}, "hourly", "Enter a number"),
        ({"hourly": "1e309"}, "hourly", "more than £1,000"),
        ({"hourly": "abc"}, "hourly", "Enter a number"),
        ({"hourly": True}, "hourly", "Enter a number"),
        ({"hourly": Decimal("14.805")}, "hourly", "two decimal places"),
        ({"hourly": Decimal("1000.01")}, "hourly", "more than £1,000"),
        ({"payable_from": D(2026, 10, 20)}, "payable_from", "cannot be before"),
        ({"announced_on": D(1, 1, 1)}, "announced_on", "between 2000 and 2100"),
        ({"payable_from": D(9999, 12, 31)}, "payable_from", "between 2000 and 2100"),
        ({"announced_on": D(1999, 12, 31)}, "announced_on", "between 2000 and 2100"),
        ({"announced_on": D(2025, 10, 22)}, "announced_on", "already has a value announced"),
        (
            {"announced_on": D(2026, 1, 5), "payable_from": D(2026, 5, 1)},
            "payable_from",
            "already has a value payable",
        ),
        ({"note": "2026\n27"}, "note", "one line"),
        ({"note": "x" * 201}, "note", "at most 200"),
    ],
)
def test_bad_values_are_refused_with_a_message(
    world: World, fields: dict[str, Any], field: str, message: str
) -> None:
    london, _uk = _standard(world)
    with pytest.raises(services.Refused, match=message) as refused:
        _add(london, world.coordinator, **fields)
    assert refused.value.field == field
    assert london.values.count() == 3
    assert not AuditEntry.objects.filter(action="payments.rate_value.added").exists()


def test_the_same_value_sent_twice_is_stored_once(world: World) -> None:
    london, _uk = _standard(world)
    _add(london, world.coordinator)
    with pytest.raises(PayError, match="already has a value announced on 21 October 2026"):
        _add(london, world.coordinator)
    assert london.values.count() == 4


def test_a_value_can_be_payable_the_day_it_is_announced(world: World) -> None:
    london, _uk = _standard(world)
    day = D(2026, 10, 21)
    _add(london, world.coordinator, announced_on=day, payable_from=day)
    assert money.value_in_force(london, day, Policy.PAYABLE).hourly == Decimal("15.90")


# --- Custom rates -------------------------------------------------------------------------


def test_a_custom_rate_is_added_with_a_unique_name(world: World) -> None:
    rate = services.add_rate(
        world.organisation,
        name="  Ambassador rate ",
        source="Union agreement",
        by=world.coordinator,
    )
    assert (rate.name, rate.kind, rate.source) == ("Ambassador rate", "custom", "Union agreement")
    assert AuditEntry.objects.filter(
        action="payments.rate.created", object_id=str(rate.pk)
    ).exists()
    for name in ("Ambassador rate", "AMBASSADOR RATE", "London Living Wage"):
        with pytest.raises(PayError, match="already a rate called"):
            services.add_rate(world.organisation, name=name, source="", by=world.coordinator)
    with pytest.raises(PayError, match="cannot be empty"):
        services.add_rate(world.organisation, name="   ", source="", by=world.coordinator)
    # Another organisation may use the same name.
    other = world.other_scheme.organisation
    services.add_rate(other, name="Ambassador rate", source="", by=world.outsider)
    assert Rate.objects.filter(name="Ambassador rate").count() == 2


# --- Rates to check -----------------------------------------------------------------------


def test_a_rate_in_use_is_stale_a_year_after_its_newest_announcement(world: World) -> None:
    london, uk = _standard(world)
    services.pay_settings_of(world.cohort)  # pays the London Living Wage
    assert services.stale_rates(world.organisation, D(2026, 10, 22)) == []
    stale = services.stale_rates(world.organisation, D(2026, 10, 23))
    assert stale == [london]  # the UK rate is as old, but no cohort pays it
    assert stale[0].newest == D(2025, 10, 22)
    _add(london, world.coordinator)
    assert services.stale_rates(world.organisation, D(2026, 10, 23)) == []


def test_closed_cohorts_and_other_organisations_do_not_count(world: World) -> None:
    london, uk = _standard(world)
    closed = make_cohort(world.scheme, stage=Stage.CLOSED)
    PaySettings.objects.create(cohort=closed, rate=uk)
    services.pay_settings_of(world.other_cohort)  # the other organisation's London rate
    assert services.stale_rates(world.organisation, D(2027, 1, 1)) == []
    services.pay_settings_of(world.cohort)
    assert services.stale_rates(world.organisation, D(2027, 1, 1)) == [london]


def test_a_rate_in_use_without_any_value_is_listed(world: World) -> None:
    rate = services.add_rate(world.organisation, name="Own", source="", by=world.coordinator)
    PaySettings.objects.create(cohort=world.cohort, rate=rate)
    [stale] = services.stale_rates(world.organisation, D(2026, 3, 1))
    assert (stale, stale.newest) == (rate, None)


def test_stale_on_29_february_counts_from_28_february(world: World) -> None:
    london, _uk = _standard(world)
    services.pay_settings_of(world.cohort)
    _add(london, world.coordinator, announced_on=D(2027, 2, 28), payable_from=D(2027, 5, 2))
    assert services.stale_rates(world.organisation, D(2028, 2, 29)) == []
    assert services.stale_rates(world.organisation, D(2028, 3, 1)) == [london]


# --- Pay settings -------------------------------------------------------------------------


def test_settings_are_saved_and_the_version_rises(world: World) -> None:
    _london, uk = _standard(world)
    current = services.pay_settings_of(world.cohort)
    saved = services.update_pay_settings(
        world.cohort, by=world.coordinator, version=current.version, rate=uk,
        policy=Policy.PAYABLE, monthly_cap_hours=Decimal("40"), holiday_pay=True,
        holiday_percent="12.07", cost_code="RM-2026",
    )  # fmt: skip
    saved.refresh_from_db()
    assert (saved.rate, saved.policy, saved.version) == (uk, "payable", current.version + 1)
    assert (saved.monthly_cap_hours, saved.holiday_pay, saved.cost_code) == (
        Decimal("40.00"), True, "RM-2026",
    )  # fmt: skip
    entry = AuditEntry.objects.get(action="payments.settings.changed")
    assert entry.details["rate"] == uk.pk and entry.details["policy"] == "payable"


def test_a_stale_settings_form_is_refused_and_changes_nothing(world: World) -> None:
    current = services.pay_settings_of(world.cohort)
    services.update_pay_settings(
        world.cohort, by=world.coordinator, version=current.version, preparation_minutes=45
    )
    with pytest.raises(StaleVersion, match="Someone saved these pay settings") as refused:
        services.update_pay_settings(
            world.cohort, by=world.cohort_coordinator, version=current.version, pay_events=False
        )
    assert isinstance(refused.value, services.SettingsConflict)
    assert refused.value.latest.version == current.version + 1
    saved = PaySettings.objects.get(cohort=world.cohort)
    assert (saved.preparation_minutes, saved.pay_events) == (45, True)
    # The same change sent twice (a double submit) is not a conflict and changes nothing.
    services.update_pay_settings(
        world.cohort, by=world.coordinator, version=current.version, preparation_minutes=45
    )
    assert PaySettings.objects.get(cohort=world.cohort).version == current.version + 1
    assert AuditEntry.objects.filter(action="payments.settings.changed").count() == 1


def test_a_rate_of_another_organisation_is_refused(world: World) -> None:
    current = services.pay_settings_of(world.cohort)
    theirs = services.ensure_standard_rates(world.other_scheme.organisation)[Rate.Kind.UK]
    with pytest.raises(PayError, match="one of this organisation's rates"):
        services.update_pay_settings(
            world.cohort, by=world.coordinator, version=current.version, rate=theirs
        )
    with pytest.raises(PayError, match="Choose the rate"):
        services.update_pay_settings(
            world.cohort, by=world.coordinator, version=current.version, rate=None
        )
    assert PaySettings.objects.get(cohort=world.cohort).rate_id == current.rate_id


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"monthly_cap_hours": Decimal(0)}, "monthly_cap_hours", "from 0.01 to 744"),
        ({"monthly_cap_hours": Decimal(-5)}, "monthly_cap_hours", "from 0.01 to 744"),
        ({"monthly_cap_hours": Decimal("10.125")}, "monthly_cap_hours", "two decimal places"),
        ({"monthly_cap_hours": Decimal("NaN")}, "monthly_cap_hours", "Enter a number"),
        ({"cohort_cap_hours": "1e309"}, "cohort_cap_hours", "from 0.01 to"),
        ({"holiday_percent": Decimal("50.01")}, "holiday_percent", "from 0 to 50"),
        ({"holiday_percent": Decimal(-1)}, "holiday_percent", "from 0 to 50"),
        ({"holiday_percent": None}, "holiday_percent", "Enter a number"),
        ({"preparation_minutes": 241}, "preparation_minutes", "from 0 to 240"),
        ({"preparation_minutes": -1}, "preparation_minutes", "from 0 to 240"),
        ({"preparation_minutes": 1.5}, "preparation_minutes", "whole number"),
        ({"policy": "whenever"}, "policy", "when a new value"),
        ({"pay_meetings": "yes"}, "pay_meetings", "yes or no"),
        ({"cost_code": "=HYPERLINK(1)\n"}, "cost_code", None),
        ({"cost_code": "A\x00B"}, "cost_code", "control characters"),
    ],
)
def test_bad_settings_are_refused(
    world: World, fields: dict[str, Any], field: str, message: str | None
) -> None:
    current = services.pay_settings_of(world.cohort)
    if message is None:  # stripped of its line break, then accepted as text
        services.update_pay_settings(
            world.cohort, by=world.coordinator, version=current.version, **fields
        )
        assert PaySettings.objects.get(cohort=world.cohort).cost_code == "=HYPERLINK(1)"
        return
    with pytest.raises(services.Refused, match=message) as refused:
        services.update_pay_settings(
            world.cohort, by=world.coordinator, version=current.version, **fields
        )
    assert refused.value.field == field
    assert PaySettings.objects.get(cohort=world.cohort).version == current.version


def test_only_settings_fields_can_be_changed(world: World) -> None:
    current = services.pay_settings_of(world.cohort)
    with pytest.raises(ValueError, match="hourly_rate"):
        services.update_pay_settings(
            world.cohort, by=world.coordinator, version=current.version, hourly_rate=Decimal(99)
        )


# --- Employment records -------------------------------------------------------------------


def _record(world: World, by: Any = None, **fields: Any) -> Employment:
    values = {"payroll_number": "S1234567", "right_to_work_checked_on": D(2026, 2, 20),
              "weekly_limit_hours": Decimal(20)} | fields  # fmt: skip
    return services.record_employment(
        world.organisation, world.mentor, by=by or world.coordinator, **values
    )


def test_the_right_to_work_check_records_who_checked(world: World) -> None:
    row = _record(world)
    assert (row.right_to_work_checked_by, row.weekly_limit_hours, row.version) == (
        world.coordinator, Decimal("20.00"), 1,
    )  # fmt: skip
    # Changing the payroll number leaves who checked alone.
    row = _record(world, by=world.cohort_coordinator, payroll_number="S7654321", version=1)
    assert (row.payroll_number, row.right_to_work_checked_by) == ("S7654321", world.coordinator)
    # A new check date records the person who checked it.
    row = _record(world, by=world.cohort_coordinator, right_to_work_checked_on=D(2026, 3, 1),
                  payroll_number="S7654321", version=2)  # fmt: skip
    assert row.right_to_work_checked_by == world.cohort_coordinator
    assert Employment.objects.count() == 1
    codes = list(AuditEntry.objects.filter(action__startswith="payments.employment"
                                           ).values_list("action", flat=True))  # fmt: skip
    assert codes == ["payments.employment.recorded", *["payments.employment.changed"] * 2]


def test_clearing_the_check_date_clears_who_checked(world: World) -> None:
    _record(world)
    row = _record(world, right_to_work_checked_on=None, version=1)
    assert (row.right_to_work_checked_on, row.right_to_work_checked_by) == (None, None)


def test_no_weekly_limit_is_allowed(world: World) -> None:
    assert _record(world, weekly_limit_hours=None).weekly_limit_hours is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"right_to_work_checked_on": D(2026, 3, 3)}, "right_to_work_checked_on", "future"),
        ({"right_to_work_checked_on": D(1, 1, 1)}, "right_to_work_checked_on", "2000 and 2100"),
        ({"weekly_limit_hours": Decimal(0)}, "weekly_limit_hours", "from 0.25 to 80"),
        ({"weekly_limit_hours": Decimal(81)}, "weekly_limit_hours", "from 0.25 to 80"),
        ({"weekly_limit_hours": Decimal("19.999")}, "weekly_limit_hours", "two decimal"),
        ({"weekly_limit_hours": Decimal("NaN")}, "weekly_limit_hours", "Enter a number"),
        ({"payroll_number": "S1\n2"}, "payroll_number", "one line"),
        ({"payroll_number": "x" * 41}, "payroll_number", "at most 40"),
    ],
)
def test_bad_employment_values_are_refused(
    world: World, fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(services.Refused, match=message) as refused:
        _record(world, **fields)
    assert refused.value.field == field
    assert not Employment.objects.exists()


def test_a_stale_employment_form_is_refused(world: World) -> None:
    _record(world)  # someone else saved while this form was open on an empty record
    with pytest.raises(StaleVersion, match="Someone saved this person's record"):
        _record(world, by=world.cohort_coordinator, payroll_number="OTHER", version=0)
    # The same values again (a double submit) are not a conflict.
    assert _record(world, by=world.cohort_coordinator, version=0).version == 1
    assert Employment.objects.get().payroll_number == "S1234567"


def test_records_are_only_for_student_mentors_of_the_organisation(world: World) -> None:
    for person in (world.mentee, world.observer, world.outsider):
        with pytest.raises(PayError, match="student mentors only"):
            services.record_employment(
                world.organisation, person, by=world.coordinator, payroll_number="1",
                right_to_work_checked_on=None, weekly_limit_hours=None,
            )  # fmt: skip
    elsewhere = join(make_cohort(make_scheme(world.other_scheme.organisation)), Role.MENTOR)
    with pytest.raises(PayError, match="student mentors only"):
        services.record_employment(
            world.organisation, elsewhere, by=world.coordinator, payroll_number="1",
            right_to_work_checked_on=None, weekly_limit_hours=None,
        )  # fmt: skip
    assert not Employment.objects.exists()


def test_employment_of_finds_the_record(world: World) -> None:
    assert services.employment_of(world.organisation, world.mentor.pk) is None
    row = _record(world)
    assert services.employment_of(world.organisation.pk, world.mentor.pk) == row
    assert services.employment_of(world.other_scheme.organisation, world.mentor.pk) is None


# --- At the same moment (PostgreSQL) ------------------------------------------------------


def _at_once(*calls: Any) -> list[str]:
    barrier, outcomes = threading.Barrier(len(calls)), []

    def run(call: Any) -> None:
        barrier.wait()
        try:
            call()
            outcomes.append("saved")
        except PayError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_coordinators_saving_settings_at_once_lose_no_update(world: World) -> None:
    current = services.pay_settings_of(world.cohort)

    def save(by: Any, minutes: int) -> Any:
        return lambda: services.update_pay_settings(
            world.cohort, by=by, version=current.version, preparation_minutes=minutes
        )

    outcomes = _at_once(save(world.coordinator, 45), save(world.cohort_coordinator, 60))
    assert outcomes == ["refused", "saved"]
    assert PaySettings.objects.get(cohort=world.cohort).version == current.version + 1
    assert AuditEntry.objects.filter(action="payments.settings.changed").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_values_for_one_announcement_added_at_once_make_one(world: World) -> None:
    london, _uk = _standard(world)
    calls = [
        (lambda n=n: _add(london, world.coordinator, hourly=Decimal("15.90") + n)) for n in range(8)
    ]
    assert _at_once(*calls) == ["refused"] * 7 + ["saved"]
    assert london.values.count() == 4
