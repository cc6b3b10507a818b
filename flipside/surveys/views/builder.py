"""Coordinators' survey builder: a scheme's instruments and their questions."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict
from flipside.schemes.models import Scheme

from .. import forms
from ..models import Instrument
from ..permissions import get_builder_scheme, get_instrument, get_question
from ..services import SurveyError
from ..services import instruments as services

PER_PAGE = 20


def refused(form: django_forms.Form, error: SurveyError) -> None:
    """A service's refusal shown on the field it names, or above the form."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, str(error))


def instruments(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_builder_scheme(request.user, scheme_id)
    services.ensure_standard(scheme)  # made once, the first time
    return _instruments_page(request, scheme, forms.InstrumentForm())


@require_POST
def instrument_add(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_builder_scheme(request.user, scheme_id)
    form = forms.InstrumentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            instrument = services.create_instrument(
                scheme, by=request.user, title=data["title"], audience=data["audience"],
                introduction=data["introduction"], identified=data["identified"],
            )  # fmt: skip
        except SurveyError as error:
            refused(form, error)
        else:
            messages.success(request, _("Instrument made. Now add its questions."))
            return redirect("surveys:instrument", instrument.pk)
    return _instruments_page(request, scheme, form)


def _instruments_page(request: AuthedRequest, scheme: Scheme, form: Any) -> HttpResponse:
    found = Instrument.objects.filter(scheme=scheme).order_by("audience", "title", "pk")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    context = {"scheme": scheme, "page": page, "form": form}
    return render(request, "surveys/instruments.html", context)


def instrument(request: AuthedRequest, instrument_id: int) -> HttpResponse:
    found = get_instrument(request.user, instrument_id)
    initial = forms.instrument_initial(found)
    form = forms.InstrumentForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_instrument(
                found, by=request.user, version=data["version"] or 0, title=data["title"],
                introduction=data["introduction"], identified=data["identified"],
            )  # fmt: skip
        except EditConflict as conflict:
            form = _again(request, conflict.latest.version, form, str(conflict))
        except SurveyError as error:
            refused(form, error)
        else:
            messages.success(request, _("Instrument saved."))
            return redirect("surveys:instrument", found.pk)
    return _instrument_page(request, found, form=form)


def _again(request: AuthedRequest, version: int, form: Any, message: str, **options: Any) -> Any:
    """The editor's input bound again against the latest version, with the message
    (``options`` as the form was made with)."""
    data = request.POST.copy()
    data["version"] = str(version)
    # An instrument's form drawn for editing has no audience; a question's form never has one.
    editing = isinstance(form, forms.InstrumentForm) and "audience" not in form.fields
    again = type(form)(data, **({"editing": True} if editing else {}), **options)
    again.is_valid()
    again.add_error(None, message)
    return again


def _instrument_page(
    request: AuthedRequest, found: Instrument, *, form: Any = None, question_form: Any = None
) -> HttpResponse:
    context = {
        "instrument": found,
        "scheme": found.scheme,
        "questions": list(found.questions.order_by("position", "pk")),
        "locked": services.is_locked(found),
        "form": form or forms.InstrumentForm(initial=forms.instrument_initial(found), editing=True),
        "question_form": question_form
        or forms.QuestionForm(
            initial={"version": found.version, "kind": "likert5", "required": True}
        ),  # fmt: skip
    }
    return render(request, "surveys/instrument.html", context)


@require_POST
def question_add(request: AuthedRequest, instrument_id: int) -> HttpResponse:
    found = get_instrument(request.user, instrument_id)
    form = forms.QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.add_question(
                found, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form = _again(request, conflict.latest.version, form, str(conflict))
        except SurveyError as error:
            refused(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect("surveys:instrument", found.pk)
    return _instrument_page(request, found, question_form=form)


def question_edit(request: AuthedRequest, question_id: int) -> HttpResponse:
    question = get_question(request.user, question_id)
    found = question.instrument
    locked = services.is_locked(found)
    initial = forms.question_initial(question, found.version)
    form = forms.QuestionForm(request.POST or None, initial=initial, locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_question(
                question, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form = _again(
                request, conflict.latest.version, form, str(conflict),
                initial=initial, locked=locked,
            )  # fmt: skip
        except SurveyError as error:
            refused(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect("surveys:instrument", found.pk)
    context = {"question": question, "instrument": found, "form": form, "locked": locked}
    return render(request, "surveys/question_edit.html", context)


@require_POST
def question_remove(request: AuthedRequest, question_id: int) -> HttpResponse:
    question = get_question(request.user, question_id)
    try:
        version = int(request.POST.get("version", ""))
        services.remove_question(question, by=request.user, version=version)
    except ValueError:
        messages.error(request, _("The page was out of date. Nothing was removed: try again."))
    except SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Question removed."))
    return redirect("surveys:instrument", question.instrument_id)
