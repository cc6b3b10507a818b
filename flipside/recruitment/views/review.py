"""Coordinators' recruitment pages: set-up, calls, the applications, reviewing and deciding,
importing a staff list and downloading applications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.privacy import audit
from flipside.schemes.models import Membership, Role, Scheme
from flipside.schemes.permissions import Action, can, get_cohort, get_scheme

from .. import permissions, services, setup, spreadsheets
from .. import review_selectors as selectors
from ..forms import review as forms
from ..models import Application, Call
from ..selectors import access_needs_of

PER_PAGE = 50
CALL_ROLES = [Role.MENTOR, Role.MENTEE]


# --- Scheme set-up ------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupPart:
    formset: type[forms.RowFormSet]
    initial: Callable[[Scheme], list[dict[str, Any]]]
    save: Callable[..., Any]
    saved: Any


SETUP_PARTS = {
    "topics": SetupPart(
        forms.TopicFormSet,
        lambda scheme: forms.topic_initial(list(scheme.topics.all())),
        lambda scheme, **kw: setup.save_topics(scheme, **kw),
        gettext_lazy("Topics saved."),
    ),
    "programmes": SetupPart(
        forms.ProgrammeFormSet,
        lambda scheme: forms.programme_initial(list(scheme.organisation.programmes.all())),
        lambda scheme, **kw: setup.save_programmes(scheme.organisation, **kw),
        gettext_lazy("Programmes saved."),
    ),
    "rubric": SetupPart(
        forms.RubricFormSet,
        lambda scheme: forms.rubric_initial(list(scheme.rubric.all())),
        lambda scheme, **kw: setup.save_rubric(scheme, **kw),
        gettext_lazy("Scoring criteria saved."),
    ),
}


def scheme_setup(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_scheme(request.user, scheme_id)
    posted = request.POST.get("part") if request.method == "POST" else None
    formsets = {
        name: part.formset(
            request.POST if name == posted else None, initial=part.initial(scheme), prefix=name
        )
        for name, part in SETUP_PARTS.items()
    }
    if posted in SETUP_PARTS and formsets[posted].is_valid():
        try:
            SETUP_PARTS[posted].save(scheme, rows=formsets[posted].rows(), by=request.user)
        except services.RecruitmentError as error:
            formsets[posted].non_form_errors().append(str(error))
        else:
            messages.success(request, str(SETUP_PARTS[posted].saved))
            return redirect(reverse("recruitment:scheme_setup", args=[scheme.pk]) + f"#{posted}")
    return render(request, "recruitment/setup.html", {"scheme": scheme, **formsets})


# --- Calls --------------------------------------------------------------------------------


def call_list(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    summaries = selectors.cohort_calls(cohort)
    made = {summary.call.role for summary in summaries}
    context = {
        "cohort": cohort,
        "summaries": summaries,
        "missing": [role for role in CALL_ROLES if role not in made],
    }
    return render(request, "recruitment/calls.html", context)


def call_create(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    roles = [r for r in CALL_ROLES if not cohort.calls.filter(role=r).exists()]
    if not roles:
        messages.info(request, _("This cohort already has a call for mentors and one for mentees."))
        return redirect("recruitment:calls", cohort.pk)
    initial = {**forms.new_call_initial(timezone.localdate()), "role": request.GET.get("role")}
    form = forms.CallForm(request.POST or None, roles=roles, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_call(cohort, by=request.user, **form.values())
        except services.RecruitmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Call created. Share its link when you are ready."))
            return redirect("recruitment:calls", cohort.pk)
    return render(request, "recruitment/call_form.html", {"form": form, "cohort": cohort})


def call_edit(request: AuthedRequest, call_id: int) -> HttpResponse:
    call = permissions.get_call(request.user, call_id)
    form = forms.CallForm(request.POST or None, call=call, roles=[])
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_call(
                call, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: forms.CallForm(data, call=latest, roles=[]),
                saved=_saved_call,
            )
        except services.RecruitmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Call saved."))
            return redirect("recruitment:calls", call.cohort_id)
    context = {"form": form, "cohort": call.cohort, "call": call, "saved": saved}
    return render(request, "recruitment/call_form.html", context)


def _saved_call(latest: Call) -> Saved:
    return [
        (_("Title"), latest.title),
        (_("Opens"), date_format(timezone.localtime(latest.opens_at), "j F Y, H:i")),
        (_("Closes"), date_format(timezone.localtime(latest.closes_at), "j F Y, H:i")),
        (_("Places"), latest.places),
        (_("Word limit"), latest.word_limit),
        (_("Blind review"), _("Yes") if latest.blind_review else _("No")),
    ]


# --- Applications -------------------------------------------------------------------------


def application_list(request: AuthedRequest, call_id: int) -> HttpResponse:
    call, counts, out_of = permissions.get_listed_call(request.user, call_id)
    form = forms.ApplicationFilterForm(request.GET, blind=call.blind_review)
    filters = form.filters()
    summary = selectors.CallSummary(call, counts=counts)
    paginator = Paginator(selectors.ApplicationList(call, **filters), PER_PAGE)
    if not filters.get("q"):
        # The person coordinates the call (get_call), so reviews every one of its submitted
        # applications: the counts by status already say how long the list is.
        status = filters.get("status")
        paginator.count = summary.counts.get(status, 0) if status else summary.received
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "call": call,
        "cohort": call.cohort,
        "form": form,
        "page": page,
        "rows": page.object_list,
        "summary": summary,
        "out_of": out_of,
        "filters": filters,
        "query": urlencode(filters),
        "filtered": bool(set(filters) - {"sort"}),
        # The form's fieldset is drawn once per process and language: the template makes
        # the form only when it draws it.
        "bulk": forms.BulkDecisionForm,
    }
    partial = "recruitment/_call_applications_table.html"
    template = partial if request.htmx else "recruitment/applications.html"
    return render(request, template, context)


def _list_url(call: Call, data: QueryDict) -> str:
    filters = forms.ApplicationFilterForm(data, blind=call.blind_review).filters()
    page = data.get("page", "")
    if page.isdecimal() and len(page) < 6:
        filters["page"] = page
    url = reverse("recruitment:applications", args=[call.pk])
    return f"{url}?{urlencode(filters)}" if filters else url


@require_POST
def bulk_decide(request: AuthedRequest, call_id: int) -> HttpResponse:
    call = permissions.get_call(request.user, call_id)
    form = forms.BulkDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_list_url(call, request.POST))
    # Ids of other calls' applications, drafts or other people's are simply not found.
    chosen = list(
        permissions.reviewable_applications(request.user)
        .filter(call=call, pk__in=form.cleaned_data["applications"])
        .select_related("applicant", "call")
    )
    if not chosen:
        raise Http404
    outcome = form.cleaned_data["outcome"]
    if outcome in services.OUTCOME_EMAILS and request.POST.get("confirm") != "yes":
        return _confirm_bulk(request, call, chosen, outcome)
    try:
        services.decide(chosen, outcome=outcome, by=request.user)
    except services.RecruitmentError as error:
        messages.error(request, _("Nothing was changed. %(problem)s") % {"problem": error})
    else:
        messages.success(request, _decided_message(len(chosen), outcome))
    return redirect(_list_url(call, request.POST))


def _confirm_bulk(
    request: AuthedRequest, call: Call, chosen: list[Application], outcome: str
) -> HttpResponse:
    context = {
        "call": call,
        "cohort": call.cohort,
        "rows": selectors.list_rows(chosen),
        "outcome": outcome,
        "outcome_label": forms.OUTCOME_LABELS[outcome],
        "status_label": Application.Status(outcome).label,
        "action": reverse("recruitment:bulk_decide", args=[call.pk]),
        "back": _list_url(call, request.POST),
        "filters": forms.ApplicationFilterForm(request.POST, blind=call.blind_review).filters(),
    }
    return render(request, "recruitment/bulk_confirm.html", context)


def _decided_message(count: int, outcome: str) -> str:
    return ngettext(
        "%(count)s application is now “%(status)s”.",
        "%(count)s applications are now “%(status)s”.",
        count,
    ) % {"count": count, "status": Application.Status(outcome).label}


# --- Reviewing one application ------------------------------------------------------------


def review(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = permissions.get_application_for_review(request.user, application_id)
    return _review_page(request, application)


def _review_page(
    request: AuthedRequest,
    application: Application,
    *,
    score_form: forms.ScoreForm | None = None,
    note_form: forms.NoteForm | None = None,
) -> HttpResponse:
    call = application.call
    filters = forms.ApplicationFilterForm(request.GET, blind=call.blind_review).filters()
    scoring = selectors.scoring(application, request.user)
    initial = {f"score_{k}": v for k, v in (scoring.mine.scores if scoring.mine else {}).items()}
    previous, following = selectors.neighbours(request.user, application, **filters)
    access_needs = access_needs_of(application)
    # The statement and access needs can reveal special-category data: each opening by
    # staff is recorded (a form sent back with a problem re-draws a page already opened).
    if request.method == "GET":
        audit.viewed(request, application, "application", access_needs=bool(access_needs))
    context = {
        "application": application,
        "call": call,
        "cohort": call.cohort,
        "label": selectors.applicant_label(application),
        "query": urlencode(filters),
        "previous": previous,
        "next": following,
        "access_needs": access_needs,
        "topics": application.topics.all() if call.role == Role.MENTOR else [],
        "grid": selectors.availability_grid(application.availability),
        "teaching": selectors.teaching_text(
            application, selectors.programme_names(call.cohort.scheme.organisation_id)
        ),
        "scoring": scoring,
        "score_form": score_form or forms.ScoreForm(criteria=scoring.criteria, initial=initial),
        "notes": application.notes.select_related("author"),
        "note_form": note_form or forms.NoteForm(),
        "decisions": forms.decision_choices(application.status),
        "can_set_up": can(request.user, Action.MANAGE, call.cohort.scheme),
    }
    return render(request, "recruitment/review.html", context)


def _back_to_review(request: HttpRequest, application: Application) -> HttpResponse:
    url = reverse("recruitment:review", args=[application.pk])
    filters = forms.ApplicationFilterForm(
        request.GET, blind=application.call.blind_review
    ).filters()
    return redirect(f"{url}?{urlencode(filters)}" if filters else url)


@require_POST
def score(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = permissions.get_application_for_review(request.user, application_id)
    criteria = list(application.call.cohort.scheme.rubric.all())
    form = forms.ScoreForm(request.POST, criteria=criteria)
    if not criteria:
        messages.error(request, _("This scheme has no scoring criteria yet."))
        return _back_to_review(request, application)
    if form.is_valid():
        try:
            services.score_application(application, reviewer=request.user, scores=form.scores())
        except services.RecruitmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your scores are saved."))
            return _back_to_review(request, application)
    return _review_page(request, application, score_form=form)


@require_POST
def note(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = permissions.get_application_for_review(request.user, application_id)
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(application, author=request.user, text=form.cleaned_data["text"])
        except services.RecruitmentError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, _("Note added."))
            return _back_to_review(request, application)
    return _review_page(request, application, note_form=form)


@require_POST
def decide(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = permissions.get_application_for_review(request.user, application_id)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision from the buttons."))
        return _back_to_review(request, application)
    outcome = form.cleaned_data["outcome"]
    # As on the list, a decision that emails the applicant is confirmed first; one that is not
    # open from the current status goes straight to the service, which says why.
    emails = outcome in services.OUTCOME_EMAILS
    if emails and outcome in dict(forms.decision_choices(application.status)):
        if request.POST.get("confirm") != "yes":
            return _confirm_one(request, application, outcome)
    try:
        services.decide([application], outcome=outcome, by=request.user)
    except services.RecruitmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _decided_message(1, outcome))
    return _back_to_review(request, application)


def _confirm_one(request: AuthedRequest, application: Application, outcome: str) -> HttpResponse:
    """The same question the list asks before a decision that emails the applicant."""
    call = application.call
    filters = forms.ApplicationFilterForm(request.GET, blind=call.blind_review).filters()
    query = f"?{urlencode(filters)}" if filters else ""
    context = {
        "call": call,
        "cohort": call.cohort,
        "rows": selectors.list_rows([application]),
        "outcome": outcome,
        "status_label": Application.Status(outcome).label,
        "action": reverse("recruitment:decide", args=[application.pk]) + query,
        "back": reverse("recruitment:review", args=[application.pk]) + query,
        "filters": {},
    }
    return render(request, "recruitment/bulk_confirm.html", context)


# --- Staff lists and downloads ------------------------------------------------------------


def import_staff(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    members = set(Membership.objects.filter(cohort=cohort).values_list("user__email", flat=True))
    data = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = forms.ImportStaffForm(*data, already_in=members)
    if request.method == "POST" and form.is_valid():
        try:
            invited = setup.invite_staff_list(cohort, people=form.people, by=request.user)
        except services.RecruitmentError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _invited_message(len(invited)))
            return redirect("schemes:cohort_people", cohort.pk)
    context = {"cohort": cohort, "form": form, "problems": form.problems}
    return render(request, "recruitment/import_staff.html", context)


def _invited_message(count: int) -> str:
    return ngettext(
        "%(count)s staff mentee invited. They have each been emailed a link to join.",
        "%(count)s staff mentees invited. They have each been emailed a link to join.",
        count,
    ) % {"count": count}


def export(request: AuthedRequest, call_id: int, fmt: str) -> HttpResponseBase:
    call = permissions.get_call(request.user, call_id)
    if fmt not in spreadsheets.FORMATS:
        raise Http404
    applications = selectors.call_applications(request.user, call, sort="oldest")
    rows = selectors.export_rows(call, applications)
    setup.record_export(call, fmt=fmt, rows=len(rows) - 1, by=request.user)
    name = f"{call.cohort} {call.get_role_display()} applications"
    return spreadsheets.download(rows, fmt=fmt, name=name, title=str(_("Applications")))
