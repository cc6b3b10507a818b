from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.lib.picker import search_people
from flipside.notifications.calendar import build_calendar, calendar_response
from flipside.privacy import audit

from . import permissions, selectors, services
from .forms import CohortForm, PeopleFilterForm, SchemeForm, StageForm, VersionedForm
from .models import Cohort, Role, Scheme, Stage
from .permissions import Action

PEOPLE_PER_PAGE = 50


def _saved_fields(form: VersionedForm, latest: Any) -> Saved:
    """What is saved now in each of the form's fields, by the field's label."""
    return [(form.fields[name].label, getattr(latest, name)) for name in form._meta.fields or ()]


def scheme_list(request: HttpRequest) -> HttpResponse:
    permissions.require_coordinator(request.user)
    schemes = permissions.coordinated_schemes(request.user).select_related("organisation")
    return render(
        request,
        "schemes/scheme_list.html",
        {
            "schemes": schemes,
            "can_create": permissions.coordinated_organisations(request.user).exists(),
        },
    )


def scheme_create(request: HttpRequest) -> HttpResponse:
    organisations = permissions.require_organisation_coordinator(request.user)
    form = SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheme = services.create_scheme(organisations[0], by=request.user, **form.values())
        except services.SchemeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Scheme created. Now add its first cohort."))
            return redirect("schemes:detail", scheme.pk)
    return render(request, "schemes/scheme_form.html", {"form": form})


def scheme_detail(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = permissions.get_scheme(request.user, scheme_id)
    cohorts = selectors.cohorts_with_counts(schemes=[scheme.pk])
    return render(request, "schemes/scheme_detail.html", {"scheme": scheme, "cohorts": cohorts})


def scheme_edit(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = permissions.get_scheme(request.user, scheme_id)
    form = SchemeForm(request.POST or None, instance=Scheme.objects.get(pk=scheme.pk))
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_scheme(
                scheme, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: SchemeForm(data, instance=latest),
                saved=partial(_saved_fields, form),
            )
        except services.SchemeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Scheme saved."))
            return redirect("schemes:detail", scheme.pk)
    return render(
        request, "schemes/scheme_form.html", {"form": form, "scheme": scheme, "saved": saved}
    )


def cohort_create(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = permissions.get_scheme(request.user, scheme_id)
    initial = {
        "min_meetings": scheme.default_min_meetings,
        "meeting_minutes": scheme.default_meeting_minutes,
    }
    form = CohortForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.create_cohort(scheme, by=request.user, **form.values())
        except services.SchemeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Cohort created. It starts in planning."))
            return redirect("home:cohort", cohort.pk)
    return render(request, "schemes/cohort_form.html", {"form": form, "scheme": scheme})


def cohort_edit(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = permissions.get_cohort(request.user, cohort_id, Action.MANAGE)
    form = CohortForm(request.POST or None, instance=Cohort.objects.get(pk=cohort.pk))
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cohort(
                cohort, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: CohortForm(data, instance=latest),
                saved=partial(_saved_fields, form),
            )
        except services.SchemeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Cohort saved."))
            return redirect("home:cohort", cohort.pk)
    context = {"form": form, "cohort": cohort, "scheme": cohort.scheme, "saved": saved}
    return render(request, "schemes/cohort_form.html", context)


@require_POST
def cohort_stage(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = permissions.get_cohort(request.user, cohort_id, Action.MANAGE)
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a stage from the list."))
        return redirect("home:cohort", cohort.pk)
    if form.cleaned_data["stage"] == Stage.CLOSED and request.POST.get("confirm") != "yes":
        # Closing cannot be undone: ask once more.
        return render(
            request, "schemes/cohort_close_confirm.html", {"cohort": cohort, "form": form}
        )
    try:
        cohort = services.change_cohort_stage(
            cohort,
            to=form.cleaned_data["stage"],
            expected=form.cleaned_data["expected"],
            by=request.user,
        )
    except services.SchemeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The cohort is now at the %(stage)s stage.") % {"stage": cohort.get_stage_display()},
        )
    return redirect("home:cohort", cohort.pk)


def cohort_people(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = permissions.get_cohort(request.user, cohort_id, Action.MANAGE)
    form = PeopleFilterForm(request.GET)
    filters = form.filters()
    people = selectors.cohort_people(cohort, **filters)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "cohort": cohort,
        "form": form,
        "filters": filters,
        "page": page,
        "people": page,
        "role": filters.get("role"),
        "roles": Role.choices,
        "invitations": selectors.pending_invitations(cohort),
    }
    template = "schemes/_people_table.html" if request.htmx else "schemes/cohort_people.html"
    return render(request, template, context)


def cohort_calendar(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The cohort's start and end as a calendar file anyone in the cohort can import."""
    cohort = permissions.get_cohort(request.user, cohort_id, Action.TAKE_PART)
    content = build_calendar(selectors.cohort_key_dates(cohort), method="PUBLISH")
    audit.record(request.user, "schemes.calendar.downloaded", cohort)
    return calendar_response(content, f"cohort-{cohort.pk}.ics")


@require_GET
def people_search(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    """Up to ten of the cohort's people matching ``q``, as a person picker's options (HTMX)."""
    cohort = permissions.get_cohort(request.user, cohort_id, Action.MANAGE)
    roles = selectors.PICKABLE.get(request.GET.get("role") or "participant")
    if roles is None:
        raise Http404
    text = request.GET.get("q", "")[:100]
    found = search_people(selectors.members(cohort, roles), text)
    return render(request, "schemes/_people_options.html", {"found": found, "text": text})
