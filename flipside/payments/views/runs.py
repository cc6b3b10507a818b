"""Payment runs, for the cohort's coordinators: the runs and what is waiting to be collected,
one run's lines, exporting it for payroll, downloading its file, marking it paid,
correcting a line already in a run, and the organisation's payroll columns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, form_after_conflict
from flipside.lib.sql import Listing, fetch, instances
from flipside.privacy import audit
from flipside.recruitment import spreadsheets

from .. import export
from .. import forms_runs as forms
from ..models import Line, PaymentRun
from ..permissions import get_managed_line, get_managed_run, get_pay_cohort, get_pay_organisation
from ..services import PayError
from ..services import runs as services

RUNS_PER_PAGE = 25
LINES_PER_PAGE = 50


# The runs page is where coordinators come back to after every approval session, so its
# reads are plain SQL (decision 0012): the runs, newest first, and what waits for a run
# (along the partial index of approved lines not in a run).
_RUN_COLUMNS = ", ".join(f"r.{field.column}" for field in PaymentRun._meta.concrete_fields)
_RUN_FIELDS = tuple(PaymentRun._meta.concrete_fields)
_WAITING_SQL = """
    SELECT COUNT(*), COALESCE(SUM(hours), 0), COALESCE(SUM(amount), 0), COALESCE(SUM(holiday), 0)
    FROM payments_line
    WHERE cohort_id = %s AND status = 'approved' AND payment_run_id IS NULL
"""


def _run_of(*values: Any) -> PaymentRun:
    return instances(values, PaymentRun)[0]


def runs(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_pay_cohort(request.user, cohort_id)
    listed = Listing(
        select=_RUN_COLUMNS,
        source="payments_paymentrun r WHERE r.cohort_id = %s",
        params=[cohort.pk],
        order="r.number DESC",
        row=_run_of,
        fields=_RUN_FIELDS,
    )
    lines, hours, amount, holiday = fetch(_WAITING_SQL, [cohort.pk], (None,) * 4)[0]
    waiting = export.Sums(
        lines=int(lines),
        hours=export.to_hundredths(Decimal(str(hours))),
        amount=export.to_hundredths(Decimal(str(amount))),
        holiday=export.to_hundredths(Decimal(str(holiday))),
    )
    context = {
        "cohort": cohort,
        "page": Paginator(listed, RUNS_PER_PAGE).get_page(request.GET.get("page")),
        "waiting": waiting,
    }
    return render(request, "payments/runs/list.html", context)


@require_POST
def collect(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_pay_cohort(request.user, cohort_id)
    try:
        run = services.collect_run(cohort, by=request.user)
    except PayError as error:  # also the second press of the button: nothing is left
        messages.info(request, str(error))
        return redirect("payments:runs", cohort.pk)
    messages.success(
        request,
        _("Payment run %(n)s made. Check it, then export it for payroll.") % {"n": run.number},
    )
    return redirect("payments:run", run.pk)


def run(request: AuthedRequest, payment_run_id: int) -> HttpResponse:
    return _run_page(request, get_managed_run(request.user, payment_run_id))


def _run_page(
    request: AuthedRequest, found: PaymentRun, *, paid_form: forms.MarkPaidForm | None = None
) -> HttpResponse:
    filters = forms.LineFilterForm(request.GET)
    lines = export.run_lines(found).select_related("corrects")
    if q := filters.filters().get("q"):
        lines = lines.filter(mentor__display_name__icontains=q)
    initial = {"paid_on": timezone.localdate(), "version": found.version}
    context = {
        "run": found,
        "cohort": found.cohort,
        "page": Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page")),
        "form": filters,
        "filters": bool(q),
        "paid_form": paid_form or forms.MarkPaidForm(initial=initial),
        "problems": export.check_totals(found),
        "columns": export.columns_of(found),
    }
    return render(request, "payments/runs/detail.html", context)


@require_POST
def mark_exported(request: AuthedRequest, payment_run_id: int) -> HttpResponse:
    found = get_managed_run(request.user, payment_run_id)
    already = found.status != PaymentRun.Status.COLLECTED
    try:
        services.export_run(found, by=request.user)
    except PayError as error:
        messages.error(request, str(error))
    else:
        if already:
            messages.info(request, _("This run was already exported. Its file has not changed."))
        else:
            messages.success(
                request,
                _("Run exported for payroll. Download its file below: it will not change."),
            )
    return redirect("payments:run", found.pk)


def run_export(request: AuthedRequest, payment_run_id: int, fmt: str) -> HttpResponseBase:
    """The payroll file of an exported run (downloading changes nothing but the audit log)."""
    found = get_managed_run(request.user, payment_run_id)
    if fmt not in spreadsheets.FORMATS:
        raise Http404
    if found.status == PaymentRun.Status.COLLECTED:
        messages.error(request, _("Export this run for payroll first, then download its file."))
        return redirect("payments:run", found.pk)
    audit.record(request.user, "payments.run.downloaded", found, format=fmt)
    return export.download(found, fmt)


@require_POST
def mark_paid(request: AuthedRequest, payment_run_id: int) -> HttpResponse:
    found = get_managed_run(request.user, payment_run_id)
    form = forms.MarkPaidForm(request.POST)
    if form.is_valid():
        try:
            services.mark_paid(
                found,
                paid_on=form.cleaned_data["paid_on"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except services.RunConflict as conflict:
            messages.error(request, str(conflict))
            return redirect("payments:run", found.pk)
        except PayError as error:
            form.add_error("paid_on", str(error))
        else:
            messages.success(request, _("Payment run marked paid."))
            return redirect("payments:run", found.pk)
    return _run_page(request, found, paid_form=form)


def correct_line(request: AuthedRequest, line_id: int) -> HttpResponse:
    line = get_managed_line(request.user, line_id)
    if line.payment_run_id is None or line.kind == Line.Kind.ADJUSTMENT:
        raise Http404  # lines not in a run are changed on the timesheet
    corrections = list(line.corrections.select_related("payment_run").order_by("pk"))
    initial = {"corrections_seen": len(corrections)}
    form = forms.CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_correction(
                line,
                hours=form.cleaned_data["hours"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                corrections_seen=form.cleaned_data["corrections_seen"],
            )
        except PayError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Correction added. It will be paid in the next payment run.")
            )
            return redirect("payments:run", line.payment_run_id)
    context = {
        "line": line,
        "cohort": line.cohort,
        "mentor": line.mentor,
        "corrections": corrections,
        "form": form,
    }
    return render(request, "payments/runs/correct.html", context)


def layout(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = get_pay_organisation(request.user, organisation_id)
    columns, version = export.layout_of(organisation.pk)
    form = forms.LayoutForm(request.POST or None, columns=columns, version=version)
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_export_layout(
                organisation,
                columns=form.columns(),
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST, conflict, build=_layout_form, saved=_saved_columns
            )
        except PayError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Payroll columns saved. Runs exported from now use them."))
            return redirect("payments:layout", organisation.pk)
    context = {"organisation": organisation, "form": form, "columns": columns, "saved": saved}
    return render(request, "payments/runs/layout.html", context)


def _layout_form(data: Any, latest: Any) -> forms.LayoutForm:
    return forms.LayoutForm(data, columns=export.usable(latest.columns), version=latest.version)


def _saved_columns(latest: Any) -> list[tuple[Any, Any]]:
    return [
        (_("Column %(n)s") % {"n": n}, f"{c['header']} ({export.FIELDS[c['field']]})")
        for n, c in enumerate(export.usable(latest.columns), 1)
    ]
