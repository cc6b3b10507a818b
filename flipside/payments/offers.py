"""What payments offers the home page and the cohort overview: a student mentor's own pay on
their card, and for coordinators the lines waiting for approval (their next step while any
wait) and the cohort's pay figures with links to its pay pages. Staff mentees and observers
are offered nothing here: pay is between the student and the scheme. One query per call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.accounts.models import User
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.offers import CardOffer, Link, NextStep, Part

from .models import Line
from .money import pennies

# Pay is claimed once pairs meet: while the cohort runs, and after it closes for late claims.
PAYING = (Stage.RUNNING, Stage.CLOSED)
ZERO = Decimal("0.00")


def _money(value: Decimal | None) -> Decimal:
    """A sum from the database in pounds and pence (SQLite's sums of decimals come back
    with more places than they hold)."""
    return ZERO if value is None else pennies(Decimal(value))


WAITING = Q(status=Line.Status.SUBMITTED)
APPROVED = Q(status=Line.Status.APPROVED, payment_run__isnull=True)  # not in a run yet
PAID = Q(status=Line.Status.APPROVED, payment_run__status="paid")
APPROVED_UNPAID = Q(status=Line.Status.APPROVED) & ~PAID


@dataclass
class CohortPay:
    cohort: Cohort
    waiting_lines: int
    approved: Decimal  # approved, not yet in a payment run
    paid: Decimal


_FIGURES = "_pay_figures"  # a cohort's figures, asked with its step, kept for its section


def _figures(cohorts: Sequence[Cohort]) -> dict[int, CohortPay]:
    """Each cohort's lines waiting, approved and paid amounts (one aggregate query)."""
    total = F("amount") + F("holiday")
    rows = (
        Line.objects.filter(cohort_id__in=[c.pk for c in cohorts])
        .order_by()
        .values("cohort_id")
        .annotate(
            waiting=Count("id", filter=WAITING),
            approved=Sum(total, filter=APPROVED),
            paid=Sum(total, filter=PAID),
        )
    )
    by_id = {row["cohort_id"]: row for row in rows}
    figures = {}
    for cohort in cohorts:
        row: dict[str, Any] = dict(by_id.get(cohort.pk, {}))
        figures[cohort.pk] = CohortPay(
            cohort, row.get("waiting", 0), _money(row.get("approved")), _money(row.get("paid"))
        )
        setattr(cohort, _FIGURES, figures[cohort.pk])
    return figures


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """For cohorts where mentors have submitted time: approve it, saying how many lines wait
    (one query for all the cohorts, whose figures the cohort page's section reuses). A
    student's pay comes before the other steps."""
    paying = [c for c in cohorts if c.stage in PAYING]
    if not paying:
        return {}
    steps = {}
    for cohort_id, pay in _figures(paying).items():
        if pay.waiting_lines:
            text = ngettext(
                "Approve mentors' pay: %(n)s line waits.",
                "Approve mentors' pay: %(n)s lines wait.",
                pay.waiting_lines,
            ) % {"n": pay.waiting_lines}
            steps[cohort_id] = NextStep(text, reverse("payments:review", args=[cohort_id]))
    return steps


@dataclass
class OwnPay:
    cohort_id: int
    waiting: Decimal
    approved: Decimal
    paid: Decimal


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    """For student mentors in cohorts that pay: what they have waiting, approved and paid,
    and the link to their pay page (one query for all their cohorts)."""
    mentoring = [m for m in memberships if m.role == Role.MENTOR and m.cohort.stage in PAYING]
    if not mentoring:
        return {}
    total = F("amount") + F("holiday")
    figures = {
        row["cohort_id"]: row
        for row in Line.objects.filter(mentor=user, cohort_id__in=[m.cohort_id for m in mentoring])
        .order_by()
        .values("cohort_id")
        .annotate(
            waiting=Sum(total, filter=WAITING),
            approved=Sum(total, filter=APPROVED_UNPAID),
            paid=Sum(total, filter=PAID),
        )
    }
    offers = {}
    for membership in mentoring:
        row: dict[str, Any] = dict(figures.get(membership.cohort_id, {}))
        pay = OwnPay(
            membership.cohort_id,
            _money(row.get("waiting")),
            _money(row.get("approved")),
            _money(row.get("paid")),
        )
        offers[membership.pk] = CardOffer(
            parts=[Part("payments/_card_pay.html", pay)],
            links=[Link(_("Your pay"), reverse("payments:my_pay", args=[membership.cohort_id]))],
        )
    return offers


def home_sections(user: User) -> list[Part]:
    # A mentor's pay is on their cohort's card (participant_offers).
    return []


def cohort_sections(cohort: Cohort, *, can_manage: bool) -> list[Part]:
    """For the cohort's coordinators once pairs meet: lines waiting, approved and paid
    amounts, and links to the pay pages (the figures its step read, or one aggregate query).
    Nobody else sees pay here."""
    if not can_manage or cohort.stage not in PAYING:
        return []
    data = getattr(cohort, _FIGURES, None) or _figures([cohort])[cohort.pk]
    return [Part("payments/_cohort_section.html", data)]
