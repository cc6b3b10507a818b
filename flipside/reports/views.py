"""The report pages and their tables as files: a cohort's report and a scheme's report across
years, for coordinators and observers (``permissions``). Reports hold aggregates only."""

from __future__ import annotations

from django.db.models import Model
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from flipside.accounts.types import AuthedRequest
from flipside.privacy import audit

from . import exports, selectors
from .permissions import get_report_cohort, get_report_scheme, reads_confidential
from .shapes import Report


def _page(
    request: AuthedRequest, report: Report, context: dict, *, name: str, pk: int
) -> HttpResponse:
    def url_for(key: str, fmt: str) -> str:
        return reverse(f"reports:{name}_table", args=[pk, key, fmt])

    context = {
        **context,
        "report": report,
        "parts": selectors.page_parts(report, url_for),
        "workbook": reverse(f"reports:{name}_workbook", args=[pk]),
        "rules": selectors.suppression_rules(),
    }
    return render(request, "reports/report.html", context)


def cohort(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    found = get_report_cohort(request.user, cohort_id)
    report = selectors.cohort_report(found, confidential=reads_confidential(request.user, found))
    context = {"cohort": found, "scheme": found.scheme}
    return _page(request, report, context, name="cohort", pk=found.pk)


def scheme(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    found = get_report_scheme(request.user, scheme_id)
    report = selectors.scheme_report(found)
    context = {"cohort": None, "scheme": found}
    return _page(request, report, context, name="scheme", pk=found.pk)


def _table(
    request: AuthedRequest, found: Model, report: Report, table: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    chosen = selectors.table_of(report, table)
    audit.record(request.user, "reports.table.exported", found, table=table, format=fmt)
    return exports.table_download(report, chosen, fmt)


def cohort_table(
    request: AuthedRequest, cohort_id: int, table: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    found = get_report_cohort(request.user, cohort_id)
    confidential = reads_confidential(request.user, found)
    return _table(
        request, found, selectors.cohort_report(found, confidential=confidential), table, fmt
    )


def scheme_table(
    request: AuthedRequest, scheme_id: int, table: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    found = get_report_scheme(request.user, scheme_id)
    return _table(request, found, selectors.scheme_report(found), table, fmt)


def cohort_workbook(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    found = get_report_cohort(request.user, cohort_id)
    confidential = reads_confidential(request.user, found)
    audit.record(request.user, "reports.workbook.exported", found)
    return exports.workbook_download(selectors.cohort_report(found, confidential=confidential))


def scheme_workbook(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    found = get_report_scheme(request.user, scheme_id)
    audit.record(request.user, "reports.workbook.exported", found)
    return exports.workbook_download(selectors.scheme_report(found))
