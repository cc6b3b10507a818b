"""Public calls and applicants' own applications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.backends import SIGN_IN_BACKEND
from flipside.accounts.models import User
from flipside.accounts.types import AuthedRequest
from flipside.privacy import services as privacy
from flipside.privacy.consent import is_left_out
from flipside.privacy.equality import PRIVACY_NOTICE_VERSION, QUESTIONS
from flipside.privacy.forms import EqualityForm

from .. import permissions, selectors, services
from ..forms.applicant import StartForm, VerifyForm, application_form
from ..forms.application import ApplicationForm
from ..models import Application, Call, Preference

Status = Application.Status


# --- The public call and starting an application ------------------------------------------


@login_not_required
def call_public(request: HttpRequest, token: str) -> HttpResponse:
    return _call_page(request, permissions.get_public_call(token), StartForm())


def _call_page(request: HttpRequest, call: Call, form: StartForm) -> HttpResponse:
    context = {
        "call": call,
        "state": call.state(),
        "form": form,
        "existing": selectors.application_to(call, request.user),
    }
    return render(request, "recruitment/call_public.html", context)


@login_not_required
@require_POST
def start(request: HttpRequest, token: str) -> HttpResponse:
    call = permissions.get_public_call(token)
    if request.user.is_authenticated:
        return _start_signed_in(request, call)
    form = StartForm(request.POST)
    if not form.is_valid():
        return _call_page(request, call, form)
    try:
        verification = services.start_application(call, **form.cleaned_data)
    except services.RecruitmentError as error:
        messages.error(request, str(error))
        return redirect("recruitment:call_public", call.token)
    context = {"call": call, "email": verification.email}
    return render(request, "recruitment/check_email.html", context)


def _start_signed_in(request: HttpRequest, call: Call) -> HttpResponse:
    try:
        application = services.start_application_as(call, user=request.user)
    except services.RecruitmentError as error:
        messages.error(request, str(error))
        return redirect("recruitment:call_public", call.token)
    return redirect("recruitment:application", application.pk)


@login_not_required
def verify(request: HttpRequest, token: str) -> HttpResponse:
    found = services.find_verification(token)
    if found is None:
        return render(request, "recruitment/verify_invalid.html", status=404)
    if found.used_at is not None or timezone.now() >= found.expires_at:
        return render(request, "recruitment/verify_unusable.html", {"found": found}, status=410)
    if request.user.is_authenticated and request.user.email != found.email:  # type: ignore[union-attr]
        # Someone else's link opened in this browser: never sign them in over this session.
        return render(request, "recruitment/verify_other_person.html", {"found": found}, status=409)
    if User.objects.filter(email=found.email).exists():
        return render(request, "recruitment/verify_sign_in.html", {"found": found})
    form = VerifyForm(request.POST or None, email=found.email, name=found.name)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.verify_new_applicant(
                token, password=data["password1"], pronouns=data["pronouns"]
            )
        except services.RecruitmentError as error:
            form.add_error(None, str(error))
        else:
            login(request, application.applicant, backend=SIGN_IN_BACKEND)
            messages.success(
                request,
                _("Your account is ready and your application is saved as a draft. "
                  "Finish it and submit it before the call closes."),
            )  # fmt: skip
            return redirect("recruitment:application", application.pk)
    return render(request, "recruitment/verify.html", {"found": found, "form": form})


# --- Applicants' own applications ---------------------------------------------------------


def my_applications(request: AuthedRequest) -> HttpResponse:
    summaries = selectors.applications_of(request.user)
    return render(request, "recruitment/my_applications.html", {"summaries": summaries})


def application(request: AuthedRequest, application_id: int) -> HttpResponse:
    found = permissions.get_own_application(request.user, application_id)
    if not found.is_editable:
        if request.method == "POST":
            messages.error(request, _("This application can no longer be changed."))
            return redirect("recruitment:application", found.pk)
        return _application_page(request, found, None)
    submitting = request.POST.get("action") == "submit"
    strict = submitting or found.status != Status.DRAFT
    form = application_form(found, request.POST or None, strict=strict)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_answers(
                found, by=request.user, answers=form.answers(), version=form.cleaned_data["version"]
            )
            if submitting:
                saved = services.submit_application(saved, by=request.user)
        except services.RecruitmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _saved_message(found, saved, form))
            return redirect("recruitment:application", found.pk)
    return _application_page(request, found, form)


def _saved_message(before: Application, after: Application, form: ApplicationForm) -> str:
    if before.status == Status.DRAFT and after.status == Status.SUBMITTED:
        return _("Your application is submitted. We have emailed you to confirm.")
    if after.status != Status.DRAFT:
        return _("Your changes are saved.")
    over = getattr(form, "statement_words_over", 0)
    if over:
        return _(
            "Your draft is saved. Your statement is %(over)s words over the limit: shorten it "
            "before you submit."
        ) % {"over": over}
    return _("Your draft is saved. Submit it when you are ready.")


def _application_page(
    request: HttpRequest, found: Application, form: ApplicationForm | None
) -> HttpResponse:
    status, status_label = selectors.applicant_status(found)
    context = {
        "application": found,
        "call": found.call,
        "form": form,
        "status": status,
        "status_label": status_label,
        "next_step": selectors.next_step(found),
        "answers": None if form else _own_answers(found),
        "can_withdraw": found.status not in {Status.WITHDRAWN, Status.DECLINED},
        "equality_left_out": is_left_out(request.user),
    }
    return render(request, "recruitment/application_form.html", context)


def _own_answers(found: Application) -> list[tuple[str, str]]:
    """The applicant's answers, with those that help suggest a partner, each after the
    question it follows on the form. What they said about people they should not be paired
    with is shown only to them here, and to coordinators on the review page."""
    none = _("Not answered")
    wishes = [
        str(Preference(code).label) for code in found.preferences if code in Preference.values
    ]
    if found.role == "mentor":
        own = (
            _("Year of study"),
            _("Current placement or clinical team"),
            found.department or none,
        )
    else:
        topics = ", ".join(t.name for t in found.topics.all())
        own = (
            _("What you hope to understand"),
            _("What you would most like to understand"),
            topics or none,
        )
    extra = [
        own,
        (
            _("How you would like to meet"),
            _("What you would like in a partner"),
            "; ".join(wishes) or _("No preference"),
        ),
        (
            _("What you would like in a partner"),
            _("People you should not be paired with"),
            found.conflicts or _("Nobody named"),
        ),
    ]
    rows = selectors.answers_for_display(found)
    for after, question, answer in extra:
        questions = [str(q) for q, _a in rows]
        at = questions.index(after) + 1 if after in questions else len(rows)
        rows.insert(at, (question, answer))
    return rows


def withdraw(request: AuthedRequest, application_id: int) -> HttpResponse:
    found = permissions.get_own_application(request.user, application_id)
    if found.status in {Status.WITHDRAWN, Status.DECLINED}:
        return redirect("recruitment:application", found.pk)
    if request.method != "POST":
        return render(request, "recruitment/withdraw_confirm.html", {"application": found})
    services.withdraw_application(found, by=request.user)
    messages.success(request, _("You have withdrawn your application."))
    return redirect("recruitment:application", found.pk)


# --- Equality monitoring ------------------------------------------------------------------


def equality(request: AuthedRequest, application_id: int) -> HttpResponse:
    found = permissions.get_own_application(request.user, application_id)
    cohort = found.call.cohort
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        privacy.withdraw_equality_answers(request.user, cohort)
        messages.success(request, _("We have deleted your equality monitoring answers."))
        return redirect("recruitment:equality", found.pk)
    if is_left_out(request.user):
        # Never asked again: the page only says so, and a form posted anyway stores nothing.
        return render(request, "recruitment/equality_left_out.html", {"application": found})
    asked = [key for key in cohort.scheme.equality_questions if key in QUESTIONS]
    existing = privacy.own_answers(request.user, cohort)
    form = EqualityForm(request.POST or None, asked=asked, initial=existing or {})
    if request.method == "POST" and form.is_valid():
        response = _save_equality(request, found, form, had_answers=existing is not None)
        if response is not None:
            return response
    context = {
        "application": found,
        "form": form,
        "existing": _answer_labels(existing, asked),
        "notice_version": PRIVACY_NOTICE_VERSION,
    }
    return render(request, "recruitment/equality.html", context)


def _save_equality(
    request: AuthedRequest, found: Application, form: EqualityForm, *, had_answers: bool
) -> HttpResponse | None:
    cohort = found.call.cohort
    if not form.cleaned_data["consent"]:
        if had_answers:
            # Changing stored answers needs consent again; deleting them is its own button.
            form.add_error("consent", _("To change your answers, tick the box to agree."))
            return None
        privacy.save_equality_answers(request.user, cohort, answers={}, consent=False, asked=[])
        messages.info(
            request, _("You did not agree to us storing your answers, so we have stored none.")
        )
        return redirect("recruitment:application", found.pk)
    try:
        privacy.save_equality_answers(
            request.user, cohort, answers=form.answers(), consent=True, asked=form.asked
        )
    except privacy.PrivacyError as error:
        form.add_error(None, str(error))
        return None
    messages.success(request, _("Thank you. Your answers are stored."))
    return redirect("recruitment:equality", found.pk)


def _answer_labels(answers: dict[str, str] | None, asked: list[str]) -> list[tuple[str, str]]:
    """The person's own stored answers as (question, answer) pairs, for them to check."""
    if answers is None:
        return []
    rows = []
    for key in asked:
        question = QUESTIONS[key]
        label = str(dict(question.choices()).get(answers.get(key, ""), _("Not answered")))
        description = answers.get(f"{key}_description")
        rows.append((str(question.label), f"{label}: {description}" if description else label))
    return rows
