"""A pair's meetings, for its two partners only: offering times (with both partners' usual
availability side by side), accepting, moving, cancelling, recording, confirming, logging one
afterwards, and the calendar file of an arranged meeting. Coordinators get 404 here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.matching.models import Pair
from flipside.notifications.calendar import build_calendar, calendar_response
from flipside.recruitment.models import AVAILABILITY_SLOTS, PARTS_OF_DAY, WEEKDAYS, Application

from ..forms import LogForm, OptionsForm, RecordForm
from ..models import Meeting
from ..permissions import NotNow, get_own_meeting, get_own_pair, partner_of, require_can_act
from ..services import PartnershipError
from ..services import meetings as services

Status = Meeting.Status


def _not_now(pair: Pair, user: Any) -> str:
    try:
        require_can_act(pair, user)
    except NotNow as error:
        return str(error)
    return ""


def usual_availability(pair: Pair) -> dict[str, Any]:
    """Both partners' usual weekly free times from their accepted applications, as a table
    of weekdays by parts of the day; ``None`` for a partner who gave none."""
    slots: dict[int, set[str]] = {}
    for person in (pair.mentor, pair.mentee):
        found = (
            Application.objects.filter(
                call__cohort_id=pair.cohort_id,
                applicant=person,
                status=Application.Status.ACCEPTED,
            )
            .order_by("-submitted_at", "-created_at", "-id")
            .values_list("availability", flat=True)
            .first()
        )
        slots[person.pk] = {slot for slot in found or [] if slot in AVAILABILITY_SLOTS}

    def parts(day: str, *people: int) -> str:
        """The parts of the day every one of ``people`` is free, e.g. "morning, evening"."""
        return ", ".join(
            str(label) for part, label in PARTS_OF_DAY
            if all(f"{day}-{part}" in slots[person] for person in people)
        )  # fmt: skip

    rows = [
        (label, parts(day, pair.mentor_id), parts(day, pair.mentee_id),
         parts(day, pair.mentor_id, pair.mentee_id))
        for day, label in WEEKDAYS
    ]  # fmt: skip
    return {
        "rows": rows,
        "mentor_gave": bool(slots[pair.mentor_id]),
        "mentee_gave": bool(slots[pair.mentee_id]),
    }


def _options_page(request: AuthedRequest, pair: Pair, form: OptionsForm,
                  meeting: Meeting | None = None) -> HttpResponse:  # fmt: skip
    return render(request, "partnerships/meetings/propose.html", {
        "pair": pair, "form": form, "meeting": meeting, "partner": partner_of(pair, request.user),
        "availability": usual_availability(pair), "not_now": _not_now(pair, request.user),
    })  # fmt: skip


def propose(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_own_pair(request.user, pair_id)
    form = OptionsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.propose(
                pair, by=request.user, options=data["options"], minutes=data["minutes"],
                mode=data["mode"], place=data["place"],
            )  # fmt: skip
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your times have been sent to your partner."))
            return redirect("partnerships:meeting", meeting.pk)
    return _options_page(request, pair, form)


def reschedule(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """Offer other times: a counter-proposal, or moving an arranged meeting."""
    meeting = get_own_meeting(request.user, meeting_id)
    initial = {"minutes": meeting.minutes, "mode": meeting.mode, "place": meeting.place}
    form = OptionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reschedule(
                meeting, by=request.user, options=data["options"], minutes=data["minutes"],
                mode=data["mode"], place=data["place"],
            )  # fmt: skip
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your new times have been sent to your partner."))
            return redirect("partnerships:meeting", meeting.pk)
    return _options_page(request, meeting.pair, form, meeting)


def log(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = get_own_pair(request.user, pair_id)
    form = LogForm(request.POST or None, scheme_id=pair.cohort.scheme_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.log(
                pair, by=request.user, starts_at=data["starts_at"], minutes=data["minutes"],
                mode=data["mode"], talking_point_ids=[p.pk for p in data.get("talking_points", [])],
            )  # fmt: skip
        except PartnershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Meeting logged. Your partner is asked to confirm it."))
            return redirect("partnerships:meeting", meeting.pk)
    return render(request, "partnerships/meetings/log.html", {
        "pair": pair, "form": form, "partner": partner_of(pair, request.user),
        "window": services.log_window_days(pair), "not_now": _not_now(pair, request.user),
    })  # fmt: skip


def _meeting_page(
    request: AuthedRequest, meeting: Meeting, record_form: RecordForm | None = None
) -> HttpResponse:
    user, pair = request.user, meeting.pair
    not_now = _not_now(pair, user)
    started = meeting.starts_at is not None and meeting.starts_at <= timezone.now()
    live = meeting.status in (Status.PROPOSED, Status.ACCEPTED)
    can = {
        "accept": not not_now and meeting.status == Status.PROPOSED
        and meeting.proposed_by_id != user.pk,
        # Once an arranged meeting's time has come it is recorded (held or not), not moved.
        "reschedule": not not_now and live and not (meeting.status == Status.ACCEPTED and started),
        "cancel": live,
        "record": not not_now and meeting.status == Status.ACCEPTED and started,
        "answer": not not_now and meeting.record == Meeting.Record.UNCONFIRMED
        and meeting.recorded_by_id != user.pk,
        "calendar": meeting.status == Status.ACCEPTED,
    }  # fmt: skip
    if can["record"] and record_form is None:
        record_form = RecordForm(scheme_id=pair.cohort.scheme_id, initial={"mode": meeting.mode,
                                 "minutes": meeting.minutes})  # fmt: skip
    return render(request, "partnerships/meetings/meeting.html", {
        "meeting": meeting, "pair": pair, "partner": partner_of(pair, user), "can": can,
        "not_now": not_now, "options": list(meeting.options.all()) if live else [],
        "record_form": record_form, "points": list(meeting.talking_points.all()),
        "when": services.when_text(meeting.starts_at) if meeting.starts_at else "",
        "where": services.where_text(meeting),
    })  # fmt: skip


def meeting(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    return _meeting_page(request, get_own_meeting(request.user, meeting_id))


@require_POST
def accept(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = get_own_meeting(request.user, meeting_id)
    try:
        option = int(request.POST.get("option", ""))
    except ValueError:
        messages.error(request, _("Choose one of the times offered."))
        return redirect("partnerships:meeting", meeting.pk)
    return _act(request, meeting, lambda: services.accept(meeting, option, by=request.user),
                _("Meeting arranged. You have both been sent a calendar invitation."))  # fmt: skip


@require_POST
def cancel(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = get_own_meeting(request.user, meeting_id)
    return _act(request, meeting, lambda: services.cancel(meeting, by=request.user),
                _("Meeting cancelled. It does not count as a missed meeting."))  # fmt: skip


@require_POST
def answer(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = get_own_meeting(request.user, meeting_id)
    if request.POST.get("answer") not in ("confirm", "dispute"):
        messages.error(request, _("Choose whether the record is right."))
        return redirect("partnerships:meeting", meeting.pk)
    confirm = request.POST["answer"] == "confirm"
    done = _("Thank you: record confirmed.") if confirm else _("Thank you: record disputed.")
    return _act(
        request, meeting, lambda: services.answer(meeting, by=request.user, confirm=confirm), done
    )


def _act(request: AuthedRequest, meeting: Meeting, change: Any, done: str) -> HttpResponse:
    try:
        change()
    except PartnershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("partnerships:meeting", meeting.pk)


@require_POST
def record(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = get_own_meeting(request.user, meeting_id)
    form = RecordForm(request.POST, scheme_id=meeting.pair.cohort.scheme_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record(
                meeting, by=request.user, held=data["held"], minutes=data["minutes"],
                mode=data["mode"] or None,
                talking_point_ids=[p.pk for p in data.get("talking_points", [])],
            )  # fmt: skip
        except PartnershipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Meeting recorded. Your partner is asked to confirm it."))
        return redirect("partnerships:meeting", meeting.pk)
    return _meeting_page(request, meeting, form)


def calendar(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = get_own_meeting(request.user, meeting_id)
    if meeting.status != Status.ACCEPTED:
        raise Http404
    content = build_calendar([services.meeting_event(meeting)])
    return calendar_response(content, f"meeting-{meeting.pk}.ics")
