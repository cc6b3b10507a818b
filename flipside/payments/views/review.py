"""Coordinators' review of the time mentors submit: approve, query (with a message back) or
reject (saying why), line by line or a page of lines at once."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.partnerships.models import Meeting

from .. import forms_timesheets as forms
from ..models import Line
from ..permissions import get_managed_line, get_pay_cohort
from ..review_reads import review_lines, waiting_count
from ..services import PayError
from ..services import timesheets as services
from ..services.rates import pay_settings_of
from .timesheets import LineRow

PER_PAGE = 50
KEPT = ("q", "status", "page")


@dataclass
class ReviewRow(LineRow):
    """A line as coordinators review it: also whether the mentor's right to work is
    recorded and what the staff partner did with the meeting's record (read now)."""

    right_to_work: bool = True

    @property
    def partner_record(self) -> str:
        meeting = self.line.meeting
        if meeting is None:
            return ""
        if meeting.record == Meeting.Record.DISPUTED:
            return _("Disputed by partner")
        if meeting.record == Meeting.Record.UNCONFIRMED:
            return _("Not confirmed by partner")
        return ""

    @property
    def decidable(self) -> bool:
        return self.line.status in services.DECIDABLE and self.line.payment_run_id is None

    @property
    def revisable(self) -> bool:
        return self.line.status in services.REVISABLE and self.line.payment_run_id is None


def back_url(cohort_id: int, raw: str) -> str:
    """The review page with the filters and page the coordinator came from (read from a
    posted ``back``; only those, so it can point nowhere else)."""
    query = QueryDict(raw[1:] if raw.startswith("?") else "")
    kept = {name: query[name] for name in KEPT if query.get(name)}
    url = reverse("payments:review", args=[cohort_id])
    return f"{url}?{urlencode(kept)}" if kept else url


def review(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_pay_cohort(request.user, cohort_id)
    form = forms.ReviewFilterForm(request.GET)
    filters = form.filters()
    statuses = form.statuses()
    showing_waiting = statuses == [Line.Status.SUBMITTED]
    # The kept figures (decision 0024) say how many wait: also the page's own count when it
    # shows exactly those lines.
    waiting = waiting_count(cohort)
    lines = review_lines(
        cohort, statuses=statuses, name=filters.get("q", ""),
        count=waiting if showing_waiting and not filters.get("q") else None,
    )  # fmt: skip
    page = Paginator(lines, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "cohort": cohort,
        "form": form,
        "filtered": bool(filters),
        "page": page,
        "rows": page.object_list,
        "unchecked": any(not line.right_to_work for line in page.object_list),
        "back": "?" + request.GET.urlencode(),
        "waiting": waiting,
        "showing_waiting": showing_waiting,
    }
    return render(request, "payments/review/list.html", context)


@require_POST
def approve(request: AuthedRequest, line_id: int) -> HttpResponse:
    line = get_managed_line(request.user, line_id)
    form = forms.VersionForm(request.POST)
    if form.is_valid():
        try:
            services.approve_line(line, by=request.user, version=form.cleaned_data["version"])
        except PayError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "Approved: %(what)s, %(hours)s hour.",
                    "Approved: %(what)s, %(hours)s hours.",
                    1 if line.hours == 1 else 2,
                )
                % {"what": line.description, "hours": services.hours_text(line.hours)},
            )
    else:
        messages.error(request, _("Something went wrong. Check the line and try again."))
    return redirect(back_url(line.cohort_id, request.POST.get("back", "")))


@require_POST
def approve_selected(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_pay_cohort(request.user, cohort_id)
    form = forms.ApproveSelectedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the lines you want to approve."))
        return redirect(back_url(cohort.pk, request.POST.get("back", "")))
    approved, problems = services.approve_lines(cohort, form.versions(), by=request.user)
    if approved:
        messages.success(
            request,
            ngettext("%(n)s line approved.", "%(n)s lines approved.", len(approved))
            % {"n": len(approved)},
        )
    for problem in dict.fromkeys(problems):
        messages.error(request, problem)
    return redirect(back_url(cohort.pk, request.POST.get("back", "")))


def _decision(request: AuthedRequest, line_id: int, *, reject: bool) -> HttpResponse:
    """Query or reject one line with a message to its mentor: a page of its own, which is
    also where a message left empty is asked for again."""
    line = get_managed_line(request.user, line_id)
    decide = services.reject_line if reject else services.query_line
    data: QueryDict | None = request.POST or None
    if data is not None and "message" not in data:
        # From the review page, whose rows share one form: each line's message has its own
        # name, and the button pressed gives the version.
        data = data.copy()
        data["message"] = request.POST.get(f"message-{line.pk}", "")
    form = forms.DecisionForm(data, initial={"version": line.version})
    back = request.POST.get("back", request.GET.get("back", ""))
    if request.method == "POST" and form.is_valid():
        try:
            decide(line, by=request.user, version=form.cleaned_data["version"],
                   message=form.cleaned_data["message"])  # fmt: skip
        except PayError as error:
            form.add_error(None, str(error))
        else:
            done = (
                _("Line rejected. The mentor can see why.")
                if reject
                else _("Query sent. The line is back with the mentor to change and submit again.")
            )
            messages.success(request, done)
            return redirect(back_url(line.cohort_id, back))
    settings = pay_settings_of(line.cohort)
    context = {
        "cohort": line.cohort,
        "row": ReviewRow(line, services.rate_from(line, settings.policy)),
        "form": form,
        "reject": reject,
        "back": back if back.startswith("?") else "",
        "back_url": back_url(line.cohort_id, back),
    }
    return render(request, "payments/review/decide.html", context)


def query(request: AuthedRequest, line_id: int) -> HttpResponse:
    return _decision(request, line_id, reject=False)


def reject(request: AuthedRequest, line_id: int) -> HttpResponse:
    return _decision(request, line_id, reject=True)
