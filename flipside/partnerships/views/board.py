"""The coordinators' progress board: every pair's meetings held against those expected by
today, nudges, pausing and resuming, and the cohort's partnership settings. Coordinators see
that a pair meets, never what was said."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.lib.denied import Hidden
from flipside.lib.text import isolate
from flipside.matching.models import Pair
from flipside.notifications.kinds import get_kind
from flipside.notifications.selectors import wording_for

from .. import board as reads
from ..forms_board import BoardFilterForm, NudgeForm, PauseForm, SettingsForm
from ..models import PartnershipSettings
from ..permissions import get_managed_cohort, get_managed_pair
from ..progress import STATUSES
from ..services import PartnershipError, pauses
from ..services import nudges as nudge_service
from ..services import settings as settings_service

PER_PAGE = 50
NUDGE_SHOWN = 20  # the pairs named before a nudge to many; the rest are counted


def _bars(counts: dict[str, int]) -> list[dict[str, object]]:
    longest = max(counts.values(), default=0) or 1
    return [
        {"key": key, "label": STATUSES[key], "value": counts[key],
         "width": round(counts[key] * 100 / longest)}
        for key in STATUSES
    ]  # fmt: skip


def board(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_managed_cohort(request.user, cohort_id)
    form = BoardFilterForm(request.GET)
    filters = form.filters()
    q, status, sort = filters.get("q", ""), filters.get("status", ""), filters.get("sort", "")
    counts = reads.status_counts(cohort)
    found = reads.listing(cohort, q=q, statuses=(status,) if status else (), sort=sort)
    paginator = Paginator(found, PER_PAGE)
    if not q:
        # Without a name search the counts by status already say how long the list is.
        paginator.count = counts.get(status, 0) if status else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "cohort": cohort,
        "form": form,
        "filters": {k: v for k, v in filters.items() if k != "sort"},
        "sort": sort,
        "page": page,
        "rows": list(page.object_list),
        "counts": counts,
        "bars": _bars(counts),
        "total": sum(counts.values()),
        "needing_nudge": sum(counts[key] for key in reads.NEEDS_NUDGE),
        "expected": reads.expected_for(cohort),
    }
    return render(request, "partnerships/board.html", context)


def nudge(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    """Nudge one pair (?pair=<id>) or every active pair behind, at risk or without contact."""
    cohort = get_managed_cohort(request.user, cohort_id)
    pair_id = request.GET.get("pair") or request.POST.get("pair") or ""
    one: Pair | None = None
    if pair_id:
        if not pair_id.isdigit() or len(pair_id) > 18:
            raise Http404
        one = get_managed_pair(request.user, int(pair_id))
        if one.cohort_id != cohort.pk:
            raise Hidden
    found = (reads.listing(cohort, pair=one.pk) if one
             else reads.listing(cohort, statuses=reads.NEEDS_NUDGE))  # fmt: skip
    # The pairs needing a nudge are all active; one pair named may have ended.
    shown = [row for row in found[:NUDGE_SHOWN] if row.status == Pair.Status.ACTIVE]
    total = len(shown) if one else len(found)
    expected = reads.expected_for(cohort)
    if request.method == "POST":
        form = NudgeForm(request.POST)
        if form.is_valid():
            everyone = shown if total <= NUDGE_SHOWN else found[: len(found)]
            try:
                result = nudge_service.nudge_pairs(
                    cohort, _pairs(everyone), by=request.user, expected=expected,
                    subject=form.cleaned_data["subject"], body=form.cleaned_data["body"],
                    token=form.cleaned_data["token"],
                )  # fmt: skip
            except PartnershipError as error:
                form.add_error(None, str(error))
            else:
                _tell(request, result)
                return redirect("partnerships:board", cohort.pk)
    else:
        wording = wording_for(cohort.scheme, get_kind(nudge_service.KIND))
        form = NudgeForm(
            initial={"subject": wording.subject, "body": wording.body, "token": uuid.uuid4().hex}
        )
    context = {"cohort": cohort, "form": form, "one": one, "shown": shown, "total": total,
               "expected": expected}  # fmt: skip
    return render(request, "partnerships/nudge.html", context)


def _pairs(rows: list[reads.BoardRow]) -> list[Pair]:
    """The pairs of the board's rows, in their order, with both partners and ``held``."""
    found = Pair.objects.select_related("mentor", "mentee").in_bulk([row.pk for row in rows])
    pairs = []
    for row in rows:
        pair = found[row.pk]
        pair.held = row.held  # type: ignore[attr-defined]
        pairs.append(pair)
    return pairs


def _tell(request: AuthedRequest, result: nudge_service.Nudged) -> None:
    if result.pairs:
        messages.success(
            request,
            ngettext("Nudge sent: %(n)s person emailed.", "Nudge sent: %(n)s people emailed.",
                     result.emailed) % {"n": result.emailed}
            + ("" if result.emailed == result.pairs * 2 else " " + _(
                "The others have turned off optional emails.")),
        )  # fmt: skip
    if result.skipped:
        messages.info(
            request,
            ngettext(
                "%(n)s pair was not nudged again: it was nudged in the last hour.",
                "%(n)s pairs were not nudged again: they were nudged in the last hour.",
                result.skipped,
            ) % {"n": result.skipped},
        )  # fmt: skip
    if not result.pairs and not result.skipped:
        messages.info(request, _("No pair needed a nudge, so nobody was emailed."))


def pause(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_managed_pair(request.user, pair_id)
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pauses.pause_pair(pair, by=request.user, reason=form.cleaned_data["reason"])
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The partnership of %(a)s and %(b)s is paused.") % _names(pair)
            )
            return redirect("partnerships:board", pair.cohort_id)
    context = {"pair": pair, "cohort": pair.cohort, "form": form,
               "paused": pauses.open_pause(pair)}  # fmt: skip
    return render(request, "partnerships/board_pause.html", context)


@require_POST
def resume(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_managed_pair(request.user, pair_id)
    if pauses.resume_pair(pair, by=request.user):
        messages.success(
            request, _("The partnership of %(a)s and %(b)s is resumed.") % _names(pair)
        )
    else:
        messages.info(request, _("This partnership was not paused."))
    return redirect("partnerships:board", pair.cohort_id)


def _names(pair: Pair) -> dict[str, str]:
    return {"a": isolate(pair.mentor.display_name), "b": isolate(pair.mentee.display_name)}


def settings_edit(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_managed_cohort(request.user, cohort_id)
    current = settings_service.settings_for(cohort)
    form = SettingsForm(
        request.POST or None, instance=current, initial={"version": current.version}
    )
    saved: Saved | None = None
    if request.method == "POST" and form.is_valid():
        try:
            settings_service.update_settings(
                cohort, by=request.user, version=form.cleaned_data["version"],
                log_window_days=form.cleaned_data["log_window_days"],
            )  # fmt: skip
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST, conflict,
                build=lambda data, latest: SettingsForm(data, instance=latest),
                saved=_saved,
            )  # fmt: skip
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Partnership settings saved."))
            return redirect("partnerships:board", cohort.pk)
    return render(request, "partnerships/settings.html",
                  {"cohort": cohort, "form": form, "saved": saved})  # fmt: skip


def _saved(latest: PartnershipSettings) -> Saved:
    return [(_("Days after a meeting to log it"), latest.log_window_days)]
