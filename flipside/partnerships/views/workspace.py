"""A pair's workspace, for its two partners only, and pausing, resuming or ending the
partnership by one of them. Coordinators never see this page: they see a pair's status on the
progress board."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
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
from ..forms_workspace import EndForm, PauseForm
from ..models import JournalEntry, Meeting, TalkingPoint, TalkingPointUse
from ..permissions import NotNow, get_own_pair, partner_of, require_can_act
from ..services import PartnershipError
from ..services.pauses import open_pause, pause_pair, resume_pair

UPCOMING_SHOWN = 10
PAST_PER_PAGE = 10
POINTS_SHOWN = 5


def _not_now(pair: Pair, user: Any) -> str:
    """Why the person cannot change the pair now, or "" if they can."""
    try:
        require_can_act(pair, user)
    except NotNow as refusal:
        return str(refusal)
    return ""


def _meetings(pair: Pair, page_number: Any, user: Any) -> dict[str, Any]:
    """The next arranged meeting, the other arranged or proposed ones (the first few, with a
    count), one page of past ones, and the oldest meeting waiting for this person (to record
    once its time has passed, or to confirm their partner's record): a fixed number of
    queries however many there are."""
    now = timezone.now()
    meetings = Meeting.objects.filter(pair=pair)
    waiting = (
        meetings.filter(
            Q(status=Meeting.Status.ACCEPTED, starts_at__lt=now)
            | (Q(record=Meeting.Record.UNCONFIRMED) & ~Q(recorded_by=user))
        )
        .order_by("starts_at", "id")
        .first()
    )
    arranged = Q(status=Meeting.Status.ACCEPTED, starts_at__gte=now)
    coming = meetings.filter(arranged | Q(status=Meeting.Status.PROPOSED)).annotate(
        offered=Count("options")
    )
    coming = coming.order_by(F("starts_at").asc(nulls_last=True), "proposed_at", "id")
    upcoming = list(coming[: UPCOMING_SHOWN + 1])
    next_meeting = next((m for m in upcoming if m.status == Meeting.Status.ACCEPTED), None)
    upcoming = [m for m in upcoming if m is not next_meeting]
    more_upcoming = len(upcoming) > UPCOMING_SHOWN
    past = meetings.exclude(arranged | Q(status=Meeting.Status.PROPOSED)).order_by(
        F("starts_at").desc(nulls_last=True), "-proposed_at", "-id"
    )
    past_page = Paginator(past, PAST_PER_PAGE).get_page(page_number)
    return {
        "next_meeting": next_meeting,
        "waiting": waiting,
        "upcoming": upcoming[:UPCOMING_SHOWN],
        "more_upcoming": more_upcoming,
        "page": past_page,
        "now": now,
    }


def _points(pair: Pair) -> dict[str, Any]:
    """A few of the scheme's published talking points, those not yet used first, and how many
    of the library the pair has used."""
    published = TalkingPoint.objects.filter(
        scheme_id=pair.cohort.scheme_id, status=TalkingPoint.Status.PUBLISHED
    )
    used = TalkingPointUse.objects.filter(pair=pair, point=OuterRef("pk"))
    shown = list(
        published.annotate(used=Exists(used)).order_by("used", "theme", "id")[:POINTS_SHOWN]
    )
    figures = published.aggregate(
        total=Count("id", distinct=True),
        used=Count("id", distinct=True, filter=Q(uses__pair=pair)),
    )
    return {"points": shown, "points_total": figures["total"], "points_used": figures["used"]}


def workspace(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_own_pair(request.user, pair_id)
    cohort = pair.cohort
    other = partner_of(pair, request.user)
    progress = selectors.progress_for([pair])[pair.pk]
    context = {
        "pair": pair,
        "cohort": cohort,
        "other": other,
        "i_am_mentor": pair.mentor_id == request.user.pk,
        "shared": profile.shared_profile(cohort, other, name=False),
        "progress": progress,
        "ended": pair.status == Pair.Status.ENDED,
        "pause": open_pause(pair) if pair.status == Pair.Status.ACTIVE else None,
        "not_now": _not_now(pair, request.user),
        "journal_count": JournalEntry.objects.filter(pair=pair, author=request.user).count(),
        **_meetings(pair, request.GET.get("page"), request.user),
        **_points(pair),
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
