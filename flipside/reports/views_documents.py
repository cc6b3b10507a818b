"""A cohort report's documents: asking for its PDF or publication bundle, watching the
background worker make it, and downloading it. The same people as the report may do each
(its coordinators and observers); the documents hold aggregates only."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.privacy import audit

from . import services
from .models import ReportDocument
from .permissions import get_report_cohort


def _document(request: AuthedRequest, cohort_id: int, document_id: int) -> ReportDocument:
    """The cohort's document, if the person may see the cohort's report; else 404."""
    cohort = get_report_cohort(request.user, cohort_id)
    document = ReportDocument.objects.filter(cohort=cohort, pk=document_id).defer("content").first()
    if document is None:
        raise Http404
    document.cohort = cohort
    return document


@require_POST
def make(request: AuthedRequest, cohort_id: int, kind: str) -> HttpResponse:
    cohort = get_report_cohort(request.user, cohort_id)
    if kind not in ReportDocument.Kind.values:
        raise Http404
    # A double click gets the document already queued, so both land on the same page.
    document = services.request_document(cohort, kind=kind, by=request.user)
    return redirect("reports:document", cohort.pk, document.pk)


@require_GET
def document(request: AuthedRequest, cohort_id: int, document_id: int) -> HttpResponse:
    found = _document(request, cohort_id, document_id)
    context = {"document": found, "cohort": found.cohort}
    return render(request, "reports/documents/document.html", context)


@require_GET
def progress(request: AuthedRequest, cohort_id: int, document_id: int) -> HttpResponse:
    """The progress bar, polled by HTMX; once the document is finished the page reloads."""
    found = _document(request, cohort_id, document_id)
    response = render(request, "reports/documents/_progress.html", {"document": found})
    if not found.is_working and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@require_GET
def download(request: AuthedRequest, cohort_id: int, document_id: int) -> HttpResponse:
    found = _document(request, cohort_id, document_id)
    if found.status != ReportDocument.Status.DONE:
        return redirect("reports:document", found.cohort.pk, found.pk)
    content = ReportDocument.objects.values_list("content", flat=True).get(pk=found.pk)
    audit.record(request.user, "reports.document.downloaded", found)
    response = HttpResponse(bytes(content or b""), content_type=found.content_type)
    response["Content-Disposition"] = content_disposition_header(True, found.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
