"""A payment run as the rows payroll imports, in the columns the organisation chose.

Each organisation picks its payroll's columns and their headings (``ExportLayout``); a run
keeps the columns it was exported with (``PaymentRun.layout``), so downloading it again gives
the same columns in the same order. Rows are one per line, by the student's name then the
date worked, and hold the line's amounts exactly as they were rounded when it was priced:
the amounts of a run's file add up to the run's total to the penny (``check_totals``).
Spreadsheet formulas typed anywhere (a name, a description, a heading) are written inert by
``recruitment.spreadsheets``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.recruitment import spreadsheets

from .models import Employment, ExportLayout, Line, PaymentRun, PaySettings
from .money import pennies


class Column(TypedDict):
    field: str
    header: str


# What a column can hold, in the order the columns page offers them.
FIELDS: dict[str, Any] = {
    "payroll_number": gettext_lazy("Payroll or student number"),
    "name": gettext_lazy("Student name"),
    "email": gettext_lazy("Email address"),
    "cohort": gettext_lazy("Cohort"),
    "period_start": gettext_lazy("Period start"),
    "period_end": gettext_lazy("Period end"),
    "worked_on": gettext_lazy("Date worked"),
    "activity": gettext_lazy("Activity"),
    "hours": gettext_lazy("Hours"),
    "rate": gettext_lazy("Hourly rate"),
    "amount": gettext_lazy("Amount"),
    "holiday": gettext_lazy("Holiday pay"),
    "total": gettext_lazy("Total"),
    "cost_code": gettext_lazy("Cost code"),
    "run": gettext_lazy("Payment run"),
    "paid_on": gettext_lazy("Paid on"),
}
# The columns of an organisation that has not chosen its own, by field.
DEFAULT_LAYOUT: tuple[str, ...] = (
    "payroll_number", "name", "period_start", "period_end", "worked_on", "activity", "hours",
    "rate", "amount", "holiday", "total", "cost_code", "run",
)  # fmt: skip
HEADER_MAX_LENGTH = 60
ZERO = Decimal("0.00")


def default_layout() -> list[Column]:
    """``DEFAULT_LAYOUT`` as columns, headed in the reader's language."""
    return [Column(field=name, header=str(FIELDS[name])) for name in DEFAULT_LAYOUT]


def layout_of(organisation_id: int) -> tuple[list[Column], int]:
    """The organisation's columns and the version an edit must quote; the default columns
    (version 1) until someone saves their own. Reads only."""
    row = ExportLayout.objects.filter(organisation_id=organisation_id).first()
    if row is None or not row.columns:
        return default_layout(), row.version if row else 1
    return usable(row.columns), row.version


def usable(columns: Any) -> list[Column]:
    """Stored columns, leaving out any whose field Flipside no longer knows."""
    return [
        Column(field=str(c["field"]), header=str(c.get("header", "")))
        for c in columns
        if isinstance(c, dict) and c.get("field") in FIELDS
    ]


def columns_of(run: PaymentRun) -> list[Column]:
    """The columns a run's file has: those it was exported with, or, before it is exported,
    the organisation's columns now."""
    if run.layout:
        return usable(run.layout)
    return layout_of(run.cohort.scheme.organisation_id)[0]


def _activity(line: Line) -> str:
    kind = str(line.get_kind_display())
    return f"{kind}: {line.description}" if line.description else kind


def _values(line: Line, run: PaymentRun, payroll: dict[int, str], cost_code: str) -> dict:
    sheet = line.timesheet
    return {
        "payroll_number": payroll.get(line.mentor_id, ""),
        "name": line.mentor.display_name,
        "email": line.mentor.email,
        "cohort": str(run.cohort),
        "period_start": sheet.period_start,
        "period_end": sheet.period_end,
        "worked_on": line.worked_on,
        "activity": _activity(line),
        "hours": line.hours,
        "rate": line.hourly,
        "amount": line.amount,
        "holiday": line.holiday,
        "total": line.total,
        "cost_code": cost_code,
        "run": run.number,
        "paid_on": run.paid_on or "",
    }


def run_lines(run: PaymentRun) -> Any:
    """The run's lines in the file's order: by the student's name, then the date worked."""
    return (
        Line.objects.filter(payment_run=run)
        .select_related("mentor", "timesheet")
        .order_by("mentor__display_name", "mentor_id", "worked_on", "pk")
    )


def run_rows(run: PaymentRun) -> Iterator[list[Any]]:
    """The heading row, then one row per line of the run."""
    columns = columns_of(run)
    yield [column["header"] for column in columns]
    organisation_id = run.cohort.scheme.organisation_id
    payroll = dict(
        Employment.objects.filter(
            organisation_id=organisation_id,
            user_id__in=Line.objects.filter(payment_run=run).values("mentor_id"),
        ).values_list("user_id", "payroll_number")
    )
    cost_code = (
        PaySettings.objects.filter(cohort_id=run.cohort_id)
        .values_list("cost_code", flat=True)
        .first()
    ) or ""
    for line in run_lines(run).iterator(chunk_size=500):
        values = _values(line, run, payroll, cost_code)
        yield [values[column["field"]] for column in columns]


def file_name(run: PaymentRun) -> str:
    return _("%(cohort)s payment run %(n)s") % {"cohort": run.cohort, "n": run.number}


def download(run: PaymentRun, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The run's file, CSV or .xlsx (``fmt`` one of ``spreadsheets.FORMATS``). The rows are
    read before the response starts, so a download never holds the database open."""
    rows = list(run_rows(run))
    title = _("Payment run %(n)s") % {"n": run.number}
    return spreadsheets.download(rows, fmt=fmt, name=file_name(run), title=title)


class Sums(TypedDict):
    lines: int
    hours: Decimal
    amount: Decimal
    holiday: Decimal


def sums_of(lines: Any) -> Sums:
    """Count and totals of ``lines`` (a queryset), added up by the database."""
    found = lines.aggregate(
        lines=Count("pk"),
        hours=Coalesce(Sum("hours"), ZERO),
        amount=Coalesce(Sum("amount"), ZERO),
        holiday=Coalesce(Sum("holiday"), ZERO),
    )
    return Sums(
        lines=found["lines"],
        hours=to_hundredths(found["hours"]),
        amount=to_hundredths(found["amount"]),
        holiday=to_hundredths(found["holiday"]),
    )


def to_hundredths(total: Decimal | int) -> Decimal:
    """A database's sum of two-decimal values, written with two decimals. The sum of whole
    pennies is exact, so nothing is rounded; SQLite adds in binary floating point, and this
    also takes away the stray digits that leaves (64.4600000000000, 64.459999999)."""
    return pennies(Decimal(total))


def check_totals(run: PaymentRun) -> tuple[str, ...]:
    """What does not add up: the run's kept totals against the sums of the lines its file
    lists, to the penny. Empty when everything agrees."""
    found = sums_of(Line.objects.filter(payment_run=run))
    problems = []
    for name in ("hours", "amount", "holiday"):
        kept = getattr(run, name)
        if found[name] != kept:
            problems.append(
                f"payment run {run.pk} (cohort {run.cohort_id}, number {run.number}): "
                f"{name} kept as {kept} but its lines add up to {found[name]}"
            )
    return tuple(problems)
