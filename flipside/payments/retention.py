"""Payments' retention rules (``privacy.retention``; decision 0035).

Once a line is paid it is minimised: the description, the coordinator's message and the links
to the meeting, training booking or event it claimed go, leaving date, kind, hours, rate and
amount (its ``claim`` stays, so the same activity is never paid twice). Payment runs, with
their lines, are deleted once the tax year in which they were paid has ended (5 April) and
the scheme's number of years (never fewer than six) has passed; a timesheet goes once its
period is as old and nothing of it is left in a run.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from flipside.privacy import deletion
from flipside.privacy.inventory import Keep
from flipside.privacy.retention import Action, Rule, Schedules, register_rule, tax_year_cutoff

from .models import Line, PaymentRun, Timesheet

SCHEME = "cohort__scheme"
MINIMISED = {
    "description": "",
    "message": "",
    "meeting": None,
    "booking": None,
    "event_reply": None,
}
NOT_MINIMISED = (
    ~Q(description="")
    | ~Q(message="")
    | Q(meeting__isnull=False)
    | Q(booking__isnull=False)
    | Q(event_reply__isnull=False)
)


def lines_to_minimise(now: datetime.datetime, schedules: Schedules) -> QuerySet[Line]:
    return Line.objects.filter(NOT_MINIMISED, payment_run__status=PaymentRun.Status.PAID)


def minimise_lines(ids: list[Any]) -> int:
    # A plain update sends no signal: the kept pay figures count hours and amounts, unchanged.
    return Line.objects.filter(pk__in=ids).update(**MINIMISED)


def _paid_long_ago(now: datetime.datetime, schedules: Schedules, paid_on: str) -> Q:
    today = now.date()
    return schedules.due(
        "payments_years",
        scheme=SCHEME,
        cutoff=lambda years: Q(**{f"{paid_on}__lte": tax_year_cutoff(today, years)}),
    )


def runs_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[PaymentRun]:
    return PaymentRun.objects.filter(
        _paid_long_ago(now, schedules, "paid_on"), status=PaymentRun.Status.PAID
    )


def timesheets_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[Timesheet]:
    in_a_run = Line.objects.filter(timesheet=OuterRef("pk"), payment_run__isnull=False)
    return Timesheet.objects.filter(_paid_long_ago(now, schedules, "period_end")).exclude(
        Exists(in_a_run)
    )


def _delete_lines(lines: QuerySet[Line]) -> None:
    # A later correction keeps its own hours and amount but can no longer point at a line
    # that is gone.
    with transaction.atomic():
        Line.objects.filter(corrects__in=lines).exclude(pk__in=lines).update(corrects=None)
        while lines.exists():  # corrections first: a line protects the line it corrects
            lines.exclude(Exists(Line.objects.filter(corrects=OuterRef("pk")))).delete()


def delete_runs(ids: list[Any]) -> int:
    """A run goes with its lines in one transaction, so its totals never disagree with them."""
    with transaction.atomic():
        _delete_lines(Line.objects.filter(payment_run__in=ids))
        return PaymentRun.objects.filter(pk__in=ids).delete()[0]


def delete_timesheets(ids: list[Any]) -> int:
    with transaction.atomic():
        _delete_lines(Line.objects.filter(timesheet__in=ids))
        return Timesheet.objects.filter(pk__in=ids).delete()[0]


def register() -> None:
    deletion.register_anonymiser("payments.Line", minimise_lines)
    register_rule(
        Rule(
            key="payments.minimise_paid_lines",
            retention=Keep.PAYMENT,
            label="payments.Line",
            action=Action.MINIMISED,
            due=lines_to_minimise,
            scheme=SCHEME,
            people=("mentor",),
            ends="Minimised once paid: description, message and links to meetings removed.",
        )
    )
    register_rule(
        Rule(
            key="payments.payment_runs",
            retention=Keep.PAYMENT,
            label="payments.PaymentRun",
            action=Action.DELETED,
            due=runs_due,
            scheme=SCHEME,
            people=("lines__mentor",),
            remove=delete_runs,
            ends="Deleted with their lines after the tax year's end and the years set.",
        )
    )
    register_rule(
        Rule(
            key="payments.timesheets",
            retention=Keep.PAYMENT,
            label="payments.Timesheet",
            action=Action.DELETED,
            due=timesheets_due,
            scheme=SCHEME,
            people=("mentor",),
            remove=delete_timesheets,
            ends="Deleted once as old as the runs and nothing of them is left in a run.",
        )
    )
