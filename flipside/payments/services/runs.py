"""Payment runs: approved lines collected for payroll, exported, marked paid; corrections to
lines already in a run; the payroll columns an organisation exports with.

States of a run: collected → exported → paid, moved by coordinators. Every approved line is
collected into exactly one run ("paid exactly once"), even when two coordinators collect at
the same moment: collecting locks the cohort's pay settings row, so collections of a cohort
take turns, and assigns lines with a conditional ``UPDATE … WHERE payment_run IS NULL``, so a
line already in a run is never taken again. A line in a run never changes again: a mistake
found later is put right by a correcting line, which is paid in a later run.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.lib.conflicts import EditConflict
from flipside.lib.text import validate_single_line
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Organisation

from .. import export, kept
from ..models import Employment, ExportLayout, Line, PaymentRun, PaySettings
from ..money import HUNDRED, pennies
from . import PayError, StaleVersion
from .rates import employment_of, pay_settings_of
from .timesheets import hours_so_far, timesheet_for, week_of

APPROVED = Line.Status.APPROVED
MAX_HOURS_A_DAY = Decimal(24)
REASON_MAX_LENGTH = 300


class RunConflict(StaleVersion, EditConflict):
    """The run or the payroll columns changed after the form was drawn."""


# --- Collecting ---------------------------------------------------------------------------


def waiting_lines(cohort: Cohort) -> Any:
    """The cohort's approved lines not in a run yet: what the next run would collect."""
    return Line.objects.filter(cohort=cohort, status=APPROVED, payment_run__isnull=True)


def collect_run(cohort: Cohort, *, by: User, _locked: bool = True) -> PaymentRun:
    """Collect every approved line of the cohort not yet in a run into a new run, numbered
    after the cohort's last one, with totals that are the sums of its lines. Refused when
    nothing is waiting (so pressing the button twice makes one run).

    ``_locked=False`` exists only for the test that proves the race is real: it reads the
    waiting lines without locking anything and assigns them to the new run whether or not
    another run took them meanwhile. Nothing else may pass it."""
    pay_settings_of(cohort)  # the row collections of this cohort lock, made on first use
    with transaction.atomic():
        if _locked:
            PaySettings.objects.select_for_update().get(pk=cohort.pk)
            waiting = waiting_lines(cohort).select_for_update()
        else:
            waiting = waiting_lines(cohort)
        ids = list(waiting.values_list("pk", flat=True))
        if not ids:
            raise PayError(_("There are no approved lines waiting to be paid."))
        run = _new_run(cohort, by=by)
        if _locked:
            taken = Line.objects.filter(pk__in=ids, status=APPROVED, payment_run__isnull=True)
            if taken.update(payment_run=run) != len(ids):
                # Unreachable while the lock holds; refusing keeps every line in one run.
                raise PayError(_("Someone collected these lines at the same moment. Try again."))
        else:
            Line.objects.filter(pk__in=ids).update(payment_run=run)
        kept.changed(cohort.pk)
        sums = export.sums_of(Line.objects.filter(pk__in=ids))
        run.hours, run.amount, run.holiday = sums["hours"], sums["amount"], sums["holiday"]
        run.save(update_fields=["hours", "amount", "holiday"])
        audit.record(
            by, "payments.run.collected", run,
            lines=sums["lines"], hours=run.hours, amount=run.amount, holiday=run.holiday,
        )  # fmt: skip
    return run


def _new_run(cohort: Cohort, *, by: User) -> PaymentRun:
    """A run numbered after the cohort's last. The cohort's lock makes the number free; the
    retry only matters without it (``collect_run(_locked=False)``)."""
    for _attempt in range(100):
        last = PaymentRun.objects.filter(cohort=cohort).aggregate(n=Max("number"))["n"] or 0
        try:
            with transaction.atomic():
                return PaymentRun.objects.create(cohort=cohort, number=last + 1, created_by=by)
        except IntegrityError:
            continue
    raise PayError(_("Could not number the payment run. Try again."))


# --- Exporting and paying -----------------------------------------------------------------


def export_run(run: PaymentRun, *, by: User) -> PaymentRun:
    """Mark a collected run exported for payroll, keeping the organisation's columns as they
    are now, so every later download of it is the same. Exporting an exported run changes
    nothing. Refused if its lines no longer add up to its totals."""
    with transaction.atomic():
        locked = (
            PaymentRun.objects.select_for_update().select_related("cohort__scheme").get(pk=run.pk)
        )
        if locked.status != PaymentRun.Status.COLLECTED:
            return locked
        if export.check_totals(locked):
            raise PayError(
                _("This run's lines do not add up to its totals, so it was not exported. "
                  "Ask for the payments check to be run.")
            )  # fmt: skip
        columns, _version = export.layout_of(locked.cohort.scheme.organisation_id)
        locked.status = PaymentRun.Status.EXPORTED
        locked.exported_at, locked.exported_by = timezone.now(), by
        locked.layout = list(columns)
        locked.version += 1
        locked.save(update_fields=["status", "exported_at", "exported_by", "layout", "version"])
        audit.record(
            by, "payments.run.exported", locked,
            amount=locked.amount, holiday=locked.holiday, columns=[c["field"] for c in columns],
        )  # fmt: skip
    return locked


def mark_paid(run: PaymentRun, *, paid_on: datetime.date, by: User, version: int) -> PaymentRun:
    """Record the day payroll paid an exported run. Sending the same date twice changes
    nothing; a date in the future or before the run was exported is refused."""
    with transaction.atomic():
        locked = (
            PaymentRun.objects.select_for_update().select_related("cohort__scheme").get(pk=run.pk)
        )
        if locked.status == PaymentRun.Status.PAID and locked.paid_on == paid_on:
            return locked  # the same form sent twice
        if locked.version != version:
            raise RunConflict(
                _("This payment run changed while you were looking at it. Nothing was saved: "
                  "check it as it is now and try again."),
                latest=locked,
            )  # fmt: skip
        if locked.status == PaymentRun.Status.COLLECTED:
            raise PayError(_("Export this run for payroll before marking it paid."))
        if locked.status == PaymentRun.Status.PAID:
            raise PayError(_("This run is already marked paid."))
        _check_paid_on(locked, paid_on)
        locked.status, locked.paid_on, locked.marked_paid_by = PaymentRun.Status.PAID, paid_on, by
        locked.version += 1
        locked.save(update_fields=["status", "paid_on", "marked_paid_by", "version"])
        audit.record(by, "payments.run.paid", locked, paid_on=paid_on, total=locked.total)
    return locked


def _check_paid_on(run: PaymentRun, paid_on: datetime.date) -> None:
    if paid_on > timezone.localdate():
        raise PayError(_("The date paid cannot be in the future."))
    if run.exported_at is not None and paid_on < timezone.localdate(run.exported_at):
        raise PayError(_("The date paid cannot be before the run was exported."))


# --- Lines in a run -----------------------------------------------------------------------


def refuse_if_in_run(line: Line) -> None:
    """Every change to a line asks first: a line in a payment run has been counted into the
    run's totals and, once exported, sent to payroll, so it never changes again."""
    if line.payment_run_id is not None:
        raise PayError(
            _("This line is in a payment run, so it cannot be changed. A coordinator can add "
              "a correction instead, which is paid in the next run.")
        )  # fmt: skip


def add_correction(
    line: Line, *, hours: Decimal, reason: str, by: User, corrections_seen: int | None = None
) -> Line:
    """A correction to a line already in a payment run: a new approved line of ``hours``
    (negative to take time off, positive to add it) at the original line's hourly amount,
    on the mentor's current timesheet, paid in the next run. The original never changes.

    ``corrections_seen`` is how many corrections the coordinator saw on the line: if another
    was added since (or the form was sent twice), nothing is added."""
    reason = _check_reason(reason)
    hours = _check_correction_hours(hours)
    with transaction.atomic():
        original = Line.objects.select_for_update().select_related("cohort__scheme").get(pk=line.pk)
        _check_correctable(original)
        before = original.corrections.aggregate(n=Sum("hours"))["n"] or Decimal(0)
        count = original.corrections.count()
        if corrections_seen is not None and corrections_seen != count:
            raise PayError(
                _("A correction was added to this line while you were looking at it. Nothing "
                  "was added: check the line's corrections and try again.")
            )  # fmt: skip
        if not 0 <= original.hours + before + hours <= MAX_HOURS_A_DAY:
            raise PayError(
                _("With this correction the line would come to %(total)s hours. Corrected "
                  "hours must stay between 0 and 24.")
                % {"total": original.hours + before + hours}
            )  # fmt: skip
        if hours > 0:
            _check_employment(original, hours)
        correction = Line.objects.create(**_correction_values(original, hours, reason, by))
        audit.record(
            by, "payments.line.corrected", correction,
            corrects=original.pk, hours=hours, amount=correction.amount,
        )  # fmt: skip
    return correction


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PayError(_("Say why the line is corrected: payroll and the student will see it."))
    if len(reason) > REASON_MAX_LENGTH:
        raise PayError(_("Keep the reason to %(n)s characters.") % {"n": REASON_MAX_LENGTH})
    try:
        validate_single_line(reason)
    except ValidationError as error:
        raise PayError(" ".join(error.messages)) from error
    return reason


def _check_correction_hours(hours: Decimal) -> Decimal:
    if not isinstance(hours, Decimal) or not hours.is_finite():
        raise PayError(_("Enter the hours as a number, such as 1.5 or -0.75."))
    if hours != hours.quantize(Decimal("0.01")):
        raise PayError(_("Enter hours with at most two decimal places."))
    if not hours:
        raise PayError(_("A correction of 0 hours changes nothing. Enter the hours to add or "
                         "take off."))  # fmt: skip
    if abs(hours) > MAX_HOURS_A_DAY:
        raise PayError(_("A correction cannot be more than 24 hours either way."))
    return hours


def _check_correctable(original: Line) -> None:
    if original.kind == Line.Kind.ADJUSTMENT:
        raise PayError(_("This line is itself a correction: correct the original line instead."))
    if original.payment_run_id is None:
        raise PayError(
            _("This line is not in a payment run yet, so change it on the timesheet instead.")
        )
    if original.hourly is None or original.amount is None:
        raise PayError(_("This line has no price, so it cannot be corrected."))


def _check_employment(original: Line, hours: Decimal) -> None:
    """Added hours need the right-to-work check, and must keep the student within their
    weekly limit."""
    organisation = original.cohort.scheme.organisation_id
    employment = employment_of(organisation, original.mentor_id)
    if employment is None or employment.right_to_work_checked_on is None:
        raise PayError(
            _("Record the student's right-to-work check before adding paid hours for them.")
        )
    _check_week(original, employment, hours)


def _check_week(original: Line, employment: Employment, hours: Decimal) -> None:
    """Counted as timesheets count it (``hours_so_far``): the student's lines not rejected,
    in every cohort, from Monday to Sunday of the week the corrected work was done."""
    limit = employment.weekly_limit_hours
    if limit is None:
        return
    day = original.worked_on
    worked = hours_so_far(original.mentor_id, original.cohort_id, day, leaving_out=None)["week"]
    if worked + hours > limit:
        raise PayError(
            _("This would bring the student's week from %(monday)s to %(worked)s hours, over "
              "their limit of %(limit)s hours a week.")
            % {"monday": formats.date_format(week_of(day)[0], "j F Y"), "worked": worked + hours,
               "limit": limit}
        )  # fmt: skip


def _correction_values(original: Line, hours: Decimal, reason: str, by: User) -> dict:
    assert original.hourly is not None  # noqa: S101 - _check_correctable checked
    gross = hours * original.hourly
    holiday = Decimal("0.00")
    if original.holiday:  # holiday pay goes with the hours it was paid on
        percent = pay_settings_of(original.cohort).holiday_percent
        holiday = pennies(gross * percent / HUNDRED)
    now = timezone.now()
    return {
        "timesheet": timesheet_for(original.cohort, original.mentor, timezone.localdate()),
        "cohort": original.cohort,
        "mentor_id": original.mentor_id,
        "sort_name": original.sort_name,
        "kind": Line.Kind.ADJUSTMENT,
        "worked_on": original.worked_on,
        "description": reason,
        "hours": hours,
        "corrects": original,
        "rate_value_id": original.rate_value_id,
        "hourly": original.hourly,
        "amount": pennies(gross),
        "holiday": holiday,
        "status": APPROVED,
        "decided_by": by,
        "decided_at": now,
        "created_by": by,
        "created_at": now,
    }


# --- Payroll columns ----------------------------------------------------------------------


def update_export_layout(
    organisation: Organisation,
    *,
    columns: Sequence[tuple[str, str]],
    by: User,
    version: int,
) -> ExportLayout:
    """Save the organisation's payroll columns: (field, heading) pairs in order, each field
    one of ``export.FIELDS`` at most once. Runs already exported keep their own columns."""
    cleaned = _check_columns(columns)
    with transaction.atomic():
        row = ExportLayout.objects.select_for_update().filter(organisation=organisation).first()
        current = row.version if row is not None else 1
        if version != current:
            raise RunConflict(
                _("Someone else saved the payroll columns while you were editing. Nothing was "
                  "saved: check the columns as they are now and make your changes again."),
                latest=row or _unsaved_layout(organisation),
            )  # fmt: skip
        if row is None:
            try:
                with transaction.atomic():
                    row = ExportLayout.objects.create(
                        organisation=organisation, columns=cleaned, updated_by=by, version=2
                    )
            except IntegrityError as error:  # saved for the first time at the same moment
                latest = ExportLayout.objects.get(organisation=organisation)
                raise RunConflict(
                    _("Someone else saved the payroll columns while you were editing. Nothing "
                      "was saved: check the columns as they are now and make your changes "
                      "again."),
                    latest=latest,
                ) from error  # fmt: skip
        else:
            row.columns, row.updated_by, row.updated_at = cleaned, by, timezone.now()
            row.version += 1
            row.save(update_fields=["columns", "updated_by", "updated_at", "version"])
        audit.record(by, "payments.layout.updated", row, columns=[c["field"] for c in cleaned])
    return row


def _unsaved_layout(organisation: Organisation) -> ExportLayout:
    return ExportLayout(organisation=organisation, columns=export.default_layout(), version=1)


def _check_columns(columns: Sequence[tuple[str, str]]) -> list[export.Column]:
    if not columns:
        raise PayError(_("Choose at least one column for the payroll file."))
    cleaned: list[export.Column] = []
    for field, header in columns:
        if field not in export.FIELDS:
            raise PayError(_("Choose what each column holds from the list."))
        if any(c["field"] == field for c in cleaned):
            raise PayError(
                _("“%(field)s” is chosen for more than one column. Choose it once.")
                % {"field": export.FIELDS[field]}
            )
        header = (header or "").strip() or str(export.FIELDS[field])
        if len(header) > export.HEADER_MAX_LENGTH:
            raise PayError(
                _("Keep each heading to %(n)s characters.") % {"n": export.HEADER_MAX_LENGTH}
            )
        try:
            validate_single_line(header)
        except ValidationError as error:
            raise PayError(" ".join(error.messages)) from error
        cleaned.append(export.Column(field=field, header=header))
    return cleaned
