"""Timesheets: a mentor's lines (claimed from real activity or written by hand), submitting
them, and coordinators' review line by line.

A line's states: draft → submitted (the mentor submits the timesheet) → approved, queried or
rejected (a coordinator). A queried line goes back to its mentor, who changes or removes it
and submits again. An approved line waits for a payment run; once in one it is frozen, and a
correction is a new adjusting line.

Every write of one mentor's lines locks that person's row first, so the checks that add up
their hours (a day's 24 hours, the cohort's caps, a weekly limit on hours across every
cohort) read totals nobody else is changing at that moment. Each line is priced when it is
added or changed, and again when it is approved: hours × the rate value in force on its
date, rounded once to the penny (``money.price``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from flipside.accounts.models import User
from flipside.lib.conflicts import EditConflict
from flipside.lib.sql import fetch, field_of
from flipside.privacy import audit
from flipside.schemes.models import Cohort
from flipside.schemes.permissions import roles_of

from .. import activity, kept, money
from ..models import MAX_HOURS_A_DAY, Employment, Line, PaySettings, Policy, Timesheet
from . import PayError
from .rates import employment_of, pay_settings_of

Status = Line.Status
EDITABLE = (Status.DRAFT, Status.QUERIED)
DECIDABLE = (Status.SUBMITTED,)
REVISABLE = (Status.SUBMITTED, Status.APPROVED)  # a decision not yet paid can be revised
WARN_AT = Decimal("0.8")  # pages warn when a week reaches 80% of its limit
MAX_MESSAGE = 500
MAX_DESCRIPTION = 300
ALREADY_CLAIMED = _lazy("That activity has already been claimed.")
NOT_PAID = _lazy("This cohort does not pay for that kind of activity.")
NOT_YOURS = _lazy("That is not an activity of yours in this cohort, so it cannot be claimed.")


class LineConflict(PayError, EditConflict):
    """The line changed after the page showing it was drawn."""


# --- Words ----------------------------------------------------------------------------------


hours_text = activity.hours_text


def day_text(day: datetime.date) -> str:
    return formats.date_format(day, "j F Y")


def _month_text(day: datetime.date) -> str:
    return formats.date_format(day, "F Y")


# --- Periods and timesheets -----------------------------------------------------------------


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last days of the calendar month containing ``day``."""
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Monday and Sunday of the week containing ``day``."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def timesheet_for(cohort: Cohort, mentor: User, day: datetime.date) -> Timesheet:
    """The mentor's timesheet for the calendar month containing ``day`` in the cohort, made
    the first time it is needed (also when two requests need it at once)."""
    start, end = month_of(day)
    found = Timesheet.objects.filter(cohort=cohort, mentor=mentor, period_start=start).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Timesheet.objects.create(
                cohort=cohort, mentor=mentor, period_start=start, period_end=end
            )
    except IntegrityError:  # made meanwhile by another request
        return Timesheet.objects.get(cohort=cohort, mentor=mentor, period_start=start)


# --- Reading hours --------------------------------------------------------------------------


def read_hours(value: object) -> Decimal:
    """Hours as given (text or Decimal): a number above 0 and at most 24, with at most two
    decimal places. Anything else is refused with a message saying what to enter."""
    if isinstance(value, float):  # never: a float is not exact
        raise PayError(_("Enter the hours as a number, such as 1.5."))
    hours = money.parse_hours(value)
    if hours is None:
        raise PayError(
            _("Enter the hours as a number with at most two decimal places, such as 1.5.")
        )
    if hours <= 0:
        raise PayError(_("Enter more than 0 hours."))
    if hours > MAX_HOURS_A_DAY:
        raise PayError(_("Enter at most 24 hours: a day has 24 hours."))
    return hours.quantize(Decimal("0.01"))


# --- Checks on every line added or changed --------------------------------------------------


def _check_not_future(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise PayError(
            _("%(day)s is in the future. Claim time once the work is done.")
            % {"day": day_text(day)}
        )


def _check_date(timesheet: Timesheet, day: datetime.date) -> None:
    _check_not_future(day)
    if not timesheet.covers(day):
        raise PayError(
            _(
                "%(day)s is not in this timesheet, which is for %(month)s. Add it to the "
                "timesheet of its own month."
            )
            % {"day": day_text(day), "month": _month_text(timesheet.period_start)}
        )


def hours_so_far(
    mentor_id: int, cohort_id: int, day: datetime.date, *, leaving_out: int | None
) -> dict[str, Decimal]:
    """The mentor's hours on their lines not rejected (one query): on ``day`` and in its
    week across every cohort; in its month and in all of this cohort."""
    monday, sunday = week_of(day)
    first, last = month_of(day)
    lines = Line.objects.filter(mentor_id=mentor_id).exclude(status=Status.REJECTED)
    if leaving_out is not None:
        lines = lines.exclude(pk=leaving_out)
    in_cohort = Q(cohort_id=cohort_id)
    sums = lines.aggregate(
        day=Sum("hours", filter=Q(worked_on=day)),
        week=Sum("hours", filter=Q(worked_on__range=(monday, sunday))),
        month=Sum("hours", filter=in_cohort & Q(worked_on__range=(first, last))),
        cohort=Sum("hours", filter=in_cohort),
    )
    return {name: value or Decimal(0) for name, value in sums.items()}


def _check_limits(
    timesheet: Timesheet,
    *,
    day: datetime.date,
    hours: Decimal,
    settings: PaySettings,
    employment: Employment | None,
    leaving_out: int | None = None,
) -> None:
    """Refuse hours that would pass 24 in a day, the cohort's monthly or whole-cohort cap, or
    the person's weekly limit (Monday to Sunday, across months and cohorts, no averaging)."""
    totals = hours_so_far(timesheet.mentor_id, timesheet.cohort_id, day, leaving_out=leaving_out)
    values = {"hours": hours_text(hours), "day": day_text(day)}
    if totals["day"] + hours > MAX_HOURS_A_DAY:
        raise PayError(
            _(
                "You already have %(had)s hours on %(day)s, so %(hours)s more would pass 24 "
                "hours in one day."
            )
            % {**values, "had": hours_text(totals["day"])}
        )
    cap = settings.monthly_cap_hours
    if cap is not None and totals["month"] + hours > cap:
        raise PayError(
            _(
                "This cohort pays at most %(cap)s hours a month. You already have %(had)s hours "
                "in %(month)s, so %(hours)s more would go over it."
            )
            % {**values, "cap": hours_text(cap), "had": hours_text(totals["month"]),
               "month": _month_text(day)}
        )  # fmt: skip
    cap = settings.cohort_cap_hours
    if cap is not None and totals["cohort"] + hours > cap:
        raise PayError(
            _(
                "This cohort pays at most %(cap)s hours in all. You already have %(had)s hours, "
                "so %(hours)s more would go over it."
            )
            % {**values, "cap": hours_text(cap), "had": hours_text(totals["cohort"])}
        )
    limit = employment.weekly_limit_hours if employment else None
    if limit is not None and totals["week"] + hours > limit:
        monday, sunday = week_of(day)
        raise PayError(
            _(
                "You may work at most %(limit)s hours in a Monday-to-Sunday week. You already "
                "have %(had)s hours from %(monday)s to %(sunday)s, so %(hours)s more would go "
                "over it."
            )
            % {**values, "limit": hours_text(limit), "had": hours_text(totals["week"]),
               "monday": day_text(monday), "sunday": day_text(sunday)}
        )  # fmt: skip


def price_of(settings: PaySettings, day: datetime.date, hours: Decimal) -> money.Price:
    """``hours`` on ``day`` at the value of the cohort's rate in force then, with holiday pay
    when the cohort adds it."""
    if settings.rate is None:
        raise PayError(
            _("This cohort has no hourly rate yet. A coordinator chooses one in its pay settings.")
        )
    value = money.value_in_force(settings.rate, day, settings.policy)
    if value is None:
        raise PayError(
            _(
                "The %(rate)s has no value in force on %(day)s, so this time cannot be priced. "
                "A coordinator adds the value that applied then to the rate."
            )
            % {"rate": settings.rate.name, "day": day_text(day)}
        )
    holiday = settings.holiday_percent if settings.holiday_pay else None
    return money.price(hours, value, holiday_percent=holiday)


def _priced(price: money.Price) -> dict[str, Any]:
    return {
        "rate_value": price.value,
        "hourly": price.hourly,
        "amount": price.amount,
        "holiday": price.holiday,
    }


def rate_from(line: Line, policy: str) -> datetime.date | None:
    """The date the line's rate value applies from under the cohort's policy."""
    value = line.rate_value
    if value is None:
        return None
    return value.payable_from if policy == Policy.PAYABLE else value.announced_on


# --- Who may write --------------------------------------------------------------------------


def _lock_person(mentor_id: int) -> str:
    """Lock the mentor's row until the transaction ends: their totals cannot change under a
    check that reads them. Their name, which their new lines keep (``Line.sort_name``)."""
    found = User.objects.select_for_update().filter(pk=mentor_id).values_list("display_name")
    return next((name for (name,) in found), "")


def _require_mentor(timesheet: Timesheet, by: User) -> None:
    if getattr(by, "pk", None) != timesheet.mentor_id:
        raise PayError(_("Only the mentor can change their own timesheet."))


def _require_coordinator(line: Line, by: User) -> None:
    if not roles_of(by).coordinates_cohort(line.cohort):
        raise PayError(_("Only the cohort's coordinators can approve, query or reject time."))
    if by.pk == line.mentor_id:
        raise PayError(_("Another coordinator must decide on your own time."))


def _not_in_run(line: Line) -> None:
    if line.payment_run_id is not None:
        number = line.payment_run.number if line.payment_run else line.payment_run_id
        raise PayError(
            _("This line is already in payment run %(n)s; add a correction instead.")
            % {"n": number}
        )


def _touch(timesheet: Timesheet, *, reopen: bool = True) -> None:
    """A line changed: the timesheet's version rises; with something for the mentor to
    submit, it is open again."""
    values: dict[str, Any] = {"version": F("version") + 1}
    if reopen:
        values["status"] = Timesheet.Status.OPEN
    Timesheet.objects.filter(pk=timesheet.pk).update(**values)


# --- The mentor's lines ---------------------------------------------------------------------


def _add(
    timesheet: Timesheet, *, by: User, day: datetime.date, hours: Decimal, **fields: Any
) -> Line:
    settings = pay_settings_of(timesheet.cohort)
    _check_date(timesheet, day)
    price = price_of(settings, day, hours)
    name = _lock_person(timesheet.mentor_id)
    employment = employment_of(timesheet.cohort.scheme.organisation_id, timesheet.mentor_id)
    _check_limits(timesheet, day=day, hours=hours, settings=settings, employment=employment)
    line = Line.objects.create(
        timesheet=timesheet, cohort_id=timesheet.cohort_id, mentor_id=timesheet.mentor_id,
        sort_name=name, worked_on=day, hours=hours, created_by=by, **_priced(price), **fields,
    )  # fmt: skip
    _touch(timesheet)
    return line


def claim(timesheet: Timesheet, *, kind: str, activity_id: int, by: User) -> Line:
    """Claim one activity of the mentor's (``activity``), read again from the database: it
    must be theirs, of this cohort, in this timesheet's month, past, paid for by the cohort
    and not claimed before. Claiming it twice, also at the same moment, is refused."""
    _require_mentor(timesheet, by)
    settings = pay_settings_of(timesheet.cohort)
    if kind not in activity.CLAIMED_KINDS or not activity.pays_for(settings, kind):
        raise PayError(str(NOT_PAID))
    found = activity.find(timesheet.cohort, timesheet.mentor_id, kind, activity_id, settings)
    if found is None:
        raise PayError(str(NOT_YOURS))
    if found.started_at > timezone.now():
        raise PayError(_("That has not happened yet. Claim it once it is done."))
    try:
        with transaction.atomic():
            _lock_person(timesheet.mentor_id)
            if Line.objects.filter(claim=found.key).exists():
                raise PayError(str(ALREADY_CLAIMED))
            if kind == Line.Kind.PREPARATION:
                _check_meeting_claimed(activity_id)
            line = _add(
                timesheet, by=by, day=found.worked_on, hours=found.hours, kind=kind,
                description=found.title[:MAX_DESCRIPTION], claim=found.key,
                meeting_id=found.meeting_id, booking_id=found.booking_id,
                event_reply_id=found.event_reply_id,
            )  # fmt: skip
            audit.record(by, "payments.line.claimed", line, claim=found.key, hours=line.hours,
                         amount=line.amount, record=found.record)  # fmt: skip
    except IntegrityError:
        if Line.objects.filter(claim=found.key).exists():  # claimed at this very moment
            raise PayError(str(ALREADY_CLAIMED)) from None
        raise
    return line


def _check_meeting_claimed(meeting_id: int) -> None:
    """A preparation allowance is paid with its meeting: claimed, and not rejected."""
    meeting = Line.objects.filter(claim=activity.claim_key(Line.Kind.MEETING, meeting_id))
    if not meeting.exclude(status=Status.REJECTED).exists():
        raise PayError(
            _("Claim the meeting itself first: preparation is paid with a claimed meeting.")
        )


def claim_activity(cohort: Cohort, *, key: str, by: User) -> Line:
    """Claim the activity named by ``key`` (``"meeting:12"``) on the timesheet of its month,
    made if needed (and not made if the claim is refused)."""
    parsed = activity.parse_key(key)
    if parsed is None:
        raise PayError(str(NOT_YOURS))
    kind, activity_id = parsed
    settings = pay_settings_of(cohort)
    if not activity.pays_for(settings, kind):
        raise PayError(str(NOT_PAID))
    found = activity.find(cohort, by.pk, kind, activity_id, settings)
    if found is None:
        raise PayError(str(NOT_YOURS))
    with transaction.atomic():
        timesheet = timesheet_for(cohort, by, found.worked_on)
        timesheet.cohort = cohort
        return claim(timesheet, kind=kind, activity_id=activity_id, by=by)


def claim_all(cohort: Cohort, *, keys: Iterable[str], by: User) -> tuple[list[Line], list[str]]:
    """Claim each activity named in ``keys``, each on its own: the lines claimed, and a
    message for each refused."""
    claimed, problems = [], []
    # Each once, in the order given, except that preparation follows the meetings it is for.
    ordered = sorted(dict.fromkeys(keys), key=lambda key: str(key).startswith("preparation:"))
    for key in ordered:
        try:
            claimed.append(claim_activity(cohort, key=key, by=by))
        except PayError as error:
            problems.append(str(error))
    return claimed, problems


def _description(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PayError(_("Say what the work was."))
    if len(text) > MAX_DESCRIPTION:
        raise PayError(_("Keep the description to 300 characters or fewer."))
    return text


def add_work(
    timesheet: Timesheet, *, worked_on: datetime.date, hours: object, description: str, by: User
) -> Line:
    """Other agreed work written by hand, when the cohort pays for it."""
    _require_mentor(timesheet, by)
    if not pay_settings_of(timesheet.cohort).pay_other:
        raise PayError(_("This cohort does not pay for other work."))
    parsed, text = read_hours(hours), _description(description)
    with transaction.atomic():
        line = _add(timesheet, by=by, day=worked_on, hours=parsed, kind=Line.Kind.OTHER,
                    description=text)  # fmt: skip
        audit.record(by, "payments.line.added", line, hours=line.hours, amount=line.amount)
    return line


def add_work_to(
    cohort: Cohort, *, worked_on: datetime.date, hours: object, description: str, by: User
) -> Line:
    """``add_work`` on the timesheet of the date's month, made if needed (and not made if
    the work is refused)."""
    _check_not_future(worked_on)
    with transaction.atomic():
        timesheet = timesheet_for(cohort, by, worked_on)
        timesheet.cohort = cohort
        return add_work(timesheet, worked_on=worked_on, hours=hours, description=description,
                        by=by)  # fmt: skip


def _locked_own(line: Line, by: User, version: int | None) -> Line:
    """The line locked, still the mentor's to change: draft or queried, in no payment run,
    at ``version`` (when given)."""
    locked = Line.objects.select_related("timesheet__cohort__scheme", "payment_run").get(pk=line.pk)
    _require_mentor(locked.timesheet, by)
    _lock_person(locked.mentor_id)
    locked = (
        Line.objects.select_for_update(of=("self",))
        .select_related("timesheet__cohort__scheme", "payment_run")
        .get(pk=line.pk)
    )
    _not_in_run(locked)
    if locked.status not in EDITABLE:
        raise PayError(
            _("This line is %(status)s, so it can no longer be changed.")
            % {"status": str(locked.get_status_display()).lower()}
        )
    if version is not None and locked.version != version:
        raise LineConflict(
            _("This line changed since you opened it. Nothing was saved: check it and try again."),
            latest=locked,
        )
    return locked


def change_line(
    line: Line,
    *,
    by: User,
    version: int,
    worked_on: datetime.date | None = None,
    hours: object = None,
    description: str | None = None,
) -> Line:
    """Change a draft or queried line (None leaves a value as it is). Work written by hand
    can change its date, hours and description; a claimed activity's date and hours are the
    activity's own, so only its description changes (remove it instead)."""
    with transaction.atomic():
        locked = _locked_own(line, by, version)
        new_day = worked_on if worked_on is not None else locked.worked_on
        new_hours = read_hours(hours) if hours is not None else locked.hours
        if locked.claim and (new_day != locked.worked_on or new_hours != locked.hours):
            raise PayError(
                _("The date and hours of a claimed activity come from the activity itself. "
                  "Remove the line if it should not be paid.")
            )  # fmt: skip
        text = _description(description) if description is not None else locked.description
        timesheet, settings = locked.timesheet, pay_settings_of(locked.timesheet.cohort)
        _check_date(timesheet, new_day)
        price = price_of(settings, new_day, new_hours)
        employment = employment_of(timesheet.cohort.scheme.organisation_id, locked.mentor_id)
        _check_limits(timesheet, day=new_day, hours=new_hours, settings=settings,
                      employment=employment, leaving_out=locked.pk)  # fmt: skip
        before = {"worked_on": locked.worked_on, "hours": locked.hours}
        locked.worked_on, locked.hours, locked.description = new_day, new_hours, text
        for name, value in _priced(price).items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save(update_fields=["worked_on", "hours", "description", "rate_value", "hourly",
                                   "amount", "holiday", "version"])  # fmt: skip
        _touch(timesheet, reopen=False)
        audit.record(by, "payments.line.changed", locked, before=before, hours=locked.hours,
                     amount=locked.amount)  # fmt: skip
    return locked


def remove_line(line: Line, *, by: User) -> None:
    """Remove a draft or queried line; a claimed activity can then be claimed again. Removing
    a claimed meeting removes its preparation allowance with it, when that can still be
    changed."""
    with transaction.atomic():
        locked = _locked_own(line, by, None)
        removed = [locked]
        if locked.kind == Line.Kind.MEETING and locked.meeting_id:
            key = activity.claim_key(Line.Kind.PREPARATION, locked.meeting_id)
            removed += Line.objects.select_for_update().filter(
                claim=key, status__in=EDITABLE, payment_run__isnull=True
            )
        for each in removed:
            audit.record(by, "payments.line.removed", each, claim=each.claim or "",
                         hours=each.hours, amount=each.amount)  # fmt: skip
            each.delete()
        _touch(locked.timesheet, reopen=False)


def submit_timesheet(timesheet: Timesheet, *, by: User, version: int) -> Timesheet:
    """Send the timesheet's draft and queried lines for approval. Submitting again with
    nothing new changes nothing; an empty timesheet cannot be submitted."""
    _require_mentor(timesheet, by)
    with transaction.atomic():
        locked = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        lines = Line.objects.filter(timesheet=locked)
        waiting = lines.filter(status__in=EDITABLE)
        if not waiting.exists():
            if not lines.exists():
                raise PayError(_("Add or claim some time before you submit this timesheet."))
            return locked  # submitted already: a second press changes nothing
        if locked.version != version:
            raise PayError(
                _("This timesheet changed since you opened it. Nothing was submitted: check "
                  "its lines and submit again.")
            )  # fmt: skip
        count = waiting.update(status=Status.SUBMITTED, version=F("version") + 1)
        kept.changed(locked.cohort_id)
        locked.status, locked.submitted_at = Timesheet.Status.SUBMITTED, timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "submitted_at", "version"])
        audit.record(by, "payments.timesheet.submitted", locked, lines=count)
    return locked


# --- Coordinators' review -------------------------------------------------------------------


def _locked_for_decision(line: Line, by: User, version: int, allowed: tuple[str, ...]) -> Line:
    locked = (
        Line.objects.select_for_update(of=("self",))
        .select_related("cohort__scheme", "payment_run", "decided_by", "mentor")
        .get(pk=line.pk)
    )
    _require_coordinator(locked, by)
    _not_in_run(locked)
    if locked.status not in allowed:
        if locked.status == Status.DRAFT:
            raise PayError(_("This line has not been submitted, so there is nothing to decide."))
        who = locked.decided_by.display_name if locked.decided_by else _("someone")
        raise PayError(
            _("This line was already decided: %(status)s by %(who)s. Nothing was changed.")
            % {"status": str(locked.get_status_display()).lower(), "who": who}
        )
    if locked.version != version:
        raise LineConflict(
            _("This line changed since the page was drawn. Nothing was changed: check it again."),
            latest=locked,
        )
    return locked


def _decide(locked: Line, by: User, status: str, **values: Any) -> Line:
    """Write the decision if the line is still as read (the lock makes this certain; the
    condition keeps it so on databases without row locks)."""
    now = timezone.now()
    changed = Line.objects.filter(
        pk=locked.pk, version=locked.version, status=locked.status, payment_run__isnull=True
    ).update(status=status, decided_by=by, decided_at=now, version=locked.version + 1, **values)
    if not changed:
        raise PayError(_("This line was decided by someone else at the same moment."))
    kept.changed(locked.cohort_id)
    locked.refresh_from_db()
    return locked


def _right_to_work(line: Line) -> None:
    employment = employment_of(line.cohort.scheme.organisation_id, line.mentor_id)
    if employment is None or employment.right_to_work_checked_on is None:
        raise PayError(
            _(
                "%(name)s has no right-to-work check recorded, so their time cannot be "
                "approved yet. Record the date it was checked, and who checked it, in their "
                "employment record on the organisation's pay pages."
            )
            % {"name": line.mentor.display_name}
        )


def approve_line(line: Line, *, by: User, version: int) -> Line:
    """Approve a submitted line, priced again at the rate value in force on its date. Two
    coordinators approving at once approve it once; the second is told it was decided."""
    with transaction.atomic():
        locked = _locked_for_decision(line, by, version, DECIDABLE)
        _right_to_work(locked)
        values: dict[str, Any] = {"message": ""}
        if locked.kind != Line.Kind.ADJUSTMENT or locked.amount is None:
            settings = pay_settings_of(locked.cohort)
            values.update(_priced(price_of(settings, locked.worked_on, locked.hours)))
        decided = _decide(locked, by, Status.APPROVED, **values)
        audit.record(by, "payments.line.approved", decided, hours=decided.hours,
                     amount=decided.amount, holiday=decided.holiday)  # fmt: skip
    return decided


def _message(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PayError(_("Write a message to the mentor saying why."))
    if len(text) > MAX_MESSAGE:
        raise PayError(_("Keep the message to 500 characters or fewer."))
    return text


def query_line(line: Line, *, by: User, version: int, message: str) -> Line:
    """Send a submitted (or approved, unpaid) line back to its mentor with a question; their
    timesheet opens again for them to change it and submit."""
    text = _message(message)
    with transaction.atomic():
        locked = _locked_for_decision(line, by, version, REVISABLE)
        decided = _decide(locked, by, Status.QUERIED, message=text)
        _touch(decided.timesheet)
        audit.record(by, "payments.line.queried", decided, was=locked.status)
    return decided


def reject_line(line: Line, *, by: User, version: int, message: str) -> Line:
    """Refuse a submitted (or approved, unpaid) line, saying why. A rejected activity is not
    offered for claiming again."""
    text = _message(message)
    with transaction.atomic():
        locked = _locked_for_decision(line, by, version, REVISABLE)
        decided = _decide(locked, by, Status.REJECTED, message=text)
        _touch(decided.timesheet, reopen=False)
        audit.record(by, "payments.line.rejected", decided, was=locked.status)
    return decided


def approve_lines(
    cohort: Cohort, versions: Mapping[int, int], *, by: User
) -> tuple[list[Line], list[str]]:
    """Approve several lines of the cohort (line id → the version the page showed), each on
    its own: the lines approved, and a message for each refused. Ids of other cohorts'
    lines are ignored."""
    approved, problems = [], []
    for line in Line.objects.filter(cohort=cohort, pk__in=list(versions)).order_by("pk"):
        line.cohort = cohort
        try:
            approved.append(approve_line(line, by=by, version=versions[line.pk]))
        except PayError as error:
            problems.append(str(error))
    return approved, problems


# --- Warnings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekWarning:
    """A Monday-to-Sunday week whose hours reach 80% of the person's weekly limit."""

    monday: datetime.date
    sunday: datetime.date
    hours: Decimal
    limit: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.limit - self.hours, Decimal(0))


_WEEKLY_LIMIT_SQL = (
    "SELECT weekly_limit_hours FROM payments_employment WHERE organisation_id = %s AND user_id = %s"
)


def weekly_limit_of(organisation_id: int, mentor_id: int) -> Decimal | None:
    """The person's weekly limit on hours at the organisation, if any. Every visit to a
    mentor's pay page asks, so in plain SQL (decision 0012)."""
    found = fetch(
        _WEEKLY_LIMIT_SQL,
        [organisation_id, mentor_id],
        (field_of(Employment, "weekly_limit_hours"),),
    )
    return found[0][0] if found else None


def weekly_hours_warnings(
    organisation_id: int, mentor_id: int, days: Iterable[datetime.date]
) -> list[WeekWarning]:
    """The weeks containing ``days`` in which the mentor's hours (every cohort, lines not
    rejected) reach 80% of their weekly limit at the organisation; none without a limit.
    Two queries."""
    limit = weekly_limit_of(organisation_id, mentor_id)
    mondays = sorted({week_of(day)[0] for day in days})
    if limit is None or not mondays:
        return []
    lines = Line.objects.filter(
        mentor_id=mentor_id, worked_on__range=(mondays[0], mondays[-1] + datetime.timedelta(6))
    ).exclude(status=Status.REJECTED)
    by_week: dict[datetime.date, Decimal] = {}
    for day, hours in lines.values_list("worked_on", "hours"):
        monday = week_of(day)[0]
        by_week[monday] = by_week.get(monday, Decimal(0)) + hours
    return [
        WeekWarning(monday, monday + datetime.timedelta(6), by_week[monday], limit)
        for monday in mondays
        if by_week.get(monday, Decimal(0)) >= limit * WARN_AT
    ]
