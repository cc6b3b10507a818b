"""What ``selfcheck`` verifies about pay: the money adds up, to the penny; and the figures and
names kept for the cohort page and the review page (decision 0024) are what they keep.

Every approved line's amount is its hours times its hourly amount, rounded once to the penny
(``money.pennies``), and every payment run's kept totals are the sums of its lines, which are
what its payroll file lists. A line changed by hand in the database, or a run counted twice,
shows up here.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from flipside.lib.background import Verdict

from .export import to_hundredths
from .models import Line, PayCount, PaymentRun
from .money import pennies

ZERO = Decimal("0.00")
SHOWN = 50  # problems listed at most; the summary counts them all


def line_problems() -> tuple[list[str], int]:
    """Approved lines whose amount is not hours × hourly to the penny, and how many lines
    were checked."""
    problems, checked = [], 0
    rows = Line.objects.filter(status=Line.Status.APPROVED).values_list(
        "pk", "payment_run_id", "hours", "hourly", "amount"
    )
    for pk, run_id, hours, hourly, amount in rows.order_by("pk").iterator(chunk_size=2000):
        checked += 1
        expected = None if hourly is None else pennies(hours * hourly)
        if amount is None or amount != expected:
            where = f" in payment run {run_id}" if run_id else ""
            problems.append(
                f"line {pk}{where}: {hours} hours × {hourly} should be {expected}, "
                f"but its amount is {amount}"
            )
    return problems, checked


def run_problems() -> tuple[list[str], int]:
    """Runs whose kept totals are not the sums of their lines, and how many runs there are."""
    runs = PaymentRun.objects.annotate(
        n=Count("lines"),
        sum_hours=Coalesce(Sum("lines__hours"), ZERO),
        sum_amount=Coalesce(Sum("lines__amount"), ZERO),
        sum_holiday=Coalesce(Sum("lines__holiday"), ZERO),
    ).order_by("pk")
    problems, checked = [], 0
    for run in runs.iterator(chunk_size=500):
        checked += 1
        if not run.n:
            problems.append(f"payment run {run.pk}: has no lines")
        for name in ("hours", "amount", "holiday"):
            kept, found = getattr(run, name), to_hundredths(getattr(run, f"sum_{name}"))
            if kept != found:
                problems.append(
                    f"payment run {run.pk} (cohort {run.cohort_id}, number {run.number}): "
                    f"{name} kept as {kept} but its lines add up to {found}"
                )
    return problems, checked


def check_money() -> Verdict:
    """For ``selfcheck``: approved hours × rate equals each line's amount, and each run's
    totals (what was exported) equal the sums of its lines."""
    lines, checked_lines = line_problems()
    runs, checked_runs = run_problems()
    problems = lines + runs
    summary = (
        f"Pay adds up: {'yes' if not problems else 'NO'} "
        f"({checked_lines} approved lines, {checked_runs} payment runs checked)"
    )
    shown = problems[:SHOWN]
    if len(problems) > SHOWN:
        shown.append(f"… and {len(problems) - SHOWN} more")
    return Verdict(summary, tuple(shown))


def kept_pay_figure_differences() -> list[tuple[int, tuple[int, int], tuple[int, int]]]:
    """Cohorts whose kept pay figures, though marked as holding, differ from a fresh count:
    (cohort id, kept, counted), each as (lines waiting, pence approved not in a run). Empty
    unless a change to lines escaped ``kept.changed``."""
    from .kept import count

    wrong = []
    for row in PayCount.objects.filter(counted_generation=F("generation")).order_by("pk"):
        kept = (row.waiting_lines, row.approved_pence)
        counted = tuple(count(row.cohort_id))
        if kept != counted:
            wrong.append((row.cohort_id, kept, (counted[0], counted[1])))
    return wrong


def check_kept_pay_figures() -> Verdict:
    """Every cohort's kept pay figures agree with a fresh count, and every line keeps its
    mentor's name as it is now."""
    problems = [
        f"pay figures: cohort {pk} keeps {kept} but counts {counted}"
        for pk, kept, counted in kept_pay_figure_differences()
    ]
    misnamed = Line.objects.exclude(sort_name=F("mentor__display_name"))
    for pk, mentor_id in misnamed.order_by("pk").values_list("pk", "mentor_id")[:SHOWN]:
        problems.append(f"line {pk}: keeps a name that is not its mentor's ({mentor_id}) now")
    held = PayCount.objects.filter(counted_generation=F("generation")).count()
    return Verdict(f"Pay figures: {held} cohorts' kept", tuple(problems))
