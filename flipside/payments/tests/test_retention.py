"""Paid lines are minimised at once; payment runs (with their lines) and timesheets are
deleted after the tax year in which they were paid and six years more; the money still adds
up in between, and a hold keeps a mentor's pay."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from conftest import World
from flipside.payments.checks import check_money
from flipside.payments.models import Line, PaymentRun, Timesheet
from flipside.payments.services import runs as services
from flipside.payments.tests.test_runs import NOW, TODAY, checked, exported_run, make_line
from flipside.privacy import retention
from flipside.privacy.models import DeletionRecord, LegalHold

pytestmark = pytest.mark.django_db

# Paid on 16 November 2026: the tax year ends on 5 April 2027, six more end on 5 April 2033.
LAST_DAY_KEPT = datetime.datetime(2033, 4, 5, 12, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
SENTINEL = "Prepared a talk about my father's illness"


def outcomes(now: datetime.datetime) -> dict[str, retention.Outcome]:
    return {o.rule.key: o for o in retention.run(now)}


@pytest.fixture
def paid(world: World) -> PaymentRun:
    with time_machine.travel(NOW, tick=False):
        line = make_line(world.cohort, world.mentor, hours="2.00", description=SENTINEL)
        run = exported_run(world, line)
        return services.mark_paid(run, paid_on=TODAY, by=world.coordinator, version=run.version)


def test_a_paid_line_is_minimised_keeping_hours_rate_and_amount(world: World) -> None:
    with time_machine.travel(NOW, tick=False):
        line = make_line(world.cohort, world.mentor, hours="2.00", description=SENTINEL)
        run = exported_run(world, line)
        assert outcomes(NOW)["payments.minimise_paid_lines"].eligible == 0  # not paid yet
        services.mark_paid(run, paid_on=TODAY, by=world.coordinator, version=run.version)

        outcome = outcomes(NOW)["payments.minimise_paid_lines"]

    assert outcome.removed == [line.pk]
    before_amount = line.amount
    line.refresh_from_db()
    assert (line.description, line.message, line.meeting_id) == ("", "", None)
    assert (line.hours, line.amount) == (Decimal("2.00"), before_amount)
    assert check_money().problems == ()
    record = DeletionRecord.objects.get(label="payments.Line")
    assert (record.action, record.ids) == ("minimised", [line.pk])
    assert outcomes(NOW)["payments.minimise_paid_lines"].eligible == 0


def test_runs_lines_and_timesheets_go_after_the_tax_year_and_six_more(
    world: World, paid: PaymentRun
) -> None:
    kept = outcomes(LAST_DAY_KEPT)
    assert kept["payments.payment_runs"].eligible == 0
    assert PaymentRun.objects.exists() and Line.objects.exists()

    gone = outcomes(LAST_DAY_KEPT + DAY)

    assert gone["payments.payment_runs"].removed == [paid.pk]
    assert not PaymentRun.objects.exists() and not Line.objects.exists()
    assert not Timesheet.objects.exists()
    assert check_money().problems == ()
    labels = set(DeletionRecord.objects.values_list("label", flat=True))
    assert {"payments.PaymentRun", "payments.Timesheet"} <= labels


def test_a_correction_paid_in_a_later_run_goes_with_the_line_it_corrects(
    world: World, paid: PaymentRun
) -> None:
    with time_machine.travel(NOW, tick=False):
        checked(world)
        original = paid.lines.get()
        services.add_correction(
            original, hours=Decimal("-0.5"), reason="Left early", by=world.coordinator
        )
        second = services.export_run(
            services.collect_run(world.cohort, by=world.coordinator), by=world.coordinator
        )
        services.mark_paid(second, paid_on=TODAY, by=world.coordinator, version=second.version)

    outcome = outcomes(LAST_DAY_KEPT + DAY)["payments.payment_runs"]

    assert sorted(outcome.removed) == sorted([paid.pk, second.pk])
    assert not Line.objects.exists()


def test_a_hold_on_the_mentor_keeps_the_run_and_counts_it_held(
    world: World, paid: PaymentRun, settings: Any
) -> None:
    LegalHold.objects.create(user=world.mentor, reason="HMRC enquiry", placed_by=world.nobody)
    outcome = outcomes(LAST_DAY_KEPT + DAY)["payments.payment_runs"]
    assert (outcome.removed, outcome.held) == ([], [paid.pk])
    assert PaymentRun.objects.filter(pk=paid.pk).exists() and Line.objects.exists()
    record = DeletionRecord.objects.get(label="payments.PaymentRun")
    assert (record.count, record.held, record.eligible) == (0, 1, 1)
