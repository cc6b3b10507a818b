"""Training sessions: the cohort's list, one session, adding and editing, booking, assigning
people and the attendance register."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.conflicts import EditConflict, Saved, form_after_conflict
from flipside.lib.dates import clock_time
from flipside.notifications.calendar import build_calendar, calendar_response
from flipside.privacy import audit
from flipside.schemes.models import Membership
from flipside.schemes.permissions import Action, can, get_cohort

from .. import services
from ..forms import sessions as forms
from ..forms.sessions import posted_people
from ..models import AUDIENCE_ROLES, Booking, TrainingSession
from ..permissions import get_session

Status = Booking.Status
REGISTER_OPENS = datetime.timedelta(hours=1)
PER_PAGE = 50


# --- Reading ------------------------------------------------------------------------------


@dataclass
class Row:
    session: TrainingSession
    booking: Booking | None
    for_me: bool
    when: str


def _roles(user: Any, cohort: Any) -> set[str]:
    return set(Membership.objects.filter(cohort=cohort, user=user).values_list("role", flat=True))


def _for_roles(roles: set[str]) -> list[str]:
    return [audience for audience, allowed in AUDIENCE_ROLES.items() if allowed & roles]


def _with_counts(sessions: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return sessions.annotate(
        booked=Count("bookings", filter=Q(bookings__status=Status.BOOKED)),
        waiting=Count("bookings", filter=Q(bookings__status=Status.WAITING)),
    )


def _own_booking(session: TrainingSession, user: Any) -> Booking | None:
    return session.bookings.filter(user=user).exclude(status=Status.CANCELLED).first()


def _waiting_position(booking: Booking) -> int:
    earlier = Q(booked_at__lt=booking.booked_at) | Q(booked_at=booking.booked_at, pk__lt=booking.pk)
    return booking.session.bookings.filter(earlier, status=Status.WAITING).count() + 1


def when(session: TrainingSession) -> str:
    """UK time as GOV.UK writes it: "Tuesday 12 January 2027, 2pm to 4pm"."""
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    day = formats.date_format(start, "l j F Y")
    if end.date() != start.date():
        end_day = formats.date_format(end, "l j F Y")
        return _("%(day)s, %(start)s to %(end_day)s, %(end)s") % {
            "day": day, "start": clock_time(start), "end_day": end_day, "end": clock_time(end),
        }  # fmt: skip
    return _("%(day)s, %(start)s to %(end)s") % {
        "day": day, "start": clock_time(start), "end": clock_time(end),
    }  # fmt: skip


def _upcoming_first(sessions: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    """Upcoming sessions soonest first, then past ones latest first, ordered by the database."""
    past = Q(starts_at__lte=timezone.now())
    return sessions.annotate(
        past=Case(When(past, then=Value(1)), default=Value(0)),
        upcoming_at=Case(When(~past, then=F("starts_at"))),
    ).order_by("past", F("upcoming_at").asc(nulls_last=True), "-starts_at", "pk")


def session_list(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.TAKE_PART)
    manage = can(request.user, Action.MANAGE, cohort)
    mine = _for_roles(_roles(request.user, cohort))
    sessions = cohort.training_sessions.all()
    if not manage and mine:
        sessions = sessions.filter(audience__in=mine)
    page = Paginator(_with_counts(_upcoming_first(sessions)), PER_PAGE).get_page(
        request.GET.get("page")
    )
    bookings = {
        b.session_id: b
        for b in Booking.objects.filter(session__in=list(page), user=request.user).exclude(
            status=Status.CANCELLED
        )
    }
    rows = [Row(s, bookings.get(s.pk), s.audience in mine, when(s)) for s in page]
    context = {
        "cohort": cohort,
        "manage": manage,
        "participant": bool(mine),
        "page": page,
        "upcoming": [row for row in rows if not row.session.is_past],
        "past": [row for row in rows if row.session.is_past],
        # Whoever manages a cohort may view it (viewable_cohorts includes managed_cohorts).
        "can_view_cohort": manage or can(request.user, Action.VIEW, cohort),
    }
    return render(request, "training/session_list.html", context)


def session_detail(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session(request.user, session_id, Action.TAKE_PART)
    manage = can(request.user, Action.MANAGE, session.cohort)
    booking = _own_booking(session, request.user)
    counted: Any = _with_counts(TrainingSession.objects.filter(pk=session.pk)).get()
    context = {
        "session": session,
        "cohort": session.cohort,
        "when": when(session),
        "manage": manage,
        "booking": booking,
        "position": _waiting_position(booking) if booking and booking.status == "waiting" else 0,
        "for_me": session.audience in _for_roles(_roles(request.user, session.cohort)),
        "places_left": max(session.capacity - counted.booked, 0),
        "waiting": counted.waiting,
        "can_view_cohort": can(request.user, Action.VIEW, session.cohort),
    }
    if manage:
        context["people"] = session.bookings.exclude(status=Status.CANCELLED).select_related("user")
        context["assign_form"] = forms.AssignForm(eligible=_eligible(session))
    return render(request, "training/session_detail.html", context)


def session_calendar(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session(request.user, session_id, Action.TAKE_PART)
    content = build_calendar([services.session_event(session)], method="PUBLISH")
    audit.record(request.user, "training.calendar.downloaded", session)
    return calendar_response(content, f"{slugify(session.title) or 'training'}.ics")


# --- Coordinators: adding, editing and cancelling -----------------------------------------


def session_create(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_cohort(request.user, cohort_id, Action.MANAGE)
    form = forms.SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = services.create_session(cohort, by=request.user, **form.values())
        messages.success(request, _("Session added. Participants can now book a place."))
        return redirect("training:session", session.pk)
    return render(request, "training/session_form.html", {"form": form, "cohort": cohort})


def _booked(session: TrainingSession) -> int:
    return session.bookings.filter(status=Status.BOOKED).count()


def session_edit(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session(request.user, session_id, Action.MANAGE)
    if session.cancelled_at is not None:
        messages.error(request, _("This session has been cancelled, so it cannot be changed."))
        return redirect("training:session", session.pk)
    form = forms.SessionForm(request.POST or None, session=session, booked=_booked(session))
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(
                session, by=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except EditConflict as conflict:
            form, saved = form_after_conflict(
                request.POST,
                conflict,
                build=lambda data, latest: forms.SessionForm(
                    data, session=latest, booked=_booked(latest)
                ),
                saved=_saved_now,
            )
        else:
            messages.success(request, _("Session saved. Everyone booked has been told."))
            return redirect("training:session", session.pk)
    context = {"form": form, "cohort": session.cohort, "session": session, "saved": saved}
    return render(request, "training/session_form.html", context)


def _saved_now(latest: TrainingSession) -> Saved:
    return [
        (_("Title"), latest.title),
        (_("When"), when(latest)),
        (_("Location"), latest.location),
        (_("Online link"), latest.online_url),
        (_("Places"), latest.capacity),
        (_("Facilitator"), latest.facilitator),
    ]


def session_cancel(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session(request.user, session_id, Action.MANAGE)
    if request.method == "POST":
        services.cancel_session(session, by=request.user)
        messages.success(request, _("Session cancelled. Everyone booked has been told."))
        return redirect("training:sessions", session.cohort_id)
    context = {"session": session, "cohort": session.cohort, "when": when(session)}
    context["booked"] = _booked(session)
    return render(request, "training/session_cancel.html", context)


# --- Booking ------------------------------------------------------------------------------


def _back(request: AuthedRequest, session: TrainingSession) -> HttpResponse:
    if request.POST.get("from") == "list":
        url = reverse("training:sessions", args=[session.cohort_id])
        page = request.POST.get("page", "")
        # Back to the page of the list the button was on.
        return redirect(f"{url}?page={page}" if page.isdecimal() and len(page) < 6 else url)
    return redirect("training:session", session.pk)


def _booked_message(booking: Booking) -> str:
    if booking.status == Status.WAITING:
        return _("The session is full: you are number %(n)s on the waiting list.") % {
            "n": _waiting_position(booking)
        }
    return _("You have a place. We have emailed you a calendar invitation.")


@require_POST
def book(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session(request.user, session_id, Action.TAKE_PART)
    try:
        booking = services.book(session, user=request.user, by=request.user)
    except services.TrainingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _booked_message(booking))
    return _back(request, session)


@require_POST
def cancel_booking(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session(request.user, session_id, Action.TAKE_PART)
    booking = _own_booking(session, request.user)
    try:
        services.cancel_booking(session, user=request.user, by=request.user)
    except services.TrainingError as error:
        messages.error(request, str(error))
    else:
        if booking is None:
            messages.info(request, _("You had no place to cancel."))
        elif booking.status == Status.WAITING:
            messages.success(request, _("You are no longer on the waiting list."))
        else:
            messages.success(request, _("Your place is cancelled."))
    return _back(request, session)


def _eligible(session: TrainingSession) -> QuerySet[Any]:
    """Members whose role the session is for and who have no place or waiting-list place."""
    from django.contrib.auth import get_user_model

    taken = session.bookings.exclude(status=Status.CANCELLED).values("user")
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__cohort=session.cohort_id,
            memberships__role__in=AUDIENCE_ROLES[session.audience],
        )
        .exclude(pk__in=taken)
        .distinct()
        .order_by("display_name", "pk")
    )


@require_POST
def assign(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session(request.user, session_id, Action.MANAGE)
    form = forms.AssignForm(request.POST, eligible=_eligible(session))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("training:session", session.pk)
    try:
        with transaction.atomic():
            statuses = [
                services.book(session, user=person, by=request.user).status
                for person in form.cleaned_data["people"]
            ]
    except services.TrainingError as error:
        messages.error(request, _("Nobody was booked. %(problem)s") % {"problem": error})
    else:
        messages.success(request, _assigned_message(statuses.count(Status.BOOKED), statuses))
    return redirect("training:session", session.pk)


def _assigned_message(booked: int, statuses: list[str]) -> str:
    waiting = statuses.count(Status.WAITING)
    message = ngettext(
        "%(n)s person booked.", "%(n)s people booked.", booked
    ) % {"n": booked}  # fmt: skip
    if waiting:
        message += " " + ngettext(
            "%(n)s person added to the waiting list.",
            "%(n)s people added to the waiting list.",
            waiting,
        ) % {"n": waiting}
    return message


# --- The register -------------------------------------------------------------------------


def _register_rows(session: TrainingSession, *, q: str = "", attendance: str = "") -> Any:
    """The session's booked places for the register, by name; ``q`` matches a name."""
    booked = session.bookings.filter(status=Status.BOOKED).select_related("user")
    if q:
        booked = booked.filter(user__display_name__icontains=q)
    if attendance:
        booked = booked.filter(attendance=attendance)
    return booked.order_by("user__display_name", "pk")


def _register_query(query: Any) -> str:
    """The register's search, filter and page, to return to after saving."""
    kept = forms.RegisterFilterForm(query).filters()
    page = query.get("page", "")
    if page.isdecimal() and len(page) < 6:
        kept["page"] = page
    return f"?{urlencode(kept)}" if kept else ""


def _marked_on(page: Any, session: TrainingSession, data: Any) -> list[Booking]:
    """The page's places plus any posted from a page that has since moved (someone else
    marked or cancelled meanwhile), so choices made are never dropped."""
    shown = list(page)
    others = posted_people(data) - {b.user_id for b in shown}
    if others:
        booked = session.bookings.filter(status=Status.BOOKED, user_id__in=others)
        shown += booked.select_related("user").order_by("user__display_name", "pk")
    return shown


def register(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_session(request.user, session_id, Action.MANAGE)
    filter_form = forms.RegisterFilterForm(request.GET)
    filters = filter_form.filters()
    page = Paginator(_register_rows(session, **filters), PER_PAGE).get_page(request.GET.get("page"))
    query = _register_query(request.GET)
    back = reverse("training:register", args=[session.pk]) + query
    opens_at = session.starts_at - REGISTER_OPENS
    is_open = timezone.now() >= opens_at and session.cancelled_at is None
    if request.method == "POST" and not is_open:
        messages.error(request, _("The register is not open, so nothing was saved."))
        return redirect(back)
    bookings = _marked_on(page, session, request.POST) if request.method == "POST" else page
    form = forms.RegisterForm(request.POST or None, bookings=bookings)
    if request.method == "POST" and form.is_valid():
        try:
            _mark(session, form.changes(), by=request.user)
        except services.TrainingError as error:
            form.add_error(None, _("Nothing was saved. %(problem)s") % {"problem": error})
        else:
            messages.success(request, _("Register saved."))
            return redirect(back)
    context = {
        "session": session,
        "cohort": session.cohort,
        "when": when(session),
        "form": form,
        "filter_form": filter_form,
        "filtered": bool(filters),
        "page": page,
        "query": query,
        "booked": page.paginator.count if not filters else _register_rows(session).count(),
        "is_open": is_open,
        "opens_at": opens_at,
    }
    return render(request, "training/register.html", context)


def _mark(session: TrainingSession, changes: list[tuple[Any, str]], *, by: Any) -> None:
    with transaction.atomic():
        for person, attendance in changes:
            services.mark_attendance(session, user=person, attendance=attendance, by=by)
