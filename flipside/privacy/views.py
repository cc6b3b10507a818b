"""The person's own privacy page: their consents, withdrawing one, and "leave me out of
equality monitoring". Each person sees and changes only their own. And the audit log's
search and download, for coordinators."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.csv_rows import csv_lines
from flipside.schemes.models import Cohort, Organisation, Role, Scheme
from flipside.schemes.permissions import roles_of

from . import audit, audit_log, consent, permissions, services
from .equality import CATEGORIES, QUESTIONS
from .forms import AuditFilterForm


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    consents = [
        (item, _covers(item.latest.categories)) for item in consent.consents_of(request.user)
    ]
    context = {"consents": consents, "left_out": consent.is_left_out(request.user)}
    return render(request, "privacy/page.html", context)


def _covers(keys: list[str]) -> str:
    return "; ".join(
        str(CATEGORIES.get(key, QUESTIONS[key].label)) for key in keys if key in QUESTIONS
    )


@require_POST
def withdraw(request: HttpRequest, record_id: int) -> HttpResponse:
    record = permissions.get_own_consent_record(request.user, record_id)
    if services.withdraw_consent(request.user, record):
        messages.success(request, _("You have withdrawn your consent. We no longer use it."))
    else:
        messages.info(request, _("That consent was already withdrawn."))
    return redirect("privacy:page")


@require_POST
def leave_out(request: HttpRequest) -> HttpResponse:
    if services.leave_out_of_equality_monitoring(request.user):
        messages.success(
            request,
            _(
                "You are now left out of equality monitoring. We have deleted any answers you "
                "gave, will not ask you again and no report counts you."
            ),
        )
    else:
        messages.info(request, _("You were already left out of equality monitoring."))
    return redirect("privacy:page")


@require_POST
def include(request: HttpRequest) -> HttpResponse:
    if services.include_in_equality_monitoring(request.user):
        messages.success(
            request,
            _("You may be asked the equality monitoring questions again when you apply."),
        )
    return redirect("privacy:page")


# --- The audit log, for coordinators (decision 0034) ---------------------------------------

AUDIT_PER_PAGE = 50


def _audit_reader(request: AuthedRequest) -> audit_log.Viewer:
    who = audit_log.viewer(request.user)
    if not who.may_read():
        raise PermissionDenied
    return who


def _audit_place(request: AuthedRequest) -> Model | None:
    """Where the reading of the log is itself recorded: the person's organisation, scheme or
    cohort (the first, by id), so it shows in that part of the log."""
    roles = roles_of(request.user)
    for model, ids in (
        (Organisation, roles.organisations),
        (Scheme, roles.schemes),
        (Cohort, roles.member_of(Role.COORDINATOR)),
    ):
        if ids:
            return model.objects.filter(pk=min(ids)).first()
    return None


def _audit_filters(
    request: AuthedRequest, who: audit_log.Viewer
) -> tuple[AuditFilterForm, dict[str, Any]]:
    form = AuditFilterForm(
        request.GET, groups=audit_log.groups(who), people=bool(who.organisations)
    )
    return form, form.filters()


@require_GET
def audit_log_page(request: AuthedRequest) -> HttpResponse:
    who = _audit_reader(request)
    form, filters = _audit_filters(request, who)
    entries = audit_log.filtered(
        audit_log.visible_entries(who, kind=filters.get("kind", "")), filters
    )
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    # Read before the viewing is recorded, so the list is the log as it was when asked.
    rows = [(entry, audit_log.described(entry.action)) for entry in page]
    audit.record(request.user, "privacy.audit_log.viewed", _audit_place(request), filters=filters)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": bool(filters),
        "export_query": query.urlencode(),
    }
    template = "privacy/_audit_table.html" if request.htmx else "privacy/audit_log.html"
    return render(request, template, context)


@require_GET
def audit_log_export(request: AuthedRequest) -> StreamingHttpResponse:
    who = _audit_reader(request)
    _form, filters = _audit_filters(request, who)
    entries = audit_log.filtered(
        audit_log.visible_entries(who, kind=filters.get("kind", "")), filters
    )
    audit.record(request.user, "privacy.audit_log.exported", _audit_place(request), filters=filters)
    response = StreamingHttpResponse(
        csv_lines(audit_log.csv_rows(entries)), content_type="text/csv; charset=utf-8"
    )
    name = f"audit-log-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
