"""A student mentor's own pay: their hours, amounts and payment status at all times, the
activity they can claim, other agreed work, their timesheets and submitting them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, form_after_conflict
from flipside.lib.money import format_pounds
from flipside.lib.sql import Listing, columns, fetch, fields_of, instances
from flipside.schemes.models import Cohort

from .. import activity
from .. import forms_timesheets as forms
from ..models import Line, PaymentRun, PaySettings, RateValue, Timesheet
from ..money import pennies
from ..permissions import get_mentor_cohort, get_own_line, get_own_timesheet
from ..services import PayError
from ..services import timesheets as services
from ..services.rates import pay_settings_of

PER_PAGE = 25
MOST_OFFERED = 50
Status = Line.Status
# Existing tag colours: grey, blue, green, amber, red.
STATUS_TAGS: dict[str, str] = {
    Status.DRAFT: "tag",
    Status.SUBMITTED: "tag tag--application-submitted",
    Status.APPROVED: "tag tag--application-accepted",
    Status.QUERIED: "tag tag--session-waiting",
    Status.REJECTED: "tag tag--not-ready",
}
PAID_TAG = "tag tag--run-done"


def pounds(amount: Decimal | None) -> str:
    return "–" if amount is None else format_pounds(amount)


@dataclass
class LineRow:
    """A line as a table shows it: its figures in words, its status and its run."""

    line: Line
    rate_from: datetime.date | None

    @property
    def hours(self) -> str:
        return services.hours_text(self.line.hours)

    @property
    def hourly(self) -> str:
        return pounds(self.line.hourly)

    @property
    def amount(self) -> str:
        return pounds(self.line.amount)

    @property
    def holiday(self) -> str:
        return pounds(self.line.holiday) if self.line.holiday else ""

    @property
    def paid(self) -> bool:
        run = self.line.payment_run
        return run is not None and run.status == PaymentRun.Status.PAID

    @property
    def tag(self) -> str:
        return PAID_TAG if self.paid else STATUS_TAGS.get(self.line.status, "tag")

    @property
    def status(self) -> str:
        return _("Paid") if self.paid else str(self.line.get_status_display())

    @property
    def editable(self) -> bool:
        return self.line.status in services.EDITABLE and self.line.payment_run_id is None


def line_rows(lines: Any, settings: PaySettings) -> list[LineRow]:
    return [LineRow(line, services.rate_from(line, settings.policy)) for line in lines]


_LINES_SQL = (
    f"SELECT {columns(Line, 'l')}, {columns(RateValue, 'v')}, {columns(PaymentRun, 'r')} "  # noqa: S608 - column names from the models  # nosec B608
    "FROM payments_line l LEFT JOIN payments_ratevalue v ON v.id = l.rate_value_id "
    "LEFT JOIN payments_paymentrun r ON r.id = l.payment_run_id "
    "WHERE l.timesheet_id = %s ORDER BY l.worked_on, l.id"
)


def _lines(timesheet: Timesheet) -> list[Line]:
    """The timesheet's lines, each with its rate value and payment run (one plain-SQL query:
    a mentor's pay page reads this month's on every visit)."""
    lines = []
    for row in fetch(_LINES_SQL, [timesheet.pk], fields_of(Line, RateValue, PaymentRun)):
        line, value, run = instances(row, Line, RateValue, PaymentRun)
        line.rate_value = value if line.rate_value_id is not None else None
        line.payment_run = run if line.payment_run_id is not None else None
        lines.append(line)
    return lines


def shows_holiday(settings: PaySettings, lines: QuerySet[Line]) -> bool:
    """Holiday pay has its own column when the cohort adds it or ever added it."""
    return settings.holiday_pay or lines.exclude(holiday=0).exists()


_GROUPS = ("waiting", "approved", "paid")


def totals(lines: QuerySet[Line]) -> list[tuple[str, Any]]:
    """Hours, amount and holiday pay by where they are: waiting (not submitted or waiting
    for approval), approved and not paid yet, paid; in one query."""
    paid = Q(status=Status.APPROVED, payment_run__status=PaymentRun.Status.PAID)
    groups = {
        "waiting": Q(status__in=[Status.DRAFT, Status.QUERIED, Status.SUBMITTED]),
        "approved": Q(status=Status.APPROVED) & ~paid,
        "paid": paid,
    }
    sums = lines.aggregate(
        **{f"{n}_hours": Sum("hours", filter=q, default=0) for n, q in groups.items()},
        **{f"{n}_amount": Sum("amount", filter=q, default=0) for n, q in groups.items()},
        **{f"{n}_holiday": Sum("holiday", filter=q, default=0) for n, q in groups.items()},
    )
    return _totals_in_words(sums)


def _totals_in_words(sums: dict[str, Any]) -> list[tuple[str, Any]]:
    labels = {
        "waiting": _("Waiting (not submitted or not approved yet)"),
        "approved": _("Approved, not paid yet"),
        "paid": _("Paid"),
    }
    # str(): SQLite adds decimals up as floats.
    return [
        (labels[n], {
            "hours": services.hours_text(Decimal(str(sums[f"{n}_hours"]))),
            "amount": pounds(pennies(Decimal(str(sums[f"{n}_amount"])))),
            "holiday": pounds(pennies(Decimal(str(sums[f"{n}_holiday"])))),
        })
        for n in _GROUPS
    ]  # fmt: skip


# A mentor's pay page is where they check, again and again, what is waiting and what is
# paid: its reads are plain SQL (decision 0012). Their totals (as ``totals``) and whether any
# line of theirs carries holiday pay, in one query:
_MY_TOTALS_SQL = """
    SELECT {sums}, MAX(CASE WHEN l.holiday <> 0 THEN 1 ELSE 0 END)
    FROM payments_line l LEFT JOIN payments_paymentrun r ON r.id = l.payment_run_id
    WHERE l.cohort_id = %s AND l.mentor_id = %s
"""
_GROUP_SQL = {
    "waiting": "l.status IN ('draft', 'queried', 'submitted')",
    "approved": "l.status = 'approved' AND (r.status IS NULL OR r.status <> 'paid')",
    "paid": "l.status = 'approved' AND r.status = 'paid'",
}
_SUMMED = [
    (f"{group}_{column}", f"COALESCE(SUM(CASE WHEN {condition} THEN l.{column} END), 0)")
    for group, condition in _GROUP_SQL.items()
    for column in ("hours", "amount", "holiday")
]
MY_TOTALS_SQL = _MY_TOTALS_SQL.format(sums=", ".join(sql for _name, sql in _SUMMED))


def my_totals(cohort: Cohort, mentor_id: int) -> tuple[list[tuple[str, Any]], bool]:
    """The mentor's totals in the cohort, as ``totals``, and whether any of their lines
    carries holiday pay (one query)."""
    *values, holiday = fetch(MY_TOTALS_SQL, [cohort.pk, mentor_id], (None,) * 10)[0]
    sums = {name: value for (name, _sql), value in zip(_SUMMED, values, strict=True)}
    return _totals_in_words(sums), bool(holiday)


_SHEET_FIELDS = tuple(Timesheet._meta.concrete_fields)
_SHEET_COLUMNS = ", ".join(f"t.{field.column}" for field in _SHEET_FIELDS)
_EDITABLE = ", ".join(f"'{status}'" for status in services.EDITABLE)


def _sheet_of(*values: Any) -> Timesheet:
    """A timesheet with its figures: lines, lines to submit, lines queried, and the hours
    and amount of its lines not rejected."""
    sheet = instances(values, Timesheet)[0]
    line_count, to_submit, queried, hours, amount = values[len(_SHEET_FIELDS) :]
    vars(sheet).update(
        line_count=line_count,
        to_submit=to_submit,
        queried=queried,
        hours=None if hours is None else Decimal(str(hours)),
        amount=None if amount is None else Decimal(str(amount)),
    )
    return sheet


def _timesheets(cohort: Cohort, user: Any) -> Listing[Timesheet]:
    """The mentor's timesheets in the cohort, newest first, with their figures."""
    mine = "t.cohort_id = %s AND t.mentor_id = %s"
    return Listing(
        select=f"{_SHEET_COLUMNS}, COUNT(l.id), "
        f"SUM(CASE WHEN l.status IN ({_EDITABLE}) THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN l.status = 'queried' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN l.status <> 'rejected' THEN l.hours END), "
        "SUM(CASE WHEN l.status <> 'rejected' THEN l.amount END)",
        source="payments_timesheet t LEFT JOIN payments_line l ON l.timesheet_id = t.id "
        f"WHERE {mine} GROUP BY t.id",
        counted=f"payments_timesheet t WHERE {mine}",
        params=[cohort.pk, user.pk],
        order="t.period_start DESC, t.id",
        row=_sheet_of,
        fields=(*_SHEET_FIELDS, None, None, None, None, None),
    )


def _page_context(request: AuthedRequest, cohort: Cohort, settings: PaySettings) -> dict[str, Any]:
    today = timezone.localdate()
    start, end = services.month_of(today)
    page = Paginator(_timesheets(cohort, request.user), PER_PAGE).get_page(request.GET.get("page"))
    # This month's timesheet is the newest, so the first page holds it when it exists.
    newest = page.object_list[0] if page.number == 1 and page.object_list else None
    if page.number == 1:
        sheet = newest if newest is not None and newest.period_start == start else None
    else:
        sheet = Timesheet.objects.filter(
            cohort=cohort, mentor=request.user, period_start=start
        ).first()
    rows = line_rows(_lines(sheet), settings) if sheet else []
    offered = activity.claimable(cohort, request.user.pk, settings)
    days = [today, *(row.line.worked_on for row in rows)]
    figures, holiday = my_totals(cohort, request.user.pk)
    return {
        "cohort": cohort,
        "settings": settings,
        "totals": figures,
        "show_holiday": settings.holiday_pay or holiday,
        "sheet": sheet,
        "period": (start, end),
        "rows": rows,
        "to_submit": sum(row.editable for row in rows),
        # Page reads its timesheets once, here, and keeps them for the template.
        "queried": sum(getattr(each, "queried", 0) for each in page),
        "offered": offered[:MOST_OFFERED],
        "more_offered": max(len(offered) - MOST_OFFERED, 0),
        "page": page,
        "warnings": services.weekly_hours_warnings(
            cohort.scheme.organisation_id, request.user.pk, days
        ),
        "submit_form": forms.VersionForm(initial={"version": sheet.version}) if sheet else None,
    }


def my_pay(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    """The mentor's pay in a cohort; POST adds other agreed work."""
    cohort = get_mentor_cohort(request.user, cohort_id)
    settings = pay_settings_of(cohort)
    form = forms.WorkForm(request.POST or None, prefix="work")
    if request.method == "POST" and form.is_valid():
        try:
            line = services.add_work_to(cohort, by=request.user, **form.values())
        except PayError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "Added %(hours)s hour on %(day)s. Submit the timesheet when it is complete.",
                    "Added %(hours)s hours on %(day)s. Submit the timesheet when it is complete.",
                    1 if line.hours == 1 else 2,
                )
                % {
                    "hours": services.hours_text(line.hours),
                    "day": services.day_text(line.worked_on),
                },
            )
            return redirect("payments:my_pay", cohort.pk)
    context = {**_page_context(request, cohort, settings), "form": form}
    return render(request, "payments/timesheets/my_pay.html", context)


@require_POST
def claim(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_mentor_cohort(request.user, cohort_id)
    offered = activity.claimable(cohort, request.user.pk, pay_settings_of(cohort))
    form = forms.ClaimForm(request.POST, offered=offered)
    if not form.is_valid():
        for error in form.errors.get("claim", []):
            messages.error(request, str(error))
        return redirect("payments:my_pay", cohort.pk)
    claimed, problems = services.claim_all(cohort, keys=form.cleaned_data["claim"], by=request.user)
    if claimed:
        messages.success(
            request,
            ngettext(
                "%(n)s activity claimed. Submit your timesheet when it is complete.",
                "%(n)s activities claimed. Submit your timesheets when they are complete.",
                len(claimed),
            )
            % {"n": len(claimed)},
        )
    for problem in problems:
        messages.error(request, problem)
    return redirect("payments:my_pay", cohort.pk)


def timesheet(request: AuthedRequest, timesheet_id: int) -> HttpResponse:
    sheet = get_own_timesheet(request.user, timesheet_id)
    settings = pay_settings_of(sheet.cohort)
    rows = line_rows(_lines(sheet), settings)
    context = {
        "sheet": sheet,
        "cohort": sheet.cohort,
        "settings": settings,
        "rows": rows,
        "totals": totals(sheet.lines.all()),
        "show_holiday": shows_holiday(settings, sheet.lines.all()),
        "to_submit": sum(row.editable for row in rows),
        "submit_form": forms.VersionForm(initial={"version": sheet.version}),
        "warnings": services.weekly_hours_warnings(
            sheet.cohort.scheme.organisation_id,
            request.user.pk,
            [row.line.worked_on for row in rows],
        ),
    }
    return render(request, "payments/timesheets/timesheet.html", context)


@require_POST
def submit(request: AuthedRequest, timesheet_id: int) -> HttpResponse:
    sheet = get_own_timesheet(request.user, timesheet_id)
    form = forms.VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong. Check the timesheet and submit again."))
        return redirect("payments:timesheet", sheet.pk)
    before = sheet.version
    try:
        after = services.submit_timesheet(
            sheet, by=request.user, version=form.cleaned_data["version"]
        )
    except PayError as error:
        messages.error(request, str(error))
    else:
        if after.version == before:
            messages.info(
                request, _("Nothing new to submit: every line is already submitted or decided.")
            )
        else:
            messages.success(
                request,
                _("Timesheet submitted. A coordinator will approve it or ask you about it."),
            )
    if request.POST.get("from") == "my_pay":
        return redirect("payments:my_pay", sheet.cohort_id)
    return redirect("payments:timesheet", sheet.pk)


def line_edit(request: AuthedRequest, line_id: int) -> HttpResponse:
    line = get_own_line(request.user, line_id)
    if line.status not in services.EDITABLE or line.payment_run_id is not None:
        messages.info(request, _("This line can no longer be changed."))
        return redirect("payments:timesheet", line.timesheet_id)
    form = forms.LineForm(request.POST or None, line=line)
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.change_line(
                line, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: forms.LineForm(data, line=latest),
                saved=lambda latest: [
                    (_("Date"), services.day_text(latest.worked_on)),
                    (_("Hours"), services.hours_text(latest.hours)),
                    (_("What you did"), latest.description),
                ],
            )
        except PayError as error:
            form.add_error(None, str(error))
        else:
            again = line.status == Status.QUERIED
            messages.success(
                request,
                _("Line saved. Submit the timesheet again so a coordinator can approve it.")
                if again
                else _("Line saved. Submit the timesheet when it is complete."),
            )
            return redirect("payments:timesheet", line.timesheet_id)
    context = {"form": form, "line": line, "sheet": line.timesheet, "saved": saved}
    return render(request, "payments/timesheets/line_edit.html", context)


@require_POST
def line_remove(request: AuthedRequest, line_id: int) -> HttpResponse:
    line = get_own_line(request.user, line_id)
    try:
        services.remove_line(line, by=request.user)
    except PayError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Line removed."))
    return redirect("payments:timesheet", line.timesheet_id)
