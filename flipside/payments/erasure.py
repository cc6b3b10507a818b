"""How erasure handles pay (see flipside/privacy/erasure.py).

What the law requires to keep is kept, minimised: HMRC needs the employer to keep pay records
(who was paid, how much, when, for how many hours at what rate) for at least three years after
the tax year, and the organisation's own audit keeps six; the payroll or student number is how
the payroll finds the person's tax record, so it stays. Descriptions and messages go.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from flipside.privacy import erasure as E

from .models import Employment, ExportLayout, Line, PaymentRun, RateValue, Timesheet

PAYROLL_KEPT = (
    "The payroll reference HMRC requires the employer to keep with each payment record "
    "(PAYE record keeping: 3 years after the tax year; the organisation keeps 6), so the "
    "payment can be traced to the person's tax record."
)


def _payroll_numbers(uid: int) -> Iterable[str]:
    return Employment.objects.filter(user_id=uid).values_list("payroll_number", flat=True)


E.register_identifiers(_payroll_numbers)

E.declare(
    "payments.Employment",
    E.MINIMISE,
    why="Their payroll or student number is kept, as the law requires for pay records; "
    "the weekly limit and right-to-work check date are deleted.",
    rows=lambda uid: Employment.objects.filter(user_id=uid),
    clear={"weekly_limit_hours": None, "right_to_work_checked_on": None},
    law_keeps={"payroll_number": PAYROLL_KEPT},
    noun="payroll records",
)
E.declare(
    "payments.Line",
    E.MINIMISE,
    why="Pay lines are kept as the law requires — date, hours, rate and amount — and their "
    "descriptions and messages are deleted.",
    rows=lambda uid: Line.objects.filter(mentor_id=uid),
    clear={"description": "", "message": "", "sort_name": E.ERASED_NAME},
    noun="pay lines",
    own_names=["sort_name"],
)
E.declare(
    "payments.Timesheet",
    E.MINIMISE,
    why="Timesheets are kept as the law requires, with the pay lines.",
    rows=lambda uid: Timesheet.objects.filter(mentor_id=uid),
    noun="timesheets",
)
E.declare(
    "payments.PaymentRun",
    E.KEEP,
    why="Payment runs they handled are kept.",
    rows=lambda uid: PaymentRun.objects.filter(
        Q(created_by_id=uid) | Q(exported_by_id=uid) | Q(marked_paid_by_id=uid)
    ),
    noun="payment runs",
)
E.declare(
    "payments.RateValue",
    E.KEEP,
    why="Pay rates they set are kept.",
    rows=lambda uid: RateValue.objects.filter(added_by_id=uid),
    noun="pay rates",
)
E.declare(
    "payments.ExportLayout",
    E.KEEP,
    why="Payroll export layouts they saved are kept.",
    rows=lambda uid: ExportLayout.objects.filter(updated_by_id=uid),
    noun="export layouts",
)
