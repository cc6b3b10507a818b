"""The person's own privacy page: their consents, withdrawing one, and "leave me out of
equality monitoring". Each person sees and changes only their own. And for coordinators: a
scheme's retention schedule, and an organisation's legal holds."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, form_after_conflict
from flipside.lib.picker import search_people
from flipside.schemes.models import Organisation, Scheme
from flipside.schemes.permissions import coordinated_organisations, get_scheme

from . import consent, keeping, permissions, services
from .equality import CATEGORIES, QUESTIONS
from .forms_keeping import HoldForm, ScheduleForm
from .models import RetentionSchedule
from .permissions import get_hold, get_organisation
from .retention import PERIODS


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
