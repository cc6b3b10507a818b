"""A cohort's pay budget: the forecast from its plan, worked out by hand on a small cohort,
against approved and paid amounts; the page draws it as a chart with its table."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from conftest import World, join
from flipside.matching.models import Pair
from flipside.partnerships.models import ReflectionEvent
from flipside.payments import budget as budgets
from flipside.payments.models import Line, PaymentRun, PaySettings, Policy
from flipside.payments.services import runs as services
from flipside.payments.services.rates import pay_settings_of
from flipside.schemes.models import Role
from flipside.training.models import Audience, TrainingSession

from .test_runs import NOW, make_line

pytestmark = pytest.mark.django_db
WHEN = NOW + datetime.timedelta(days=10)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def small_cohort(world: World) -> None:
    """3 student mentors, 2 active pairs and one ended; 4 meetings of 60 minutes each."""
    cohort = world.cohort
    second, third = join(cohort, Role.MENTOR), join(cohort, Role.MENTOR)
    other_mentee = join(cohort, Role.MENTEE)
    Pair.objects.create(cohort=cohort, mentor=world.mentor, mentee=world.mentee)
    Pair.objects.create(cohort=cohort, mentor=second, mentee=other_mentee)
    Pair.objects.create(cohort=cohort, mentor=third, mentee=world.mentee, status="ended",
                        ended_at=NOW)  # fmt: skip
    assert (cohort.min_meetings, cohort.meeting_minutes) == (4, 60)
    for audience, minutes, cancelled in [
        (Audience.MENTORS, 120, None),
        (Audience.BOTH, 60, None),
        (Audience.MENTEES, 90, None),  # not for mentors
        (Audience.MENTORS, 120, NOW),  # cancelled
    ]:
        TrainingSession.objects.create(
            cohort=cohort, title="Training", audience=audience, starts_at=WHEN, minutes=minutes,
            cancelled_at=cancelled,
        )  # fmt: skip
    ReflectionEvent.objects.create(cohort=cohort, title="Mid-point", starts_at=WHEN, minutes=90)
    ReflectionEvent.objects.create(
        cohort=cohort, title="Gone", starts_at=WHEN, minutes=60, cancelled_at=NOW
    )


def test_the_forecast_of_a_small_cohort_worked_out_by_hand(world: World) -> None:
    small_cohort(world)
    pay_settings_of(world.cohort)
    PaySettings.objects.filter(cohort=world.cohort).update(holiday_pay=True)

    found = budgets.budget_of(world.cohort)

    # £14.80 an hour (London, 2025/26, in force by its announcement).
    assert found.value is not None and found.value.hourly == Decimal("14.80")
    assert (found.pairs, found.pairs_expected, found.mentors) == (2, False, 3)
    parts = {part.label: (part.hours, amount) for part, amount in found.parts}
    assert parts == {
        "Meetings": (Decimal("8.00"), Decimal("118.40")),  # 2 pairs × 4 × 1 hour
        "Preparation": (Decimal("4.00"), Decimal("59.20")),  # 2 pairs × 4 × 30 minutes
        "Training": (Decimal("9.00"), Decimal("133.20")),  # (2 + 1 hours) × 3 mentors
        "Reflection events": (Decimal("4.50"), Decimal("66.60")),  # 1.5 hours × 3 mentors
    }
    # 12.07% of £377.40 = £45.55218
    assert found.holiday == Decimal("45.55")
    assert found.forecast == Decimal("422.95")


def test_only_what_the_cohort_pays_for_is_forecast(world: World) -> None:
    small_cohort(world)
    pay_settings_of(world.cohort)
    PaySettings.objects.filter(cohort=world.cohort).update(
        pay_training=False, pay_events=False, preparation_minutes=0
    )
    found = budgets.budget_of(world.cohort)
    assert [part.label for part, _amount in found.parts] == ["Meetings"]
    assert found.holiday == 0 and found.forecast == Decimal("118.40")

    # Preparation is paid with meetings: no meetings, no preparation.
    PaySettings.objects.filter(cohort=world.cohort).update(
        pay_meetings=False, preparation_minutes=30
    )
    assert budgets.budget_of(world.cohort).parts == []


def test_meeting_hours_are_counted_as_timesheets_record_them(world: World) -> None:
    world.cohort.meeting_minutes = 50  # a line of 0.83 hours, £12.28 at £14.80
    world.cohort.save()
    pay_settings_of(world.cohort)
    PaySettings.objects.filter(cohort=world.cohort).update(preparation_minutes=0)
    (meetings, amount), *_rest = budgets.budget_of(world.cohort).parts
    assert (meetings.hours, amount) == (Decimal("3.32"), Decimal("49.14"))  # 4 × 0.83


def test_before_pairs_are_published_each_mentor_is_expected_to_have_one(world: World) -> None:
    join(world.cohort, Role.MENTOR)
    found = budgets.budget_of(world.cohort)
    assert (found.pairs, found.pairs_expected) == (2, True)
    meetings = found.parts[0]
    assert meetings[0].hours == 2 * 4 * 1 and meetings[1] == Decimal("118.40")


def test_without_a_value_in_force_the_forecast_has_no_price(world: World) -> None:
    pay_settings_of(world.cohort)
    PaySettings.objects.filter(cohort=world.cohort).update(policy=Policy.PAYABLE)
    # Before 1 May 2024 no published value was payable yet.
    with time_machine.travel(datetime.datetime(2024, 4, 1, 12, tzinfo=datetime.UTC), tick=False):
        found = budgets.budget_of(world.cohort)
    assert found.value is None and found.forecast == 0


def test_approved_and_paid_amounts_are_counted_apart_in_one_query(
    world: World, django_assert_num_queries: Any
) -> None:
    in_paid_run = make_line(world.cohort, world.mentor, hours="2.00", holiday="3.57")  # 29.60
    paid = services.collect_run(world.cohort, by=world.coordinator)
    paid = services.export_run(paid, by=world.coordinator)
    services.mark_paid(paid, paid_on=NOW.date(), by=world.coordinator, version=paid.version)
    make_line(world.cohort, world.mentor, hours="1.00")  # 14.80, in an exported run
    services.export_run(
        services.collect_run(world.cohort, by=world.coordinator), by=world.coordinator
    )
    make_line(world.cohort, world.mentor, hours="0.50", holiday="0.89")  # 7.40, waiting
    make_line(world.cohort, world.mentor, hours="5", status=Line.Status.SUBMITTED)
    make_line(world.cohort, world.mentor, hours="5", status=Line.Status.REJECTED)
    make_line(world.other_cohort, world.mentor, hours="5")

    with django_assert_num_queries(1):
        approved, paid_total = budgets.approved_and_paid(world.cohort)

    assert approved == Decimal("14.80") + Decimal("7.40") + Decimal("0.89")
    assert paid_total == in_paid_run.total == Decimal("33.17")
    assert PaymentRun.objects.filter(status="paid").count() == 1


def test_the_budget_page_draws_the_chart_with_its_figures(world: World, client: Any) -> None:
    small_cohort(world)
    make_line(world.cohort, world.mentor, hours="10.00")  # £148.00 approved
    client.force_login(world.coordinator)

    response = client.get(reverse("payments:budget", args=[world.cohort.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg viewBox="0 0 400 108" width="100%" role="img"' in page
    assert '<title id="chart-title">Forecast, approved and paid</title>' in page
    assert "Forecast: £377.40. Approved, not paid yet: £148.00. Paid: £0.00." in page
    assert 'aria-labelledby="budget-caption"' in page and "£377.40" in page
    # The bars are the figures' shares of the longest one.
    assert '<rect class="bar__fill" width="39.2" height="12">' in page  # 148 / 377.40


def test_the_budget_page_is_for_the_cohorts_coordinators_only(world: World, client: Any) -> None:
    url = reverse("payments:budget", args=[world.cohort.pk])
    for person in (world.coordinator, world.org_coordinator, world.cohort_coordinator):
        client.force_login(person)
        assert client.get(url).status_code == 200
    for person in (world.mentor, world.mentee, world.observer, world.outsider, world.nobody):
        client.force_login(person)
        assert client.get(url).status_code == 404
