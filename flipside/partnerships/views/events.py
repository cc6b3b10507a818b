"""Reflection events: the cohort's list, one event, adding, editing and cancelling, replies,
the attendance register, the coordinators' notes and the calendar file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.notifications.calendar import build_calendar, calendar_response
from flipside.privacy import audit
from flipside.schemes.models import Membership, Stage
from flipside.schemes.permissions import Action, can, get_cohort

from .. import forms_events as forms
from ..models import EventReply, ReflectionEvent
from ..permissions import get_event
from ..services import PartnershipError
from ..services import events as services

PER_PAGE = 25
Answer = EventReply.Answer


def _with_counts(events: QuerySet[ReflectionEvent]) -> QuerySet[ReflectionEvent]:
    return events.annotate(
        invited=Count("replies"),
        yes=Count("replies", filter=Q(replies__answer=Answer.YES)),
        no=Count("replies", filter=Q(replies__answer=Answer.NO)),
        maybe=Count("replies", filter=Q(replies__answer=Answer.MAYBE)),
        present=Count("replies", filter=Q(replies__attendance=EventReply.Attendance.PRESENT)),
    )


def _invitee(user: Any, cohort_id: int) -> bool:
    return Membership.objects.filter(
        cohort_id=cohort_id, user=user, role__in=services.INVITED_ROLES
    ).exists()


def events(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.TAKE_PART)
    if cohort.stage == Stage.RUNNING:
        services.ensure_default_events(cohort)  # once; nothing is written after that
    manage = can(request.user, Action.MANAGE, cohort)
    listed = _with_counts(cohort.reflection_events.order_by("starts_at", "pk"))
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    mine = {
        row.event_id: row
        for row in EventReply.objects.filter(event__in=list(page), user=request.user)
    }
    rows = [(event, mine.get(event.pk), services.when_text(event.starts_at)) for event in page]
    context = {
        "cohort": cohort,
        "manage": manage,
        "page": page,
        "rows": rows,
        "now": timezone.now(),
        "can_view_cohort": manage or can(request.user, Action.VIEW, cohort),
    }
    return render(request, "partnerships/events/list.html", context)


def event(request: AuthedRequest, event_id: int) -> HttpResponse:
    """The event; coordinators also send invitations from here (POST)."""
    found = get_event(request.user, event_id, Action.TAKE_PART)
    manage = can(request.user, Action.MANAGE, found.cohort)
    if request.method == "POST":
        if not manage:
            return HttpResponse(status=405)
        try:
            invited = services.send_invitations(found, by=request.user)
        except PartnershipError as error:
            messages.error(request, str(error))
        else:
            if invited:
                messages.success(
                    request,
                    ngettext(
                        "Invitation sent to %(n)s person.",
                        "Invitations sent to %(n)s people.",
                        invited,
                    )
                    % {"n": invited},
                )
            else:
                messages.info(request, _("Everyone has already been invited."))
        return redirect("partnerships:event", found.pk)
    counted: Any = _with_counts(ReflectionEvent.objects.filter(pk=found.pk)).get()
    context = {
        "event": found,
        "cohort": found.cohort,
        "when": services.when_text(found.starts_at),
        "manage": manage,
        "counts": counted,
        "uninvited": (
            services.invitees(found.cohort).exclude(user__in=found.replies.values("user")).count()
            if manage
            else 0
        ),
        "reply": EventReply.objects.filter(event=found, user=request.user).first(),
        "can_reply": _invitee(request.user, found.cohort_id),
        "is_past": found.starts_at <= timezone.now(),
        "answers": [Answer.YES, Answer.MAYBE, Answer.NO],
        "can_view_cohort": can(request.user, Action.VIEW, found.cohort),
    }
    return render(request, "partnerships/events/detail.html", context)


def calendar(request: AuthedRequest, event_id: int) -> HttpResponse:
    found = get_event(request.user, event_id, Action.TAKE_PART)
    if found.cancelled_at is not None:
        entry = services.calendar_event(found, organiser_email=services.organiser())
        content = build_calendar([entry], method="CANCEL")
    else:
        content = build_calendar([services.calendar_event(found)], method="PUBLISH")
    audit.record(request.user, "partnerships.calendar.downloaded", found)
    return calendar_response(content, f"{slugify(found.title) or 'event'}.ics")


# --- Coordinators -------------------------------------------------------------------------


def create(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    form = forms.EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = services.create_event(cohort, by=request.user, **form.values())
        messages.success(
            request, _("Event added. Every mentor and mentee has been sent an invitation.")
        )
        return redirect("partnerships:event", created.pk)
    return render(request, "partnerships/events/form.html", {"form": form, "cohort": cohort})


def _saved_now(latest: ReflectionEvent) -> Saved:
    return [
        (_("Title"), latest.title),
        (_("When"), services.when_text(latest.starts_at)),
        (_("Length in minutes"), latest.minutes),
        (_("Place"), latest.location),
        (_("Online link"), latest.online_url),
    ]


def edit(request: AuthedRequest, event_id: int) -> HttpResponse:
    found = get_event(request.user, event_id, Action.MANAGE)
    if found.cancelled_at is not None:
        messages.error(request, _("This event has been cancelled, so it cannot be changed."))
        return redirect("partnerships:event", found.pk)
    form = forms.EventForm(request.POST or None, event=found)
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(
                found, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: forms.EventForm(data, event=latest),
                saved=_saved_now,
            )
        else:
            messages.success(request, _("Event saved. Everyone invited has been told."))
            return redirect("partnerships:event", found.pk)
    context = {"form": form, "cohort": found.cohort, "event": found, "saved": saved}
    return render(request, "partnerships/events/form.html", context)


@require_POST
def cancel(request: AuthedRequest, event_id: int) -> HttpResponse:
    found = get_event(request.user, event_id, Action.MANAGE)
    already = found.cancelled_at is not None
    services.cancel_event(found, by=request.user)
    if already:
        messages.info(request, _("This event was already cancelled."))
    else:
        messages.success(request, _("Event cancelled. Everyone invited has been told."))
    return redirect("partnerships:events", found.cohort_id)


@require_POST
def reply(request: AuthedRequest, event_id: int) -> HttpResponse:
    found = get_event(request.user, event_id, Action.TAKE_PART)
    try:
        row = services.reply(found, user=request.user, answer=request.POST.get("answer", ""))
    except PartnershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Thank you. Your reply is saved: %(answer)s.")
            % {"answer": str(row.get_answer_display()).lower()},
        )
    if request.POST.get("from") == "list":
        return redirect("partnerships:events", found.cohort_id)
    return redirect("partnerships:event", found.pk)


def register(request: AuthedRequest, event_id: int) -> HttpResponse:
    found = get_event(request.user, event_id, Action.MANAGE)
    rows = found.replies.select_related("user").order_by("user__display_name", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = f"?page={page.number}" if page.number > 1 else ""
    back = reverse("partnerships:event_register", args=[found.pk]) + query
    opens_at = found.starts_at - services.REGISTER_OPENS
    is_open = timezone.now() >= opens_at and found.cancelled_at is None
    form = forms.RegisterForm(request.POST or None, replies=list(page))
    if request.method == "POST":
        if not is_open:
            messages.error(request, _("The register is not open, so nothing was saved."))
            return redirect(back)
        if form.is_valid():
            try:
                services.mark_attendance(found, form.changes(), by=request.user)
            except PartnershipError as error:
                form.add_error(None, _("Nothing was saved. %(problem)s") % {"problem": error})
            else:
                messages.success(request, _("Register saved."))
                return redirect(back)
    context = {
        "event": found,
        "cohort": found.cohort,
        "when": services.when_text(found.starts_at),
        "form": form,
        "page": page,
        "query": query,
        "is_open": is_open,
        "opens_at": services.when_text(opens_at),
    }
    return render(request, "partnerships/events/register.html", context)


def notes(request: AuthedRequest, event_id: int) -> HttpResponse:
    found = get_event(request.user, event_id, Action.MANAGE)
    initial = {"notes": found.notes, "version": found.version}
    form = forms.NotesForm(request.POST or None, initial=initial)
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.save_notes(
                found,
                notes=form.cleaned_data["notes"],
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: forms.NotesForm(data),
                saved=lambda latest: [(_("Themes that came up"), latest.notes)],
            )
        else:
            messages.success(request, _("Notes saved. Only coordinators can read them."))
            return redirect("partnerships:event", found.pk)
    context = {"event": found, "cohort": found.cohort, "form": form, "saved": saved}
    return render(request, "partnerships/events/notes.html", context)
