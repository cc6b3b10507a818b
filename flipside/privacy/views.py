"""The person's own privacy page: their consents, withdrawing one, "leave me out of
equality monitoring" and downloading everything held about them. Each person sees and changes
only their own. Organisation coordinators record subject access requests received by email and
produce the same download for the person; they also keep an organisation's legal holds, and
a scheme's coordinators its retention schedule. And the audit log's search and download, for
coordinators."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, form_after_conflict
from flipside.lib.csv_rows import csv_lines
from flipside.lib.picker import search_people
from flipside.schemes.models import Cohort, Organisation, Role, Scheme
from flipside.schemes.permissions import coordinated_organisations, get_scheme, roles_of

from . import access_requests, audit, audit_log, consent, erasure, keeping, permissions, services
from .equality import CATEGORIES, QUESTIONS
from .forms import AccessRequestForm, AuditFilterForm
from .forms_keeping import HoldForm, ScheduleForm
from .models import AccessRequest, AuditEntry, RetentionSchedule
from .permissions import get_hold, get_organisation
from .retention import PERIODS


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    consents = [
        (item, _covers(item.latest.categories)) for item in consent.consents_of(request.user)
    ]
    context = {
        "consents": consents,
        "left_out": consent.is_left_out(request.user),
        "serves_requests": coordinated_organisations(request.user).exists(),
    }
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


def _audit_entries(
    request: AuthedRequest,
) -> tuple[AuditFilterForm, dict[str, Any], QuerySet[AuditEntry]]:
    """The filter form, its filters and the entries the reader may see that match them (the
    page and its download read the same ones)."""
    who = _audit_reader(request)
    form = AuditFilterForm(
        request.GET, groups=audit_log.groups(who), people=bool(who.organisations)
    )
    filters = form.filters()
    visible = audit_log.visible_entries(who, kind=filters.get("kind", ""))
    return form, filters, audit_log.filtered(visible, filters)


@require_GET
def audit_log_page(request: AuthedRequest) -> HttpResponse:
    form, filters, entries = _audit_entries(request)
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
    _form, filters, entries = _audit_entries(request)
    audit.record(request.user, "privacy.audit_log.exported", _audit_place(request), filters=filters)
    response = StreamingHttpResponse(
        csv_lines(audit_log.csv_rows(entries)), content_type="text/csv; charset=utf-8"
    )
    name = f"audit-log-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


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


# --- Subject access --------------------------------------------------------------------------

REQUESTS_PER_PAGE = 25


@require_GET
def download(request: AuthedRequest) -> HttpResponse:
    """Everything Flipside holds about the signed-in person, as a page."""
    sections = access_requests.produce(request.user, request.user, form="page")
    context = {"sections": sections, "person": request.user, "access_request": None}
    return render(request, "privacy/download.html", context)


@require_GET
def download_json(request: AuthedRequest) -> HttpResponse:
    """The same, as a JSON file to keep."""
    data = access_requests.as_download(request.user, request.user)
    return _attachment(data, f"flipside-your-data-{timezone.localdate():%Y-%m-%d}.json")


def _attachment(data: dict[str, Any], filename: str) -> HttpResponse:
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
def requests_list(request: AuthedRequest) -> HttpResponse:
    """Requests recorded in the coordinator's organisations, newest first, and a form to
    record one received by email."""
    permissions.require_request_coordinator(request.user)
    form = AccessRequestForm(request.POST if request.method == "POST" else None)
    person: Any = form.fields["person"]
    person.queryset = permissions.requestable_people(request.user)
    person.search_url = reverse("privacy:request_people")
    if form.is_valid():
        made = _record(request, form)
        if made is not None:
            return redirect("privacy:request", made.pk)
    found = AccessRequest.objects.filter(
        organisation__in=coordinated_organisations(request.user)
    ).select_related("person", "made_by", "organisation")
    page = Paginator(found, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "privacy/requests.html", {"form": form, "page": page})


def _record(request: AuthedRequest, form: AccessRequestForm) -> AccessRequest | None:
    data = form.cleaned_data
    try:
        organisation = permissions.organisation_for(request.user, data["person"])
        made = access_requests.record_access_request(
            request.user,
            organisation=organisation,
            person=data["person"],
            received_on=data["received_on"],
            reference=data["reference"],
        )
    except access_requests.AccessRequestError as error:
        form.add_error(None, str(error))
        return None
    messages.success(request, _("Request recorded. Review the data below, then download it."))
    return made


@require_GET
def request_people(request: AuthedRequest) -> HttpResponse:
    """Up to ten people matching ``q`` whose data the coordinator may produce (HTMX)."""
    permissions.require_request_coordinator(request.user)
    text = request.GET.get("q", "")[:100]
    found = search_people(permissions.requestable_people(request.user), text)
    return render(request, "schemes/_people_options.html", {"found": found, "text": text})


@require_GET
def request_page(request: AuthedRequest, request_id: int) -> HttpResponse:
    """What is held about the request's person, as the person would see it."""
    found = permissions.get_access_request(request.user, request_id)
    sections = access_requests.produce(request.user, found.person, form="page", request=found)
    context = {"sections": sections, "person": found.person, "access_request": found}
    return render(request, "privacy/download.html", context)


@require_GET
def request_json(request: AuthedRequest, request_id: int) -> HttpResponse:
    """The same, as the JSON file to send to the person."""
    found = permissions.get_access_request(request.user, request_id)
    data = access_requests.as_download(request.user, found.person, request=found)
    data["request"] = {
        "reference": found.reference,
        "received_on": found.received_on.isoformat(),
        "due_on": found.due_on.isoformat(),
    }
    return _attachment(data, f"flipside-access-request-{found.pk}.json")


@require_POST
def erasure_request(request: HttpRequest) -> HttpResponse:
    if erasure.request_erasure(request.user):
        messages.success(
            request,
            _(
                "We have told your organisation's coordinators that you want your records "
                "erased. They will check your request and tell you what they have done."
            ),
        )
    else:
        messages.info(request, _("You asked already today. Your organisation's coordinators know."))
    return redirect("privacy:page")


# --- Retention: a scheme's schedule; legal holds (decision 0035) ---------------------------


def retention_schedule(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    schedule = keeping.schedule_of(scheme)
    current = {p.field: getattr(schedule, p.field) for p in PERIODS}
    form = ScheduleForm(request.POST or None, initial={"version": schedule.version, **current})
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            keeping.save_schedule(
                scheme, by=request.user, version=form.cleaned_data["version"], values=form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: ScheduleForm(data),
                saved=_periods,
            )
        except keeping.RetentionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Retention schedule saved."))
            return redirect("privacy:retention", scheme.pk)
    rows = [(p, p.text(p.default), p.text(current[p.field])) for p in PERIODS]
    can_hold = coordinated_organisations(request.user).filter(pk=scheme.organisation_id).exists()
    context = {"scheme": scheme, "form": form, "rows": rows, "saved": saved, "can_hold": can_hold}
    return render(request, "privacy/retention_schedule.html", context)


def _periods(schedule: RetentionSchedule) -> list[tuple[Any, Any]]:
    return [(p.retention.title, getattr(schedule, p.field)) for p in PERIODS]


def _hold_form(request: AuthedRequest, organisation: Organisation) -> HoldForm:
    return HoldForm(
        request.POST or None,
        schemes=Scheme.objects.filter(organisation=organisation).order_by("name"),
        people=keeping.holdable_people(organisation),
        search_url=reverse("privacy:hold_people", args=[organisation.pk]),
    )


def legal_holds(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = get_organisation(request.user, organisation_id)
    form = _hold_form(request, organisation)
    if request.method == "POST" and form.is_valid():
        try:
            keeping.place_hold(
                organisation, by=request.user, reason=form.cleaned_data["reason"], **form.target()
            )
        except keeping.RetentionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Hold placed. Retention keeps these records until it is lifted.")
            )
            return redirect("privacy:holds", organisation.pk)
    context = {"organisation": organisation, "form": form, "holds": keeping.holds_of(organisation)}
    return render(request, "privacy/legal_holds.html", context)


@require_GET
def hold_people(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    """Up to ten people the organisation's coordinators may hold, as picker options (HTMX)."""
    organisation = get_organisation(request.user, organisation_id)
    text = request.GET.get("q", "")[:100]
    found = search_people(keeping.holdable_people(organisation), text)
    return render(request, "schemes/_people_options.html", {"found": found, "text": text})


@require_POST
def lift_hold(request: AuthedRequest, hold_id: int) -> HttpResponse:
    hold = get_hold(request.user, hold_id)
    keeping.lift_hold(hold, by=request.user)
    messages.success(request, _("Hold lifted. Retention removes what is due on its next run."))
    return redirect("privacy:holds", hold.organisation_id)
