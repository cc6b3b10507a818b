"""A respondent's pages: the surveys waiting for them, and answering one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.accounts.types import AuthedRequest
from flipside.lib.denied import Hidden

from .. import forms, results, selectors
from ..permissions import get_answerable_survey
from ..services import SurveyConflict, SurveyError
from ..services import answers as services


def mine(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {"rows": selectors.surveys_for(request.user, today), "today": today}
    return render(request, "surveys/mine.html", context)


def _meeting(request: AuthedRequest) -> int:
    value = request.GET.get("meeting", "0")
    if not value.isdigit() or len(value) > 18:
        raise Http404
    return int(value)


def answer(request: AuthedRequest, survey_id: int) -> HttpResponse:
    survey = get_answerable_survey(request.user, survey_id)
    meeting_id, today = _meeting(request), timezone.localdate()
    try:
        number = services.round_of(survey, request.user, meeting_id)
        services.check_open(survey, today)
    except SurveyError as error:
        if survey.opens_on <= today <= survey.closes_on:
            raise Hidden from None  # a check-in of someone else's meeting
        return render(request, "surveys/answer.html", {"survey": survey, "closed": str(error)})
    own = services.own_response(survey, request.user, round=number)
    version = own.response.version if own.response else 0
    questions = list(survey.instrument.questions.order_by("position", "pk"))
    initial = forms.answer_initial(own.values, own.texts, version)
    form = forms.AnswerForm(request.POST or None, questions=questions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_response(
                survey, user=request.user, answers=form.answers(), meeting_id=meeting_id,
                version=form.cleaned_data.get("version"), today=today,
            )  # fmt: skip
        except services.AnswersRefused as refused:
            for question_id, message in refused.errors.items():
                form.add_error(f"q{question_id}", message)
        except SurveyConflict as conflict:
            data = request.POST.copy()
            data["version"] = str(conflict.latest.version)
            form = forms.AnswerForm(data, questions=questions)
            form.is_valid()
            form.add_error(None, str(conflict))
        except SurveyError as error:
            form.add_error(None, str(error))
        else:
            until = formats.date_format(survey.closes_on, "j F Y")
            messages.success(request, _(
                "Thank you: your answers are saved. You can change them until %(day)s."
            ) % {"day": until})  # fmt: skip
            return redirect("surveys:mine")
    context = {"survey": survey, "form": form, "answered": own.response is not None,
               "unreadable": own.unreadable, "others": results.min_responses() - 1}  # fmt: skip
    return render(request, "surveys/answer.html", context)
