"""A cohort's pay budget: what the year should cost, against what is approved and paid.

The forecast is worked out from the cohort's plan, at the value of its rate in force today:

- meetings: pairs × the cohort's minimum meetings × the usual meeting length;
- preparation: pairs × minimum meetings × the preparation allowance per meeting, when
  meetings are paid;
- training: the hours of the cohort's sessions for mentors × the number of mentors;
- reflection events: the hours of its events × the number of mentors;
- rolled-up holiday pay on all of it, when the cohort pays it.

Only what the cohort pays for counts (``PaySettings``). Before pairs are published, each
student mentor is expected to have one partner. Each part is rounded once to the penny;
approved and paid amounts are added up by the database from the lines themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.matching.models import Pair
from flipside.partnerships.models import ReflectionEvent
from flipside.schemes.models import Cohort
from flipside.training.models import Audience, TrainingSession

from .activity import hours_of
from .export import to_hundredths
from .models import Line, PaymentRun, PaySettings, RateValue
from .money import HUNDRED, pennies, value_in_force
from .permissions import mentors_of
from .services.rates import pay_settings_of

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Part:
    """One line of the forecast: its hours, each activity's length counted in hours as a
    timesheet line records it (``activity.hours_of``)."""

    label: str
    working: str  # how it was worked out, in words
    hours: Decimal


@dataclass(frozen=True)
class Budget:
    cohort: Cohort
    value: RateValue | None  # None: the rate has no value in force today
    pairs: int
    pairs_expected: bool  # no pairs published yet: one per mentor expected
    mentors: int
    parts: list[tuple[Part, Decimal]]  # each part with its amount
    holiday_percent: Decimal | None
    holiday: Decimal
    forecast: Decimal
    approved: Decimal  # approved, not paid yet
    paid: Decimal

    @property
    def committed(self) -> Decimal:
        return self.approved + self.paid

    @property
    def remaining(self) -> Decimal:
        """What the forecast leaves; negative when more is approved than forecast."""
        return self.forecast - self.committed

    @property
    def over(self) -> Decimal:
        """How far approved and paid amounts pass the forecast (0 when they do not)."""
        return max(-self.remaining, ZERO)


def budget_of(cohort: Cohort) -> Budget:
    settings = pay_settings_of(cohort)
    today = timezone.localdate()
    value = value_in_force(settings.rate, today, settings.policy) if settings.rate else None
    mentors = mentors_of(cohort).count()
    pairs = Pair.objects.filter(cohort=cohort, status=Pair.Status.ACTIVE).count()
    expected = not pairs and not Pair.objects.filter(cohort=cohort).exists()
    planned = mentors if expected else pairs
    parts = forecast_parts(cohort, settings, pairs=planned, mentors=mentors)
    hourly = value.hourly if value is not None else ZERO
    priced = [(part, pennies(part.hours * hourly)) for part in parts]
    subtotal = sum((amount for _part, amount in priced), ZERO)
    percent = settings.holiday_percent if settings.holiday_pay else None
    holiday = pennies(subtotal * percent / HUNDRED) if percent else ZERO
    approved, paid = approved_and_paid(cohort)
    return Budget(
        cohort=cohort, value=value, pairs=planned, pairs_expected=expected, mentors=mentors,
        parts=priced, holiday_percent=percent, holiday=holiday, forecast=subtotal + holiday,
        approved=approved, paid=paid,
    )  # fmt: skip


def forecast_parts(
    cohort: Cohort, settings: PaySettings, *, pairs: int, mentors: int
) -> list[Part]:
    """The paid activities the cohort plans (preparation is paid with meetings, as on
    timesheets)."""
    parts = []
    meetings = pairs * cohort.min_meetings
    if settings.pay_meetings:
        parts.append(
            Part(
                _("Meetings"),
                _("%(pairs)s pairs × %(n)s meetings × %(minutes)s minutes")
                % {"pairs": pairs, "n": cohort.min_meetings, "minutes": cohort.meeting_minutes},
                meetings * hours_of(cohort.meeting_minutes),
            )
        )
    preparation = settings.preparation_minutes
    if settings.pay_meetings and preparation:
        parts.append(
            Part(
                _("Preparation"),
                _("%(pairs)s pairs × %(n)s meetings × %(minutes)s minutes")
                % {"pairs": pairs, "n": cohort.min_meetings, "minutes": preparation},
                meetings * hours_of(preparation),
            )
        )
    if settings.pay_training:
        minutes = _minutes(
            TrainingSession.objects.filter(
                cohort=cohort, audience__in=[Audience.MENTORS, Audience.BOTH]
            )
        )
        parts.append(_per_mentor(_("Training"), minutes, mentors))
    if settings.pay_events:
        minutes = _minutes(ReflectionEvent.objects.filter(cohort=cohort))
        parts.append(_per_mentor(_("Reflection events"), minutes, mentors))
    return parts


def _minutes(sessions: QuerySet[Any]) -> int:
    found = sessions.filter(cancelled_at__isnull=True).aggregate(n=Coalesce(Sum("minutes"), 0))
    return int(found["n"])


def _per_mentor(label: str, minutes: int, mentors: int) -> Part:
    working = _("%(mentors)s mentors × %(minutes)s minutes") % {
        "mentors": mentors,
        "minutes": minutes,
    }
    return Part(label, working, hours_of(minutes) * mentors)


def approved_and_paid(cohort: Cohort) -> tuple[Decimal, Decimal]:
    """The cohort's approved amounts not paid yet, and those paid, holiday pay included."""
    paid = Q(payment_run__status=PaymentRun.Status.PAID)
    found = Line.objects.filter(cohort=cohort, status=Line.Status.APPROVED).aggregate(
        approved=Coalesce(Sum(F("amount") + F("holiday"), filter=~paid), ZERO),
        paid=Coalesce(Sum(F("amount") + F("holiday"), filter=paid), ZERO),
    )
    return to_hundredths(found["approved"]), to_hundredths(found["paid"])


@dataclass(frozen=True)
class Bar:
    label: str
    amount: Decimal
    width: Decimal  # 0–100: the bar's length as a share of the longest
    y: int  # where the bar sits in the chart
    second: bool = False


BAR_STEP = 36


def bars(budget: Budget) -> list[Bar]:
    """The chart's bars: the forecast, then what is approved and what is paid."""
    figures = [
        (_("Forecast"), budget.forecast, False),
        (_("Approved, not paid yet"), budget.approved, True),
        (_("Paid"), budget.paid, True),
    ]
    longest = max((max(amount, ZERO) for _label, amount, _s in figures), default=ZERO)
    return [
        Bar(
            label,
            amount,
            (max(amount, ZERO) * 100 / longest).quantize(Decimal("0.1")) if longest else ZERO,
            index * BAR_STEP,
            second,
        )
        for index, (label, amount, second) in enumerate(figures)
    ]
