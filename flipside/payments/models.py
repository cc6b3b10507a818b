"""Paying student mentors for their time.

Rates are named (the London Living Wage, the UK Living Wage, an institution's own) with dated
values: when each was announced and when employers must pay it. A cohort chooses its rate,
which of the two dates makes a new value apply, and what counts as paid time
(``PaySettings``). A mentor's ``Timesheet`` for a period holds ``Line``s, proposed from real
activity (held meetings, a preparation allowance per meeting, training and reflection events
attended) or written by hand; coordinators approve, query or reject each line, and approved
lines are collected into a ``PaymentRun`` that is exported for payroll and marked paid.

Money is ``Decimal``, rounded once per line to the penny (``money.py``). A line records the
rate value it was priced at. An exported run is immutable: a correction is a new adjusting
line. Each activity is claimed at most once (``Line.claim`` is unique). Nothing here is ever
shown to the mentor's staff partner.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flipside.lib.kept import Kept

MAX_HOURS_A_DAY = Decimal(24)
DEFAULT_HOLIDAY_PERCENT = Decimal("12.07")


class Rate(models.Model):
    """A named hourly rate an organisation pays at, with dated values."""

    class Kind(models.TextChoices):
        LONDON = "london", _("London Living Wage")
        UK = "uk", _("UK Living Wage")
        CUSTOM = "custom", _("Custom rate")

    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.CASCADE, related_name="pay_rates"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CUSTOM)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(
        _("source"), max_length=300, blank=True,
        help_text=_("Where the values come from, such as the Living Wage Foundation."),
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("organisation", "name", name="rate_name_per_organisation"),
            models.UniqueConstraint(
                "organisation", "kind", condition=~Q(kind="custom"), name="one_standard_rate"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RateValue(models.Model):
    """One value of a rate: how much an hour, announced on one date and payable from another
    (the Living Wage is announced in late October; employers must pay it by the following
    1 May)."""

    rate = models.ForeignKey(Rate, on_delete=models.CASCADE, related_name="values")
    hourly = models.DecimalField(
        _("pounds an hour"), max_digits=7, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1000"))],
    )  # fmt: skip
    announced_on = models.DateField(_("announced on"))
    payable_from = models.DateField(_("payable from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rate", "-announced_on"]
        constraints = [
            models.UniqueConstraint("rate", "announced_on", name="one_value_per_announcement"),
            models.UniqueConstraint("rate", "payable_from", name="one_value_per_payable_date"),
            models.CheckConstraint(condition=Q(hourly__gt=0), name="rate_value_positive"),
            models.CheckConstraint(
                condition=Q(payable_from__gte=models.F("announced_on")),
                name="rate_value_payable_after_announced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate}: £{self.hourly} from {self.payable_from}"


class Policy(models.TextChoices):
    """Which date makes a new value of the cohort's rate apply to its activity."""

    ANNOUNCED = "announced", _("From the day it is announced")
    PAYABLE = "payable", _("From the day employers must pay it")


class PaySettings(models.Model):
    """What a cohort pays for, at which rate, with which caps."""

    cohort = models.OneToOneField(
        "schemes.Cohort", on_delete=models.CASCADE, primary_key=True, related_name="pay_settings"
    )
    rate = models.ForeignKey(
        Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.ANNOUNCED)
    pay_meetings = models.BooleanField(_("meetings held"), default=True)
    preparation_minutes = models.PositiveSmallIntegerField(
        _("preparation allowance per meeting, in minutes"), default=30,
        validators=[MaxValueValidator(240)],
    )  # fmt: skip
    pay_training = models.BooleanField(_("training attended"), default=True)
    pay_events = models.BooleanField(_("reflection events attended"), default=True)
    pay_other = models.BooleanField(_("other agreed work"), default=True)
    monthly_cap_hours = models.DecimalField(
        _("most hours in a month"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    cohort_cap_hours = models.DecimalField(
        _("most hours in the cohort"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    holiday_pay = models.BooleanField(_("add rolled-up holiday pay"), default=False)
    holiday_percent = models.DecimalField(
        _("holiday pay, per cent"), max_digits=5, decimal_places=2,
        default=DEFAULT_HOLIDAY_PERCENT,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(50))],
    )  # fmt: skip
    cost_code = models.CharField(_("cost code"), max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Pay settings of cohort {self.cohort_id}"


class Employment(models.Model):
    """What an organisation's payroll needs about a student mentor: their payroll number, the
    right-to-work check (no line of theirs is approved before it), and an optional weekly
    limit on hours (a Student visa allows at most 20 in any Monday-to-Sunday week in term)."""

    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    payroll_number = models.CharField(_("payroll or student number"), max_length=40, blank=True)
    right_to_work_checked_on = models.DateField(
        _("right to work checked on"), null=True, blank=True
    )
    right_to_work_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    weekly_limit_hours = models.DecimalField(
        _("most hours in a Monday-to-Sunday week"), max_digits=4, decimal_places=2,
        null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(80))],
    )  # fmt: skip
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint("organisation", "user", name="one_employment_per_person")
        ]

    def __str__(self) -> str:
        return f"Employment of {self.user_id} at {self.organisation_id}"


class Timesheet(models.Model):
    """A mentor's time in one cohort for one period (a calendar month by default)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Not submitted yet")
        SUBMITTED = "submitted", _("Submitted")

    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="timesheets"
    )
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                "cohort", "mentor", "period_start", name="one_timesheet_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="timesheet_period"
            ),
        ]

    def __str__(self) -> str:
        return f"Timesheet of {self.mentor_id} from {self.period_start}"

    def covers(self, day: datetime.date) -> bool:
        return self.period_start <= day <= self.period_end


class LineQuerySet(models.QuerySet["Line"]):
    def bulk_create(  # type: ignore[override]
        self, objs: Iterable[Line], *args: Any, **kwargs: Any
    ) -> list[Line]:
        """Lines made in bulk (the benchmark, tests) send no signal: each takes its mentor's
        name when none is given, and their cohorts' kept pay figures stop holding, in the
        same transaction (decision 0024)."""
        from . import kept

        objs = list(objs)
        unnamed = {line.mentor_id for line in objs if not line.sort_name}
        if unnamed:
            people = Line._meta.get_field("mentor").related_model._default_manager  # type: ignore[union-attr]
            names = dict(people.filter(pk__in=unnamed).values_list("pk", "display_name"))
            for line in objs:
                if not line.sort_name:
                    line.sort_name = names.get(line.mentor_id, "")
        with transaction.atomic(using=self.db, savepoint=False):
            made: list[Line] = super().bulk_create(objs, *args, **kwargs)  # type: ignore[arg-type,assignment]
            for cohort_id in sorted({line.cohort_id for line in objs}):
                kept.changed(cohort_id)
        return made


class Line(models.Model):
    """One activity claimed on a timesheet, priced at the rate value in force on its date."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        PREPARATION = "preparation", _("Preparation for a meeting")
        TRAINING = "training", _("Training")
        EVENT = "event", _("Reflection event")
        OTHER = "other", _("Other agreed work")
        ADJUSTMENT = "adjustment", _("Correction")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not submitted yet")
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        QUERIED = "queried", _("Queried")
        REJECTED = "rejected", _("Rejected")

    timesheet = models.ForeignKey(Timesheet, on_delete=models.CASCADE, related_name="lines")
    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    worked_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    # What was done, once: "meeting:12", "preparation:12", "training:5", "event:9"; empty
    # for work written by hand and for corrections. Unique, so no activity is paid twice.
    claim = models.CharField(max_length=40, null=True, blank=True, unique=True)
    meeting = models.ForeignKey(
        "partnerships.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    booking = models.ForeignKey(
        "training.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event_reply = models.ForeignKey(
        "partnerships.EventReply", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    # The price: the rate value in force on ``worked_on``, its hourly amount, and the line's
    # amount and holiday pay, each rounded once to the penny (money.price).
    rate_value = models.ForeignKey(
        RateValue, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hourly = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    holiday = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    message = models.CharField(_("message"), max_length=500, blank=True)  # a query or rejection
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    payment_run = models.ForeignKey(
        "PaymentRun", on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # The mentor's name, kept for the review page's order (decision 0024, as memberships keep
    # theirs, 0014): set when the line is made, and on all their lines when the name changes
    # (``apps.py``).
    sort_name = models.CharField(max_length=150, default="", editable=False)

    objects = LineQuerySet.as_manager()

    class Meta:
        ordering = ["worked_on", "id"]
        indexes = [
            # A cohort's lines in a status in their mentors' name order: the review page reads
            # its 50 rows along it, and counts a status from it alone.
            models.Index(
                fields=["cohort", "status", "sort_name", "mentor", "worked_on", "id"],
                name="line_review",
            ),
            models.Index("mentor", "worked_on", name="line_mentor_day"),
            # Approved lines not yet in a payment run: what the next run collects, and what
            # the cohort page and the coordinators' next step count.
            # Covering on PostgreSQL: the amount waiting for a run is summed from the index
            # alone (other databases make it without the included columns).
            models.Index(
                fields=["cohort"],
                condition=Q(status="approved", payment_run__isnull=True),
                include=["amount", "holiday"],
                name="line_waiting_for_run",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__lte=24, hours__gte=-24), name="line_hours_range"
            ),
            models.CheckConstraint(
                condition=Q(kind="adjustment") | Q(hours__gt=0), name="line_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "approved", "queried", "rejected"]),
                name="line_status",
            ),
            models.CheckConstraint(
                condition=Q(payment_run__isnull=True) | Q(status="approved"),
                name="line_paid_only_when_approved",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(amount__isnull=False),
                name="line_approved_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.worked_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.sort_name and self.mentor_id is not None:
            # The services pass the name they read; anything else (the demo, tests) has it
            # read here.
            self.sort_name = _mentor_name(self)
        super().save(*args, **kwargs)

    @property
    def total(self) -> Decimal | None:
        return None if self.amount is None else self.amount + self.holiday


def _mentor_name(line: Line) -> str:
    field = Line._meta.get_field("mentor")
    if field.is_cached(line):  # type: ignore[union-attr]
        return str(line.mentor.display_name)
    people = field.related_model._default_manager  # type: ignore[union-attr]
    return people.filter(pk=line.mentor_id).values_list("display_name", flat=True).first() or ""


class PaymentRun(models.Model):
    """Approved lines of a cohort collected for payroll: exported (then immutable), then
    marked paid with the date payroll paid them."""

    class Status(models.TextChoices):
        COLLECTED = "collected", _("Collected, not exported yet")
        EXPORTED = "exported", _("Exported for payroll")
        PAID = "paid", _("Paid")

    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COLLECTED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Totals of its lines, written when it is collected and checked by selfcheck.
    hours = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0.00"))
    amount = models.DecimalField(max_digits=11, decimal_places=2, default=Decimal("0.00"))
    holiday = models.DecimalField(max_digits=11, decimal_places=2, default=Decimal("0.00"))
    exported_at = models.DateTimeField(null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    layout = models.JSONField(default=list, blank=True)  # the columns it was exported with
    paid_on = models.DateField(null=True, blank=True)
    marked_paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint("cohort", "number", name="payment_run_number_per_cohort"),
            models.CheckConstraint(
                condition=Q(status__in=["collected", "exported", "paid"]),
                name="payment_run_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment run {self.number}"

    @property
    def total(self) -> Decimal:
        return self.amount + self.holiday


class ExportLayout(models.Model):
    """The columns an organisation's payroll wants, in order, each with its header: a list
    of {"field": one of ``payments.export.FIELDS``, "header": text}."""

    organisation = models.OneToOneField(
        "schemes.Organisation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Payroll columns of organisation {self.organisation_id}"


class PayCount(Kept):
    """A cohort's lines waiting for approval, and the amount approved but not yet in a payment
    run (with holiday pay, in pence), as last counted: kept so that the cohort page and the
    coordinators' home need not count the cohort's lines on every view
    (docs/decisions/0024-pay-figures-kept-and-review-read-in-name-order.md).

    Every change to a cohort's lines raises ``generation`` in the same transaction
    (``kept.changed``); the figures hold while ``counted_generation`` equals it, and the next
    reader counts again once it does not."""

    cohort = models.OneToOneField(
        "schemes.Cohort", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    waiting_lines = models.PositiveIntegerField(default=0)
    # Signed: a correction taking time off can leave less than nothing waiting.
    approved_pence = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Pay figures of cohort {self.cohort_id}"
