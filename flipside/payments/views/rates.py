"""Coordinators' pages for what pay is based on: an organisation's rates and their dated
values, a cohort's pay settings, and its student mentors' employment records."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.lib.denied import Hidden
from flipside.lib.text import isolate
from flipside.schemes.models import Organisation

from .. import forms_rates as forms
from ..models import Employment, PaySettings, Rate, RateValue
from ..permissions import get_pay_cohort, get_pay_organisation, mentors_of
from ..services import PayError
from ..services import rates as services

PER_PAGE = 25


def _refused(form: django_forms.Form, error: PayError) -> None:
    """A service's refusal shown on the field it names, or above the form."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, str(error))


# --- Rates --------------------------------------------------------------------------------


def rates(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = get_pay_organisation(request.user, organisation_id)
    services.ensure_standard_rates(organisation)  # made once, the first time
    return _rates_page(request, organisation)


@require_POST
def rate_add(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    organisation = get_pay_organisation(request.user, organisation_id)
    form = forms.RateForm(request.POST)
    if form.is_valid():
        try:
            rate = services.add_rate(
                organisation, by=request.user,
                name=form.cleaned_data["name"], source=form.cleaned_data["source"],
            )  # fmt: skip
        except PayError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Rate added. Now add its first value."))
            return redirect(_rate_url(rate))
    return _rates_page(request, organisation, rate_form=form)


@require_POST
def rate_value_add(request: AuthedRequest, rate_id: int) -> HttpResponse:
    found = Rate.objects.filter(pk=rate_id).first()
    if found is None:
        raise Http404
    organisation = get_pay_organisation(request.user, found.organisation_id)
    form = forms.RateValueForm(request.POST, rate=found)
    if form.is_valid():
        try:
            value = services.add_rate_value(found, by=request.user, **form.cleaned_data)
        except PayError as error:
            _refused(form, error)
        else:
            shown = {"hourly": value.hourly, "date": _day(value.payable_from)}
            added = _("Value added: £%(hourly)s an hour, payable from %(date)s.")
            messages.success(request, added % shown)
            return redirect(_rate_url(found))
    return _rates_page(request, organisation, value_form=form)


def _rate_url(rate: Rate) -> str:
    return reverse("payments:rates", args=[rate.organisation_id]) + f"#rate-{rate.pk}"


def _rates_page(
    request: AuthedRequest,
    organisation: Organisation,
    *,
    rate_form: forms.RateForm | None = None,
    value_form: forms.RateValueForm | None = None,
) -> HttpResponse:
    """The page, with the form that was sent (and its errors) in place of its empty one."""
    values = RateValue.objects.select_related("added_by").order_by("-announced_on", "pk")
    listed = Rate.objects.filter(organisation=organisation).order_by("name", "pk")
    sent = {value_form.rate.pk: value_form} if value_form else {}
    rows = [
        (rate, sent[rate.pk] if rate.pk in sent else forms.RateValueForm(rate=rate))
        for rate in listed.prefetch_related(Prefetch("values", queryset=values))
    ]
    context = {
        "organisation": organisation,
        "rows": rows,
        "rate_form": rate_form or forms.RateForm(),
        "stale": services.stale_rates(organisation, timezone.localdate()),
    }
    return render(request, "payments/rates/rates.html", context)


def _day(day: Any) -> str:
    return formats.date_format(day, "j F Y")


# --- A cohort's pay settings --------------------------------------------------------------


def settings(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_pay_cohort(request.user, cohort_id)
    organisation = cohort.scheme.organisation
    current = services.pay_settings_of(cohort)  # made with the defaults the first time

    def build(data: Any, latest: Any = None) -> forms.PaySettingsForm:
        return forms.PaySettingsForm(
            data, organisation=organisation, initial=forms.settings_initial(current)
        )

    form, saved = build(request.POST or None), None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_pay_settings(
                cohort, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST, conflict, build=build, saved=_saved_settings
            )
        except PayError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Pay settings saved."))
            return redirect("payments:settings", cohort.pk)
    today = timezone.localdate()
    stale = [r for r in services.stale_rates(organisation, today) if r.pk == current.rate_id]
    context = {"cohort": cohort, "form": form, "saved": saved, "stale": stale}
    return render(request, "payments/rates/settings.html", context)


PAID_TIME = [
    ("pay_meetings", gettext_lazy("Meetings held")),
    ("pay_training", gettext_lazy("Training attended")),
    ("pay_events", gettext_lazy("Reflection events attended")),
    ("pay_other", gettext_lazy("Other agreed work")),
]


def _saved_settings(latest: PaySettings) -> Saved:
    counted = [str(label) for name, label in PAID_TIME if getattr(latest, name)]
    holiday = f"{latest.holiday_percent}%" if latest.holiday_pay else _("No")
    return [
        (_("Rate"), latest.rate),
        (_("When a new value applies"), latest.get_policy_display()),
        (_("Paid time"), ", ".join(counted)),
        (_("Preparation allowance per meeting, in minutes"), latest.preparation_minutes),
        (_("Most hours paid in a month"), latest.monthly_cap_hours),
        (_("Most hours paid in the whole cohort"), latest.cohort_cap_hours),
        (_("Rolled-up holiday pay"), holiday),
        (_("Cost code"), latest.cost_code),
    ]


# --- Employment records -------------------------------------------------------------------


def employment(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_pay_cohort(request.user, cohort_id)
    form = forms.EmploymentFilterForm(request.GET)
    filters = form.filters()
    found = mentors_of(cohort).select_related("user").order_by("sort_name", "pk")
    if filters.get("q"):
        found = found.filter(sort_name__icontains=filters["q"])
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    records = Employment.objects.filter(
        organisation_id=cohort.scheme.organisation_id, user_id__in=[m.user_id for m in page]
    ).select_related("right_to_work_checked_by")
    by_person = {record.user_id: record for record in records}
    context = {
        "cohort": cohort,
        "form": form,
        "filters": filters,
        "page": page,
        "rows": [(member, by_person.get(member.user_id)) for member in page],
        "back": _list_query(request),
    }
    return render(request, "payments/rates/employment.html", context)


def _list_query(request: AuthedRequest) -> str:
    """The list's search and page, to come back to them after an edit (nothing else)."""
    kept = {key: request.GET[key][:150] for key in ("q", "page") if request.GET.get(key)}
    return f"?{urlencode(kept)}" if kept else ""


def employment_edit(request: AuthedRequest, cohort_id: int, user_id: int) -> HttpResponse:
    cohort = get_pay_cohort(request.user, cohort_id)
    member = mentors_of(cohort).select_related("user").filter(user_id=user_id).first()
    if member is None:  # only the cohort's own student mentors
        raise Hidden
    organisation = cohort.scheme.organisation
    # Followed from the review page's "Record the check": saving goes back there.
    from_review = request.GET.get("from") == "review"
    current = services.employment_of(organisation, user_id)
    form = forms.EmploymentForm(request.POST or None, initial=forms.employment_initial(current))
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.record_employment(
                organisation, member.user, by=request.user,
                version=form.cleaned_data["version"], **form.values(),
            )  # fmt: skip
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST, conflict,
                build=lambda data, latest: forms.EmploymentForm(data),
                saved=_saved_employment,
            )  # fmt: skip
        except PayError as error:
            _refused(form, error)
        else:
            name = isolate(member.user.display_name)
            messages.success(request, _("Record saved for %(name)s.") % {"name": name})
            if from_review:
                return redirect("payments:review", cohort.pk)
            return redirect(reverse("payments:employment", args=[cohort.pk]) + _list_query(request))
    context = {"cohort": cohort, "person": member.user, "record": current, "form": form,
               "saved": saved, "back": _list_query(request),
               "from_review": from_review}  # fmt: skip
    return render(request, "payments/rates/employment_edit.html", context)


def _saved_employment(latest: Employment) -> Saved:
    checked = latest.right_to_work_checked_on
    by = latest.right_to_work_checked_by
    return [
        (_("Payroll or student number"), latest.payroll_number),
        (_("Right to work checked on"), _day(checked) if checked else ""),
        (_("Checked by"), isolate(by.display_name) if by else ""),
        (_("Most hours in a Monday-to-Sunday week"), latest.weekly_limit_hours),
    ]
