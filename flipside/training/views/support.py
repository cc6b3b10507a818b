"""Training pages: getting support, raising and triaging concerns, readiness to be paired."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.denied import Hidden
from flipside.lib.text import isolate
from flipside.privacy import audit
from flipside.schemes.permissions import (
    Action,
    coordinated_schemes,
    get_cohort,
    get_scheme,
    require_coordinator,
)

from .. import permissions, services
from .. import readiness as readiness_rules
from ..forms.support import (
    ConcernFilterForm,
    ConcernForm,
    OverrideForm,
    ReadinessFilterForm,
    SupportServiceFormSet,
    TriageForm,
    support_service_initial,
)
from ..models import Concern, SupportService

PER_PAGE = 50
RAISED_KEY = "training_concern_raised"
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def contact_link(contact: str) -> str:
    """A safe link for a support service's contact, or "" to show it as plain text."""
    if contact.startswith(("https://", "http://")):
        return contact
    if EMAIL.match(contact):
        return f"mailto:{contact}"
    if PHONE.match(contact):
        return "tel:" + re.sub(r"[^0-9+]", "", contact)
    return ""


# --- Getting support and raising a concern ------------------------------------------------


def support(request: AuthedRequest) -> HttpResponse:
    if request.method == "GET" and RAISED_KEY in request.session:
        return render(request, "training/support_thanks.html", request.session.pop(RAISED_KEY))
    schemes = permissions.schemes_for_concerns(request.user)
    form = ConcernForm(request.POST or None, schemes=schemes)
    if request.method == "POST" and form.is_valid():
        scheme, anonymous = form.cleaned_data["scheme"], form.cleaned_data["anonymous"]
        services.raise_concern(
            scheme,
            by=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            anonymous=anonymous,
        )
        # The thank-you page is shown once, after the redirect, so a reload raises nothing.
        request.session[RAISED_KEY] = {"scheme_name": scheme.name, "anonymous": anonymous}
        return redirect("training:support")
    support_services = SupportService.objects.filter(
        organisation__in=schemes.values("organisation")
    ).select_related("organisation")
    context = {
        "form": form,
        "has_schemes": bool(form.fields["scheme"].queryset),  # type: ignore[attr-defined]
        "services": [(s, contact_link(s.contact)) for s in support_services],
        "managed_schemes": coordinated_schemes(request.user).order_by("name"),
    }
    return render(request, "training/support.html", context)


def support_services(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    current = list(scheme.organisation.support_services.all())
    formset = SupportServiceFormSet(
        request.POST if request.method == "POST" else None,
        initial=support_service_initial(current),
        prefix="services",
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.save_support_services(
                scheme.organisation, rows=formset.rows(), by=request.user
            )
        except services.TrainingError as error:
            formset.non_form_errors().append(str(error))
        else:
            messages.success(request, _("Support services saved."))
            return redirect("training:support_services", scheme.pk)
    return render(request, "training/support_services.html", {"scheme": scheme, "formset": formset})


# --- Concerns -----------------------------------------------------------------------------


def status_counts(concerns: Any) -> list[tuple[str, str, int]]:
    """(value, label, number) for every status, zeros included, in one query."""
    found = dict(concerns.order_by().values_list("status").annotate(n=Count("id", distinct=True)))
    return [(s.value, str(s.label), found.get(s.value, 0)) for s in Concern.Status]


def concern_list(request: AuthedRequest) -> HttpResponse:
    require_coordinator(request.user)
    concerns = permissions.visible_concerns(request.user).select_related("scheme", "cohort")
    form = ConcernFilterForm(request.GET)
    filters = form.filters()
    paginator = Paginator(concerns.filter(**filters).order_by("-created_at", "-id"), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    # The subjects are encrypted: opened for the page shown only, at most PER_PAGE of them.
    rows = [(c, services.open_concern(c)) for c in page.object_list]
    page.object_list = rows  # type: ignore[assignment]
    if rows:  # their subjects are shown: which ones, and to whom, is recorded
        audit.record(
            request.user, "training.concerns.listed", None, concerns=[c.pk for c, _w in rows]
        )
    context = {
        "form": form,
        "page": page,
        "counts": status_counts(permissions.visible_concerns(request.user)),
        "filtered": bool(filters),
    }
    template = "training/_concerns_table.html" if request.htmx else "training/concerns.html"
    return render(request, template, context)


def concern_detail(request: AuthedRequest, concern_id: int) -> HttpResponse:
    concern = permissions.get_concern(request.user, concern_id)
    if request.method == "POST":
        form = TriageForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose what to do with this concern."))
            return redirect("training:concern", concern.pk)
        try:
            services.triage_concern(concern, status=form.cleaned_data["status"], by=request.user)
        except services.TrainingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Concern updated."))
        return redirect("training:concern", concern.pk)
    steps = services.CONCERN_STEPS.get(concern.status, set())
    if concern.raised_by_id != request.user.pk:
        audit.viewed(request, concern, "concern")
    context = {
        "concern": concern,
        "words": services.open_concern(concern),
        "steps": [s for s in Concern.Status if s in steps],
    }
    return render(request, "training/concern.html", context)


# --- Readiness ----------------------------------------------------------------------------


def readiness(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    form = ReadinessFilterForm(request.GET)
    filters = form.filters()
    counts = readiness_rules.readiness_counts(cohort)
    # Each person's checks are read with the page of people, for the people shown only.
    people = readiness_rules.readiness_list(cohort, counts=counts, **filters)
    paginator = Paginator(people, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "cohort": cohort,
        "form": form,
        "page": page,
        "rows": readiness_rules.readiness_of_checked(cohort, page),
        "counts": counts,
        "filtered": bool(filters),
    }
    return render(request, "training/readiness.html", context)


def _readiness_url(cohort: Any, query: QueryDict) -> str:
    """The readiness page with the filters and page the coordinator was looking at."""
    kept = ReadinessFilterForm(query).filters()
    page = query.get("page", "")
    if page.isdecimal() and len(page) < 6:
        kept["page"] = page
    url = reverse("training:readiness", args=[cohort.pk])
    return f"{url}?{urlencode(kept)}" if kept else url


@require_POST
def readiness_override(request: AuthedRequest, cohort_id: int, user_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    membership = (
        cohort.memberships.filter(user_id=user_id, role__in=readiness_rules.PARTICIPANT_ROLES)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Hidden
    person = membership.user
    back = _readiness_url(cohort, request.GET) + f"#person-{person.pk}"
    if "remove" in request.POST:
        services.remove_readiness_override(cohort, user=person, by=request.user)
        messages.success(request, _("%(name)s must now be ready before they are paired.")
                         % {"name": isolate(person.display_name)})  # fmt: skip
        return redirect(back)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["reason"]))
        return redirect(back)
    services.override_readiness(
        cohort, user=person, reason=form.cleaned_data["reason"], by=request.user
    )
    name = isolate(person.display_name)
    messages.success(request, _("%(name)s may now be paired.") % {"name": name})
    return redirect(back)
