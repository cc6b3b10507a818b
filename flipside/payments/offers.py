"""What payments offers the home page and the cohort overview: a student mentor's own pay on
their card, and for coordinators the lines waiting for approval (their next step while any
wait) and the cohort's pay figures with links to its pay pages. Staff mentees and observers
are offered nothing here: pay is between the student and the scheme. One query per call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.accounts.models import User
from flipside.lib import sections as draw
from flipside.lib.sql import fetch
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.offers import CardOffer, Link, NextStep, Part, Section

from .kept import pay_figures
from .money import pennies

# Pay is claimed once pairs meet: while the cohort runs, and after it closes for late claims.
PAYING = (Stage.RUNNING, Stage.CLOSED)
ZERO = Decimal("0.00")


def _money(value: object) -> Decimal:
    """A sum from the database in pounds and pence (SQLite sums decimals as floats)."""
    return ZERO if value is None else pennies(Decimal(str(value)))


@dataclass
class CohortPay:
    cohort: Cohort
    waiting_lines: int
    approved: Decimal  # approved, not yet in a payment run


_FIGURES = "_pay_figures"  # a cohort's figures, asked with its step, kept for its section


def _figures(cohorts: Sequence[Cohort]) -> dict[int, CohortPay]:
    """Each cohort's lines waiting for approval and the amount approved but not yet in a
    payment run: the figures kept for them (decision 0024), one query while they hold."""
    counted = pay_figures([c.pk for c in cohorts])
    figures = {}
    for cohort in cohorts:
        pay = counted[cohort.pk]
        figures[cohort.pk] = CohortPay(cohort, pay.waiting_lines, pay.approved)
        setattr(cohort, _FIGURES, figures[cohort.pk])
    return figures


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """For cohorts where mentors have submitted time: approve it, saying how many lines wait;
    then collect what is approved into a payment run (one query for all the cohorts, whose
    figures the cohort page's section reuses). A student's pay comes before other steps."""
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
        elif pay.approved:
            text = _("Pay mentors: £%(amount)s of approved time waits for a payment run.") % {
                "amount": pay.approved
            }
            steps[cohort_id] = NextStep(text, reverse("payments:runs", args=[cohort_id]))
    return steps


@dataclass
class OwnPay:
    cohort_id: int
    waiting: Decimal
    approved: Decimal
    paid: Decimal


# A mentor's own lines, for the card on their home page: plain SQL, as every view of a
# participant's home asks (decision 0010). One person's lines are a few dozen a year.
_OWN_PAY_SQL = """
    SELECT l.cohort_id,
        SUM(CASE WHEN l.status = 'submitted' THEN COALESCE(l.amount, 0) + l.holiday
            ELSE 0 END),
        SUM(CASE WHEN l.status = 'approved' AND (r.status IS NULL OR r.status <> 'paid')
            THEN COALESCE(l.amount, 0) + l.holiday ELSE 0 END),
        SUM(CASE WHEN l.status = 'approved' AND r.status = 'paid'
            THEN COALESCE(l.amount, 0) + l.holiday ELSE 0 END)
    FROM payments_line l LEFT JOIN payments_paymentrun r ON r.id = l.payment_run_id
    WHERE l.mentor_id = %s
    GROUP BY l.cohort_id
"""


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    """For student mentors in cohorts that pay: what they have waiting, approved and paid,
    and the link to their pay page (one query for all their cohorts)."""
    mentoring = [m for m in memberships if m.role == Role.MENTOR and m.cohort.stage in PAYING]
    if not mentoring:
        return {}
    figures = {row[0]: row for row in fetch(_OWN_PAY_SQL, [user.pk], ())}
    offers = {}
    for membership in mentoring:
        _id, waiting, approved, paid = figures.get(membership.cohort_id, (0, None, None, None))
        pay = OwnPay(membership.cohort_id, _money(waiting), _money(approved), _money(paid))
        offers[membership.pk] = CardOffer(
            parts=[Part("payments/_card_pay.html", pay)],
            links=[Link(_("Your pay"), reverse("payments:my_pay", args=[membership.cohort_id]))],
        )
    return offers


def home_sections(user: User) -> list[Part]:
    # A mentor's pay is on their cohort's card (participant_offers).
    return []


def cohort_sections(
    cohort: Cohort, *, can_manage: bool, viewer: User | None = None
) -> list[Section]:
    """For the cohort's coordinators once pairs meet: lines waiting for approval, the amount
    approved but not yet in a payment run, and links to the pay pages (the figures its step
    read, or one query). Nobody else sees pay here."""
    if not can_manage or cohort.stage not in PAYING:
        return []
    data = getattr(cohort, _FIGURES, None) or _figures([cohort])[cohort.pk]
    return [Section(_section(data), data)]


def _section(data: CohortPay) -> SafeString:
    pk = data.cohort.pk
    figures = [
        (_("Lines waiting for approval"), data.waiting_lines),
        (_("Approved, not yet in a payment run"), f"£{localize(data.approved)}"),
    ]
    lines = [
        draw.link(draw.url("payments:review", pk), _("Approve submitted time")),
        draw.link(draw.url("payments:runs", pk), _("Payment runs and payroll exports")),
        draw.link(draw.url("payments:budget", pk), _("Budget")),
        draw.link(
            draw.url("payments:employment", pk), _("Right-to-work checks and payroll numbers")
        ),
        draw.link(draw.url("payments:settings", pk), _("What is paid, and at which rate")),
    ]
    return draw.join(
        [
            draw.heading(_("Mentors' pay"), id="pay-title"),
            draw.figures(figures, labelled_by="pay-title"),
            draw.actions(lines),
        ]
    )
