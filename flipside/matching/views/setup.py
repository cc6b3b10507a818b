"""The cohort's matching page and what shapes a proposal: settings, rules and capacities."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.lib.text import isolate
from flipside.schemes.models import Cohort
from flipside.schemes.permissions import Action, get_cohort
from flipside.training.readiness import readiness_counts

from .. import forms, selectors, services
from ..models import MatchingSettings, PairRule, Run
from ..permissions import get_rule
from .charts import shares

RUNS_PER_PAGE = 20


# --- The matching page ----------------------------------------------------------------------


def overview_context(request: AuthedRequest, cohort: Cohort, **bound: Any) -> dict[str, Any]:
    """Everything the matching page shows; ``bound`` replaces a blank form with a posted one."""
    saved = services.settings_for(cohort)
    found = selectors.overview(cohort)
    return {
        "cohort": cohort,
        "counts": readiness_counts(cohort),
        "saved": saved,
        "labels": weight_labels(),
        "rules_never": [r for r in found.rules if r.kind == PairRule.Kind.NEVER],
        "rules_lock": [r for r in found.rules if r.kind == PairRule.Kind.LOCK],
        "capacities": found.capacities,
        **_runs(cohort, found.runs, request.GET.get("page")),
        "rule_form": bound.get("rule_form") or forms.RuleForm(cohort=cohort),
        "capacity_form": bound.get("capacity_form") or forms.CapacityForm(cohort=cohort),
        "run_form": bound.get("run_form") or forms.RunForm(),
    }


def _runs(cohort: Cohort, figures: selectors.RunFigures, page_number: str | None) -> dict[str, Any]:
    """The page of runs, how many have finished and the published run (at most one): the
    figures read with the page's other lists, the page's runs by another query, and the
    published run taken from the page when it is on it, as it is unless many runs followed
    it."""
    paginator = Paginator(cohort.matching_runs.all(), RUNS_PER_PAGE)
    paginator.count = figures.total  # counted above, with the rest
    number = paginator.get_page(page_number).number
    runs = selectors.cohort_runs(cohort, offset=(number - 1) * RUNS_PER_PAGE, limit=RUNS_PER_PAGE)
    page = Page(runs, number, paginator)
    published = next((run for run in runs if run.pk == figures.published), None)
    if published is None and figures.published is not None:
        published = selectors.published_run(cohort, figures.published)
    return {
        "page": page,
        "finished": len(figures.finished),
        "published": published,
        "compare_form": _compare_form(cohort, figures.finished),
    }


def _compare_form(cohort: Cohort, finished: list[tuple[int, int]]) -> forms.CompareForm | None:
    """The form to compare two finished runs, only when there are two (the page shows it
    only then). Both lists offer the finished runs, labelled as the form labels them
    (``str(run)``)."""
    if len(finished) < 2:
        return None
    form = forms.CompareForm(cohort=cohort)
    runs = [(pk, str(Run(number=number))) for pk, number in finished]
    for name in ("first", "second"):
        field: Any = form.fields[name]
        field.choices = [("", field.empty_label), *runs]
    return form


def overview(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    return render(request, "matching/overview.html", overview_context(request, cohort))


# --- Rules and capacities -------------------------------------------------------------------


@require_POST
def rule_add(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    form = forms.RuleForm(request.POST, cohort=cohort)
    if form.is_valid():
        try:
            rule = services.add_rule(cohort, by=request.user, **form.cleaned_data)
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _rule_added(rule))
            return redirect(reverse("matching:overview", args=[cohort.pk]) + "#rules")
    context = overview_context(request, cohort, rule_form=form)
    return render(request, "matching/overview.html", context)


def _rule_added(rule: PairRule) -> str:
    names = {
        "mentor": isolate(rule.mentor.display_name),
        "mentee": isolate(rule.mentee.display_name),
    }
    if rule.kind == PairRule.Kind.LOCK:
        return _("%(mentor)s and %(mentee)s will be kept as a pair in every proposal.") % names
    return _("%(mentor)s and %(mentee)s will never be proposed as a pair.") % names


@require_POST
def rule_remove(request: AuthedRequest, rule_id: int) -> HttpResponse:
    rule = get_rule(request.user, rule_id)
    cohort_id = rule.cohort_id
    names = {
        "mentor": isolate(rule.mentor.display_name),
        "mentee": isolate(rule.mentee.display_name),
    }
    try:
        services.remove_rule(rule, by=request.user)
    except services.MatchingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Rule removed for %(mentor)s and %(mentee)s.") % names)
    return redirect(reverse("matching:overview", args=[cohort_id]) + "#rules")


@require_POST
def capacity(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    form = forms.CapacityForm(request.POST, cohort=cohort)
    if form.is_valid():
        person, partners = form.cleaned_data["person"], form.cleaned_data["partners"]
        try:
            services.set_capacity(cohort, user=person, partners=partners, by=request.user)
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _capacity_message(person, partners))
            return redirect(reverse("matching:overview", args=[cohort.pk]) + "#capacity")
    context = overview_context(request, cohort, capacity_form=form)
    return render(request, "matching/overview.html", context)


def _capacity_message(person: Any, partners: int) -> str:
    if partners == 1:
        return _("%(name)s may have one partner.") % {"name": isolate(person.display_name)}
    return _("%(name)s may have up to %(n)s partners.") % {
        "name": isolate(person.display_name), "n": partners,
    }  # fmt: skip


# --- Settings -------------------------------------------------------------------------------


def weight_labels() -> dict[str, str]:
    fields = forms.WeightsForm.base_fields
    return {
        key: str(fields[name].label)
        for key, name in zip(forms.WEIGHT_KEYS, forms.WEIGHTS, strict=True)
    }


def effect(cohort: Cohort, weights: dict[str, int], *, preview: bool) -> dict[str, Any]:
    """Each weight's share of the score and, when asked, how scores would change."""
    percent = shares(weights)
    labels = weight_labels()
    context: dict[str, Any] = {
        "shares": [(labels[key], weights[key], percent[key]) for key in forms.WEIGHT_KEYS],
        "previewed": preview,
    }
    if preview:
        rows = selectors.weight_preview(cohort, weights)
        context["rows"] = rows
        context["higher"] = sum(row.proposed > row.current for row in rows)
        context["lower"] = sum(row.proposed < row.current for row in rows)
    return context


def settings_edit(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    current = services.settings_for(cohort)
    form = forms.SettingsForm(request.POST or None, initial=forms.settings_initial(current))
    weights, preview, saved_now = current.weights(), False, None
    if request.method == "POST" and form.is_valid():
        weights, preview = form.weights(), "preview" in request.POST
        if not preview:
            try:
                services.update_settings(
                    cohort, by=request.user, version=form.cleaned_data["version"],
                    values=form.values(),
                )  # fmt: skip
            except EditConflict as conflict:
                form, saved_now = form_after_conflict(
                    request.POST,
                    conflict,
                    build=lambda data, latest: forms.SettingsForm(
                        data, initial=forms.settings_initial(latest)
                    ),
                    saved=_saved_settings,
                )
            except services.MatchingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Matching settings saved. New proposals use them."))
                return redirect("matching:overview", cohort.pk)
    context = {"cohort": cohort, "form": form, "saved": saved_now}
    context |= effect(cohort, weights, preview=preview)
    return render(request, "matching/settings.html", context)


def _saved_settings(latest: MatchingSettings) -> Saved:
    labels = weight_labels()
    saved: Saved = [(labels[key], value) for key, value in latest.weights().items()]
    yes, no = _("Yes"), _("No")
    saved += [
        (_("Never pair with their placement department"),
         yes if latest.avoid_same_department else no),
        (_("Never pair people who cannot meet"), yes if latest.require_meetable else no),
        (_("Who gets in touch first"), latest.get_first_contact_display()),
    ]  # fmt: skip
    return saved


@require_GET
def settings_preview(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    """The effect of the weights on the page (HTMX, as the sliders move)."""
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    form = forms.WeightsForm(request.GET)
    if not form.is_valid():
        weights = services.settings_for(cohort).weights()
        problems = [str(e) for errors in form.errors.values() for e in errors]
        context = {"cohort": cohort, "problems": problems}
        context |= effect(cohort, weights, preview=False)
    else:
        context = {"cohort": cohort} | effect(cohort, form.weights(), preview=True)
    return render(request, "matching/_effect.html", context)
