"""Coordinators' pages for a cohort's surveys: scheduling, dates, reminders and results."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict
from flipside.schemes.models import Cohort
from flipside.schemes.permissions import roles_of

from .. import forms, results, selectors
from ..permissions import get_managed_survey, get_survey_cohort
from ..services import SurveyError
from ..services import instruments as builder
from ..services import schedules as services
from ..standard import STANDARD
from .builder import refused

PER_PAGE = 25
STANDARD_KEYS = frozenset(s.key for s in STANDARD)


def cohort_surveys(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_survey_cohort(request.user, cohort_id)
    instruments = selectors.scheme_instruments(cohort.scheme_id)
    if not STANDARD_KEYS <= {i.standard_key for i in instruments}:
        builder.ensure_standard(cohort.scheme)  # the first time anyone asks
        instruments = selectors.scheme_instruments(cohort.scheme_id)
    return _cohort_page(request, cohort, forms.ScheduleForm(instruments=instruments))


@require_POST
def schedule(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_survey_cohort(request.user, cohort_id)
    instruments = selectors.scheme_instruments(cohort.scheme_id)
    form = forms.ScheduleForm(request.POST, instruments=instruments)
    if form.is_valid():
        try:
            services.schedule_survey(cohort, by=request.user, **form.cleaned_data)
        except SurveyError as error:
            refused(form, error)
        else:
            messages.success(
                request,
                _("Survey scheduled. Its audience is invited by email on the day it opens."),
            )
            return redirect("surveys:cohort_surveys", cohort.pk)
    return _cohort_page(request, cohort, form)


def _cohort_page(request: AuthedRequest, cohort: Cohort, form: Any) -> HttpResponse:
    context = {
        "cohort": cohort,
        "rows": results.with_rates(selectors.cohort_surveys(cohort.pk)),
        "form": form,
        "today": timezone.localdate(),
        # The builder is the scheme's coordinators' (a cohort's own coordinators get a 404).
        "builds_instruments": roles_of(request.user).coordinates_scheme(cohort.scheme),
    }
    return render(request, "surveys/cohort.html", context)


def survey_edit(request: AuthedRequest, survey_id: int) -> HttpResponse:
    survey = get_managed_survey(request.user, survey_id)
    initial = {"opens_on": survey.opens_on, "closes_on": survey.closes_on,
               "version": survey.version}  # fmt: skip
    form = forms.DatesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_schedule(survey, by=request.user, **form.cleaned_data)
        except EditConflict as conflict:
            data = request.POST.copy()
            data["version"] = str(conflict.latest.version)
            form = forms.DatesForm(data)
            form.is_valid()
            form.add_error(None, str(conflict))
        except SurveyError as error:
            refused(form, error)
        else:
            messages.success(request, _("Dates saved."))
            return redirect("surveys:cohort_surveys", survey.series.cohort_id)
    context = {"survey": survey, "cohort": survey.series.cohort, "form": form}
    return render(request, "surveys/survey_edit.html", context)


@require_POST
def remind(request: AuthedRequest, survey_id: int) -> HttpResponse:
    survey = get_managed_survey(request.user, survey_id)
    try:
        count = services.remind_non_responders(survey, by=request.user)
    except SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, ngettext(
            "Reminder queued for %(n)s person who has not answered yet.",
            "Reminder queued for %(n)s people who have not answered yet.", count,
        ) % {"n": count})  # fmt: skip
    return redirect("surveys:results", survey.pk)


def survey_results(request: AuthedRequest, survey_id: int) -> HttpResponse:
    survey = get_managed_survey(request.user, survey_id)
    found = results.results_of(survey)  # kept between changes (decision 0023)
    context = {
        "survey": survey,
        "cohort": survey.series.cohort,
        "rate": results.rate_of(survey),
        "found": found,
        "least": results.min_responses(),
        "pairs": found.pairs,
        "today": timezone.localdate(),
    }
    return render(request, "surveys/results.html", context)


def text_answers(request: AuthedRequest, survey_id: int, question_id: int) -> HttpResponse:
    survey = get_managed_survey(request.user, survey_id)
    question = survey.instrument.questions.filter(pk=question_id).first()
    if question is None or not question.is_text:
        raise Http404
    found = results.text_answers(survey, question)
    page = Paginator(found.answers, PER_PAGE).get_page(request.GET.get("page"))
    context = {"survey": survey, "cohort": survey.series.cohort, "question": question,
               "page": page, "unreadable": found.unreadable,
               "least": results.min_responses()}  # fmt: skip
    return render(request, "surveys/text_answers.html", context)
