"""The demo's pay: a term of the running Pride cohort's timesheets in every state, one payment
run exported for payroll, a budget, and money that adds up."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import response_text
from flipside.accounts.models import User
from flipside.demo.payments import EARLY, NO_RIGHT_TO_WORK
from flipside.payments.checks import check_money
from flipside.payments.models import Line, PaymentRun, Timesheet
from flipside.schemes.models import Cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings: Any) -> Cohort:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    return Cohort.objects.select_related("scheme").get(
        scheme__name="Pride Reverse Mentoring", label="2026/27"
    )


def test_the_running_cohort_has_timesheets_in_every_state(seeded: Cohort) -> None:
    lines = Line.objects.filter(cohort=seeded)
    assert set(lines.values_list("status", flat=True)) == set(Line.Status.values)
    assert set(Timesheet.objects.filter(cohort=seeded).values_list("status", flat=True)) == {
        "open", "submitted"
    }  # fmt: skip
    kinds = set(lines.values_list("kind", flat=True))
    assert {"meeting", "preparation", "training", "event", "other"} <= kinds
    (run,) = PaymentRun.objects.filter(cohort=seeded)
    assert run.status == PaymentRun.Status.EXPORTED and run.layout
    assert run.amount == sum(line.amount for line in run.lines.all()) > 0
    # Nobody's pay waits on their staff partner: a meeting not yet confirmed is claimed and
    # submitted, and the mentor without a right-to-work check waits for it, not for a partner.
    assert lines.filter(mentor__display_name=EARLY, status="submitted", kind="meeting").exists()
    assert set(
        lines.filter(mentor__display_name=NO_RIGHT_TO_WORK).values_list("status", flat=True)
    ) == {"submitted"}
    assert check_money().problems == ()


def test_the_coordinator_sees_what_waits_a_run_and_a_budget(seeded: Cohort) -> None:
    client = Client()
    client.force_login(User.objects.get(email="coordinator@demo.flipside.test"))
    review = response_text(client.get(reverse("payments:review", args=[seeded.pk])))
    assert "Right to work not recorded" in review and "not confirmed" in review.lower()
    run = PaymentRun.objects.get(cohort=seeded)
    exported = client.get(reverse("payments:run_export", args=[run.pk, "csv"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert len(rows) == run.lines.count()
    assert sum(Decimal(row["Amount"]) for row in rows) == run.amount
    budget = client.get(reverse("payments:budget", args=[seeded.pk]))
    assert budget.status_code == 200 and "<svg" in response_text(budget)


def test_the_demo_mentor_sees_their_pay_and_the_event_still_to_claim(seeded: Cohort) -> None:
    client = Client()
    client.force_login(User.objects.get(email="mentor@demo.flipside.test"))
    page = response_text(client.get(reverse("payments:my_pay", args=[seeded.pk])))
    assert "Reflection event: Mid-point reflection" in page
    sheet = Timesheet.objects.filter(cohort=seeded, mentor__email="mentor@demo.flipside.test")
    first = sheet.order_by("period_start").first()
    assert first is not None
    lines = response_text(client.get(reverse("payments:timesheet", args=[first.pk])))
    assert "£14.80" in lines  # the London Living Wage the lines were priced at
