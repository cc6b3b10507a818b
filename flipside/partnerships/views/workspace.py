"""A pair's workspace, for its two partners only, and pausing, resuming or ending the
partnership by one of them. Coordinators never see this page: they see a pair's status on the
progress board."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.text import isolate
from flipside.matching import profile
from flipside.matching import services as matching_services
from flipside.matching.models import Pair

from .. import selectors
from .. import workspace_reads as reads
from ..forms_workspace import EndForm, PauseForm
from ..models import Meeting
from ..permissions import NotNow, get_own_pair, partner_of, require_can_act
from ..services import PartnershipError
from ..services.pauses import open_pause, pause_pair, resume_pair

UPCOMING_SHOWN = 10
PAST_PER_PAGE = 10
POINTS_SHOWN = 5


def _not_now(pair: Pair, user: Any, *, members: int | None = None) -> str:
    """Why the person cannot change the pair now, or "" if they can."""
    try:
        require_can_act(pair, user, members=members)
    except NotNow as refusal:
        return str(refusal)
    return ""


def workspace(request: AuthedRequest, pair_id: int) -> HttpResponse:
    """The pair's progress; the meeting waiting for this person (to record once its time has
    passed, or to confirm their partner's record), the next arranged meeting, the others
    coming (the first few) and a page of past ones; the partner; a few talking points; the
    journal and support. A fixed number of queries however many meetings there are."""
    pair = get_own_pair(request.user, pair_id)
    cohort = pair.cohort
    other = partner_of(pair, request.user)
    now = timezone.now()
    figures = reads.figures(pair, request.user, now)
    found = reads.meetings(pair, request.user, now, coming=UPCOMING_SHOWN + 1)
    upcoming = found.coming
    next_meeting = next((m for m in upcoming if m.status == Meeting.Status.ACCEPTED), None)
    upcoming = [m for m in upcoming if m is not next_meeting]
    past = Paginator(reads.past_meetings(pair, now), PAST_PER_PAGE)
    past.count = figures.past_meetings  # counted with the figures
    ended = pair.status == Pair.Status.ENDED
    context = {
        "pair": pair,
        "cohort": cohort,
        "other": other,
        "i_am_mentor": pair.mentor_id == request.user.pk,
        "shared": profile.shared_profile(cohort, other, name=False),
        "progress": selectors.progress_of(
            pair,
            held=figures.held,
            contacts=figures.contacts,
            paused=figures.paused_since is not None,
        ),  # fmt: skip
        "ended": ended,
        "paused_since": None if ended else figures.paused_since,
        "not_now": _not_now(pair, request.user, members=figures.members),
        "journal_count": figures.journal_entries,
        "next_meeting": next_meeting,
        "waiting": found.waiting,
        "upcoming": upcoming[:UPCOMING_SHOWN],
        "more_upcoming": len(upcoming) > UPCOMING_SHOWN,
        "page": past.get_page(request.GET.get("page")),
        "now": now,
        "points": reads.points(pair, shown=POINTS_SHOWN),
        "points_total": figures.points_total,
        "points_used": figures.points_used,
    }
    return render(request, "partnerships/workspace.html", context)


def pause(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_own_pair(request.user, pair_id)
    not_now = _not_now(pair, request.user)
    paused = open_pause(pair) if not not_now else None
    form = PauseForm(request.POST or None)
    if request.method == "POST" and not not_now and form.is_valid():
        try:
            pause_pair(pair, by=request.user, reason=form.cleaned_data["reason"])
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your partnership is paused. You will get no reminders until one of you "
                  "resumes it."),
            )  # fmt: skip
            return redirect("partnerships:workspace", pair.pk)
    context = {"pair": pair, "cohort": pair.cohort, "other": partner_of(pair, request.user),
               "form": form, "not_now": not_now, "paused": paused}  # fmt: skip
    return render(request, "partnerships/workspace_pause.html", context)


@require_POST
def resume(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_own_pair(request.user, pair_id)
    not_now = _not_now(pair, request.user)
    if not_now:
        messages.error(request, not_now)
    elif resume_pair(pair, by=request.user):
        messages.success(request, _("Your partnership is running again."))
    else:
        messages.info(request, _("Your partnership was not paused, so nothing changed."))
    return redirect("partnerships:workspace", pair.pk)


def end(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_own_pair(request.user, pair_id)
    other = partner_of(pair, request.user)
    if request.method == "POST" and pair.status == Pair.Status.ENDED:
        # Sent twice: the first one ended it.
        messages.info(request, _("This partnership has already ended."))
        return redirect("home")
    not_now = _not_now(pair, request.user)
    form = EndForm(request.POST or None)
    if request.method == "POST" and not not_now and form.is_valid():
        try:
            matching_services.end_pair(pair, by=request.user, reason=form.cleaned_data["reason"])
        except matching_services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your partnership with %(name)s has ended, and you have both been emailed. "
                  "The coordinators can find you a new partner: get in touch with them if "
                  "you would like one.") % {"name": isolate(other.display_name)},
            )  # fmt: skip
            return redirect("home")
    context = {"pair": pair, "cohort": pair.cohort, "other": other, "form": form,
               "not_now": not_now}  # fmt: skip
    return render(request, "partnerships/workspace_end.html", context)
