"""Proposals of pairs: starting a run, watching it work, adjusting the draft, publishing it
and comparing two runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.text import isolate
from flipside.privacy import audit
from flipside.recruitment import spreadsheets
from flipside.schemes.permissions import Action, get_cohort
from flipside.training.readiness import readiness_counts, ready_among

from .. import forms, selectors, services
from ..models import Proposal, Run
from ..permissions import get_cohort_run, get_proposal, get_run
from .charts import BANDS, bars, side_by_side
from .setup import overview_context

STALE = gettext_lazy(
    "Someone else changed this proposal while you were looking at it, so nothing was "
    "changed. Check the pairs below, then try again."
)


# --- Starting and watching a run ------------------------------------------------------------


@require_POST
def start(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    form = forms.RunForm(request.POST)
    if form.is_valid():
        try:
            run = services.start_run(cohort, by=request.user, **form.cleaned_data)
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            # A double submit gets the run already waiting, so both land on the same page.
            return redirect("matching:run", run.pk)
    context = overview_context(request, cohort, run_form=form)
    return render(request, "matching/overview.html", context)


@require_GET
def progress(request: AuthedRequest, run_id: int) -> HttpResponse:
    """The progress bar, polled by HTMX; once the run has finished the page reloads."""
    run = get_run(request.user, run_id)
    response = render(request, "matching/_progress.html", {"run": run})
    if not run.is_working and request.htmx:
        response["HX-Refresh"] = "true"
    return response


PER_PAGE = 50


@dataclass
class Row:
    proposal: selectors.ProposalRow
    mentor_ready: bool = True
    mentee_ready: bool = True


def _kept(query: QueryDict, filters: dict[str, Any] | None = None) -> dict[str, str]:
    """The valid filters and page number in ``query``: what the run page shows, carried by
    every form on it so that a change returns to the same page. Anything else is dropped.
    ``filters`` are the page's filters when it has already read them."""
    kept = dict(forms.ProposalFilterForm(query).filters() if filters is None else filters)
    page = query.get("page", "")
    if page.isdecimal() and len(page) < 6:
        kept["page"] = page
    return kept


def _here(request: AuthedRequest, filters: dict[str, Any] | None = None) -> str:
    """The query string for the run page's forms' addresses: "" or "?q=…&page=2"."""
    kept = _kept(request.GET, filters)
    return f"?{urlencode(kept)}" if kept else ""


def run_context(request: AuthedRequest, run: Run, **bound: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"run": run, "cohort": run.cohort}
    if run.status != Run.Status.DONE:
        return context
    form = forms.ProposalFilterForm(request.GET)
    filters = form.filters()
    counts, left = selectors.left_out(run, BANDS)
    if filters:
        proposals = selectors.run_proposals(run, **filters)
        paginator = Paginator(proposals, PER_PAGE)
    else:
        # The bands cover every score a pair can have (0 to 100, as the database enforces),
        # so together they count every pair: the paginator needs only that count, not a
        # queryset of the pairs (the page's rows are read by ``proposal_rows``).
        proposals = None
        paginator = Paginator(range(sum(counts)), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    shown = selectors.proposal_rows(
        run, among=proposals, offset=(page.number - 1) * PER_PAGE, limit=PER_PAGE
    )
    people = {p.mentor_id for p in shown} | {p.mentee_id for p in shown}
    ready = _ready(run, people)
    context |= {
        "form": form,
        "filters": filters,
        "page": page,
        "rows": [Row(p, p.mentor_id in ready, p.mentee_id in ready) for p in shown],
        "here": _here(request, filters),
        "left": left,
        "bands": bars(counts),
    }
    if run.is_draft:
        context |= _draft_forms(request, run, shown, **bound)
    return context


def _ready(run: Run, people: set[int]) -> set[int]:
    """Which of the page's people are ready. A run pairs the cohort's mentors and mentees,
    so when the cohort's kept counts say all of them are ready (one row, decision 0015),
    so is everyone on the page; otherwise each one's checks are read."""
    if not people:
        return set()
    if all(count.ready == count.total for count in readiness_counts(run.cohort)):
        return people
    return ready_among(run.cohort, people)


def _draft_forms(
    request: AuthedRequest, run: Run, shown: list[selectors.ProposalRow], **bound: Any
) -> dict[str, Any]:
    get = request.GET
    swap_form = bound.get("swap_form") or forms.SwapForm(
        run=run,
        initial={
            "first": get.get("swap-first"),
            "second": get.get("swap-second"),
            "version": run.version,
        },
    )
    # The swap lists the pairs on this page, and keeps any pair already chosen elsewhere.
    missing = swap_form.chosen() - {p.pk for p in shown}
    extra = []
    if missing:
        extra = selectors.proposal_rows(run, among=run.proposals.filter(pk__in=missing))
    swap_form.offer(shown + extra)
    add_form = bound.get("add_form") or forms.AddPairForm(
        run=run,
        initial={
            "mentor": get.get("add-mentor"),
            "mentee": get.get("add-mentee"),
            "version": run.version,
        },
    )
    return {"swap_form": swap_form, "add_form": add_form}


def run_detail(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = get_run(request.user, run_id)
    return render(request, "matching/run.html", run_context(request, run))


@require_GET
def left_out_export(request: AuthedRequest, run_id: int, fmt: str) -> HttpResponseBase:
    """Everyone the run did not pair, as a spreadsheet (CSV streamed a row at a time): the
    page shows the first of each list."""
    run = get_run(request.user, run_id)
    if fmt not in spreadsheets.FORMATS or run.status != Run.Status.DONE:
        raise Http404
    name = _("%(cohort)s proposal %(number)s not paired") % {
        "cohort": run.cohort,
        "number": run.number,
    }
    rows = selectors.left_out_rows(run)
    audit.record(request.user, "matching.left_out.exported", run, format=fmt)
    return spreadsheets.download(rows, fmt=fmt, name=name, title=str(_("Not paired")))


# --- Adjusting a draft ----------------------------------------------------------------------


def _back(
    request: AuthedRequest,
    run: Run,
    keep: dict[str, Any] | None = None,
    anchor: str = "proposals",
) -> str:
    """The run page as the coordinator left it (the page and filters its forms carry in their
    address), with ``keep`` added, at ``anchor``."""
    kept = _kept(request.GET) | (keep or {})
    query = f"?{urlencode(kept)}" if kept else ""
    return reverse("matching:run", args=[run.pk]) + query + f"#{anchor}"


def _version(request: AuthedRequest) -> int | None:
    form = forms.VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


def _not_draft(request: AuthedRequest, run: Run) -> HttpResponse | None:
    """Published or unfinished runs are read-only: refuse before asking the service."""
    if run.is_draft:
        return None
    if run.published_at:
        messages.error(request, _("This proposal has been published, so it cannot be changed."))
    else:
        messages.error(request, _("This proposal is not finished, so it cannot be changed yet."))
    return redirect(_back(request, run))


def _apply(
    request: AuthedRequest,
    run: Run,
    change: Callable[[], Any],
    success: str,
    keep: dict[str, Any] | None = None,
) -> HttpResponse:
    """Make one change to a draft, turning refusals into messages on the run page."""
    try:
        change()
    except services.StaleRun:
        messages.error(request, STALE)
        return redirect(_back(request, run, keep))
    except services.MatchingError as error:
        messages.error(request, str(error))
        return redirect(_back(request, run, keep))
    messages.success(request, success)
    return redirect(_back(request, run))


def _names(proposal: Proposal) -> dict[str, str]:
    return {
        "mentor": isolate(proposal.mentor.display_name),
        "mentee": isolate(proposal.mentee.display_name),
    }


@require_POST
def remove(request: AuthedRequest, run_id: int, proposal_id: int) -> HttpResponse:
    run = get_run(request.user, run_id)
    proposal = get_proposal(run, proposal_id)
    version = _version(request)
    if refused := _not_draft(request, run):
        return refused
    if version is None:
        messages.error(request, STALE)
        return redirect(_back(request, run))

    def change() -> Run:
        return services.remove_proposal(run, proposal, by=request.user, version=version)

    message = _("Removed %(mentor)s with %(mentee)s. Both are now listed as not paired.")
    return _apply(request, run, change, message % _names(proposal))


@require_POST
def lock(request: AuthedRequest, run_id: int, proposal_id: int) -> HttpResponse:
    run = get_run(request.user, run_id)
    proposal = get_proposal(run, proposal_id)
    if refused := _not_draft(request, run):
        return refused
    form = forms.LockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to lock or unlock the pair."))
        return redirect(_back(request, run))
    locked = form.cleaned_data["lock"] == forms.LockForm.LOCK
    try:
        changed = services.set_lock(run, proposal, locked=locked, by=request.user)
    except services.MatchingError as error:
        messages.error(request, str(error))
        return redirect(_back(request, run))
    if locked:
        message = _("Locked: %(mentor)s and %(mentee)s will be kept as a pair in new proposals.")
    else:
        message = _("Unlocked %(mentor)s and %(mentee)s.")
    if not changed:
        message = (
            _("%(mentor)s and %(mentee)s were already locked.")
            if locked
            else _("%(mentor)s and %(mentee)s were already unlocked.")
        )
    messages.success(request, message % _names(proposal))
    return redirect(_back(request, run))


@require_POST
def swap(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = get_run(request.user, run_id)
    if refused := _not_draft(request, run):
        return refused
    form = forms.SwapForm(request.POST, run=run)
    if form.is_valid():
        first, second = form.cleaned_data["first"], form.cleaned_data["second"]
        try:
            services.swap(run, first, second, by=request.user, version=form.cleaned_data["version"])
        except services.StaleRun:
            messages.error(request, STALE)
            return redirect(
                _back(request, run, {"swap-first": first.pk, "swap-second": second.pk}, "swap")
            )
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _swapped(first, second))
            return redirect(_back(request, run))
    return render(request, "matching/run.html", run_context(request, run, swap_form=form))


def _swapped(first: Proposal, second: Proposal) -> str:
    return _("Swapped: %(a)s is now with %(b_mentee)s, and %(b)s with %(a_mentee)s.") % {
        "a": isolate(first.mentor.display_name),
        "b": isolate(second.mentor.display_name),
        "a_mentee": isolate(first.mentee.display_name),
        "b_mentee": isolate(second.mentee.display_name),
    }


@require_POST
def add(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = get_run(request.user, run_id)
    if refused := _not_draft(request, run):
        return refused
    form = forms.AddPairForm(request.POST, run=run)
    if not form.is_valid():
        return render(request, "matching/run.html", run_context(request, run, add_form=form))
    mentor, mentee = form.person("mentor"), form.person("mentee")
    try:
        proposal = services.add_proposal(
            run, mentor=mentor, mentee=mentee, by=request.user,
            version=form.cleaned_data["version"], confirmed=form.cleaned_data["confirmed"],
        )  # fmt: skip
    except services.NeedsConfirmation as question:
        context = {"run": run, "cohort": run.cohort, "form": form, "check": question.check}
        context |= {"mentor": mentor, "mentee": mentee, "here": _here(request)}
        return render(request, "matching/add_confirm.html", context)
    except services.StaleRun:
        messages.error(request, STALE)
        return redirect(
            _back(request, run, {"add-mentor": mentor.pk, "add-mentee": mentee.pk}, "add")
        )
    except services.MatchingError as error:
        form.add_error(None, str(error))
        return render(request, "matching/run.html", run_context(request, run, add_form=form))
    message = _("Added %(mentor)s with %(mentee)s by hand (score %(score)s).")
    messages.success(request, message % (_names(proposal) | {"score": proposal.score}))
    return redirect(_back(request, run))


@require_POST
def rerun(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = get_run(request.user, run_id)
    try:
        new = services.rerun(run, by=request.user)
    except services.MatchingError as error:
        messages.error(request, str(error))
        return redirect("matching:run", run.pk)
    messages.success(request, _("A new proposal is being worked out, keeping every locked pair."))
    return redirect("matching:run", new.pk)


# --- Publishing -----------------------------------------------------------------------------


def publish(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = get_run(request.user, run_id)
    if request.method == "POST":
        try:
            sent = services.publish(run, by=request.user, version=_version(request) or 0)
        except services.StaleRun:
            messages.error(request, STALE)
            return redirect("matching:run", run.pk)
        except services.MatchingError as error:
            run.refresh_from_db()
            if run.published_at is not None:
                # A second press of the button (or a colleague's): the pairs are published.
                messages.info(request, _("These pairs are published: nothing was sent twice."))
                return redirect("matching:pairs", run.cohort_id)
            messages.error(request, str(error))
            return redirect("matching:run", run.pk)
        messages.success(request, _published(sent))
        return redirect("matching:pairs", run.cohort_id)
    proposals = run.proposals.values_list("mentor_id", "mentee_id")
    people = len({m for m, _ in proposals} | {m for _, m in proposals})
    context = {"run": run, "cohort": run.cohort, "pairs": len(proposals), "people": people}
    if run.is_draft:
        context["checks"] = selectors.publish_checks(run)
    return render(request, "matching/publish.html", context)


def _published(sent: int) -> str:
    return ngettext(
        "Pairs published. %(n)s introduction email is on its way.",
        "Pairs published. %(n)s introduction emails are on their way.",
        sent,
    ) % {"n": sent}


# --- Comparing two runs ---------------------------------------------------------------------


def compare(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    # An id that is not one of this cohort's runs is not found, like any other object.
    for name in ("first", "second"):
        if request.GET.get(name):
            get_cohort_run(cohort, request.GET[name])
    asked = "first" in request.GET or "second" in request.GET
    form = forms.CompareForm(request.GET if asked else None, cohort=cohort)
    context: dict[str, Any] = {"cohort": cohort, "form": form}
    if asked and form.is_valid():
        first, second = form.cleaned_data["first"], form.cleaned_data["second"]
        context |= {
            "first": first,
            "second": second,
            "comparison": selectors.compare(first, second),
            "figures": _figures(first, second),
        }
    return render(request, "matching/compare.html", context)


def _figures(first: Run, second: Run) -> list[tuple[str, Any, Any, int, int]]:
    """(label, first, second, first bar, second bar) for the numbers people compare."""
    rows = [
        (_("Pairs"), first.matched, second.matched),
        (_("Total score"), first.total_score, second.total_score),
        (_("Lowest score"), first.min_score, second.min_score),
    ]
    return [
        (label, a, b, *side_by_side(a or 0, b or 0))  # type: ignore[misc]
        for label, a, b in rows
    ]
