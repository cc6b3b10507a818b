"""Rates and their dated values, a cohort's pay settings, employment records.

Every change here is checked in full before anything is written, because a rate's values and
a cohort's settings decide what student mentors are paid: a value is refused, with a message
saying why, rather than stored and found wrong on a payslip.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.lib.conflicts import EditConflict
from flipside.lib.sql import columns, fetch, fields_of, instances
from flipside.lib.text import validate_single_line
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Membership, Organisation, Role, Stage

from ..living_wage import PUBLISHED, SOURCE
from ..models import Employment, PaySettings, Policy, Rate, RateValue
from . import PayError, StaleVersion

STANDARD_NAMES = {Rate.Kind.LONDON: "London Living Wage", Rate.Kind.UK: "UK Living Wage"}


def ensure_standard_rates(organisation: Organisation) -> dict[str, Rate]:
    """The organisation's London and UK Living Wage rates, created with the Living Wage
    Foundation's published values the first time anyone asks (idempotent, also when two
    requests ask at once)."""
    rates = {
        r.kind: r for r in Rate.objects.filter(organisation=organisation).exclude(kind="custom")
    }
    for kind, name in STANDARD_NAMES.items():
        if kind in rates:
            continue
        try:
            with transaction.atomic():
                rate = Rate.objects.create(
                    organisation=organisation, kind=kind, name=name, source=SOURCE
                )
                RateValue.objects.bulk_create(
                    RateValue(
                        rate=rate, hourly=p.hourly, announced_on=p.announced_on,
                        payable_from=p.payable_from, note=p.note,
                    )
                    for p in PUBLISHED
                    if p.kind == kind
                )  # fmt: skip
        except IntegrityError:  # created meanwhile by another request
            rate = Rate.objects.get(organisation=organisation, kind=kind)
        rates[kind] = rate
    return rates


# Every pay page reads its cohort's settings and rate: plain SQL (decision 0012).
_SETTINGS_SQL = (
    f"SELECT {columns(PaySettings, 's')}, {columns(Rate, 'r')} FROM payments_paysettings s "  # noqa: S608 - column names from the models  # nosec B608
    "LEFT JOIN payments_rate r ON r.id = s.rate_id WHERE s.cohort_id = %s"
)


def _stored_pay_settings(cohort_id: int) -> PaySettings | None:
    rows = fetch(_SETTINGS_SQL, [cohort_id], fields_of(PaySettings, Rate))
    if not rows:
        return None
    settings, rate = instances(rows[0], PaySettings, Rate)
    settings.rate = rate if settings.rate_id is not None else None
    return settings


def pay_settings_of(cohort: Cohort) -> PaySettings:
    """The cohort's pay settings, made with the defaults (the London Living Wage, new values
    from their announcement, meetings with 30 minutes' preparation, training and reflection
    events paid, no caps, no holiday pay) the first time anyone asks."""
    found = _stored_pay_settings(cohort.pk)
    if found is not None:
        return found
    organisation = cohort.scheme.organisation
    london = ensure_standard_rates(organisation)[Rate.Kind.LONDON]
    try:
        with transaction.atomic():
            return PaySettings.objects.create(cohort=cohort, rate=london)
    except IntegrityError:
        return PaySettings.objects.select_related("rate").get(cohort=cohort)


def employment_of(organisation: Organisation | int, user_id: int) -> Employment | None:
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return Employment.objects.filter(organisation_id=organisation_id, user_id=user_id).first()


# --- Checking what people type ------------------------------------------------------------

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)
MOST_AN_HOUR = Decimal(1000)
MOST_IN_A_MONTH = Decimal(24 * 31)
MOST_IN_A_COHORT = Decimal("99999.99")
MOST_HOLIDAY_PERCENT = Decimal(50)
MOST_PREPARATION_MINUTES = 240
LEAST_WEEKLY, MOST_WEEKLY = Decimal("0.25"), Decimal(80)
PENNY = Decimal("0.01")


class Refused(PayError):
    """A value refused; ``field`` names the value it is about (the form field of the same
    name), or is None when it is about the change as a whole."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SettingsConflict(StaleVersion, EditConflict):
    """Someone saved the cohort's pay settings after the form was opened."""


class EmploymentConflict(StaleVersion, EditConflict):
    """Someone saved the person's employment record after the form was opened."""


def _parse(value: object, field: str, *, example: str) -> Decimal:
    """``value`` as an exact, finite number (never a float's approximation: text and
    ``Decimal`` are read as written)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if isinstance(value, bool) or not number.is_finite():
        raise Refused(_("Enter a number, such as %(example)s.") % {"example": example}, field=field)
    return number


def _two_places(number: Decimal, field: str) -> Decimal:
    # Only once the size is known to be sensible: quantizing 1e309 would itself fail.
    if number != number.quantize(PENNY):
        raise Refused(_("Use at most two decimal places."), field=field)
    return number.quantize(PENNY)


def _hourly(value: object) -> Decimal:
    number = _parse(value, "hourly", example="14.80")
    if number <= 0:
        raise Refused(_("The hourly amount must be more than £0."), field="hourly")
    if number > MOST_AN_HOUR:
        raise Refused(
            _("£%(amount)s an hour is more than £1,000: check the amount.") % {"amount": number},
            field="hourly",
        )
    return _two_places(number, "hourly")


def _hours(value: object, field: str, *, least: Decimal, most: Decimal) -> Decimal:
    number = _parse(value, field, example="20")
    if not least <= number <= most:
        raise Refused(
            _("Enter from %(least)s to %(most)s hours.") % {"least": least, "most": most},
            field=field,
        )
    return _two_places(number, field)


def _day(value: object, field: str) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise Refused(_("Enter a date."), field=field)
    if not EARLIEST <= value <= LATEST:
        raise Refused(_("Enter a date between 2000 and 2100."), field=field)
    return value


def _text(value: object, field: str, *, most: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Refused(_("This cannot be empty."), field=field)
    if len(text) > most:
        raise Refused(_("Use at most %(n)s characters.") % {"n": most}, field=field)
    try:
        validate_single_line(text)
    except ValidationError as error:
        raise Refused(" ".join(error.messages), field=field) from None
    return text


def _shown_date(day: datetime.date) -> str:
    return formats.date_format(day, "j F Y")


# --- Rates and their values ---------------------------------------------------------------


def add_rate(organisation: Organisation, *, name: str, source: str, by: User) -> Rate:
    """A custom rate of the organisation (its Living Wage rates exist already); values are
    added to it with ``add_rate_value``. Names are unique in the organisation, whatever
    their capitals, so nobody chooses between two rates that read the same."""
    name = _text(name, "name", most=100, required=True)
    source = _text(source, "source", most=300)
    ensure_standard_rates(organisation)  # so a custom rate cannot take their names
    taken = _(
        "There is already a rate called “%(name)s”. Choose another name, or add a value "
        "to that rate."
    ) % {"name": name}
    if Rate.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise Refused(taken, field="name")
    try:
        with transaction.atomic():
            rate = Rate.objects.create(
                organisation=organisation, kind=Rate.Kind.CUSTOM, name=name, source=source
            )
            audit.record(by, "payments.rate.created", rate, name=name, source=source)
    except IntegrityError:  # added by someone else at this very moment
        raise Refused(taken, field="name") from None
    return rate


def add_rate_value(
    rate: Rate,
    *,
    hourly: Decimal,
    announced_on: datetime.date,
    payable_from: datetime.date,
    note: str,
    by: User,
) -> RateValue:
    """A new value of ``rate``: ``hourly`` pounds an hour, announced on one date and payable
    from the same date or a later one. A rate has one value per announcement date and one
    per payable date, so the value in force on any day is never in doubt."""
    hourly = _hourly(hourly)
    announced_on = _day(announced_on, "announced_on")
    payable_from = _day(payable_from, "payable_from")
    note = _text(note, "note", most=200)
    if payable_from < announced_on:
        raise Refused(
            _("The date it is payable from cannot be before the date it was announced."),
            field="payable_from",
        )
    with transaction.atomic():
        # Two values added at once are checked one after the other.
        Rate.objects.select_for_update().filter(pk=rate.pk).first()
        _refuse_same_dates(rate, announced_on, payable_from)
        try:
            with transaction.atomic():
                value = RateValue.objects.create(
                    rate=rate, hourly=hourly, announced_on=announced_on,
                    payable_from=payable_from, note=note, added_by=by,
                )  # fmt: skip
        except IntegrityError:
            _refuse_same_dates(rate, announced_on, payable_from)
            raise
        audit.record(
            by, "payments.rate_value.added", value, rate=rate.pk, hourly=hourly,
            announced_on=announced_on, payable_from=payable_from,
        )  # fmt: skip
    return value


def _refuse_same_dates(
    rate: Rate, announced_on: datetime.date, payable_from: datetime.date
) -> None:
    found = RateValue.objects.filter(rate=rate).filter(
        Q(announced_on=announced_on) | Q(payable_from=payable_from)
    )
    for value in found:
        if value.announced_on == announced_on:
            message = _(
                "%(rate)s already has a value announced on %(date)s (£%(hourly)s an hour). "
                "Each announcement has one value."
            )
            field, day = "announced_on", announced_on
        else:
            message = _(
                "%(rate)s already has a value payable from %(date)s (£%(hourly)s an hour). "
                "Each date has one value."
            )
            field, day = "payable_from", payable_from
        shown = {"rate": rate.name, "date": _shown_date(day), "hourly": value.hourly}
        raise Refused(message % shown, field=field)


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def stale_rates(organisation: Organisation, today: datetime.date) -> list[Rate]:
    """Rates a cohort of the organisation pays at (any cohort not closed) whose newest value
    was announced more than a year before ``today``, or that have no value at all: the
    Living Wage is announced every autumn, so coordinators are told to check for the new
    announcement. Each rate has ``newest``: its newest announcement date, or None."""
    in_use = (
        PaySettings.objects.filter(cohort__scheme__organisation=organisation)
        .exclude(cohort__stage=Stage.CLOSED)
        .values("rate_id")
    )
    rates = (
        Rate.objects.filter(organisation=organisation, pk__in=in_use)
        .annotate(newest=Max("values__announced_on"))
        .filter(Q(newest__lt=_year_before(today)) | Q(newest__isnull=True))
    )
    return list(rates.order_by("name", "pk"))


# --- A cohort's pay settings --------------------------------------------------------------

SETTINGS_FIELDS = (
    "rate",
    "policy",
    "pay_meetings",
    "preparation_minutes",
    "pay_training",
    "pay_events",
    "pay_other",
    "monthly_cap_hours",
    "cohort_cap_hours",
    "holiday_pay",
    "holiday_percent",
    "cost_code",
)
_SWITCHES = ("pay_meetings", "pay_training", "pay_events", "pay_other", "holiday_pay")


def update_pay_settings(cohort: Cohort, *, by: User, version: int, **fields: Any) -> PaySettings:
    """Change the cohort's pay settings (any of ``SETTINGS_FIELDS``) if they are still at
    ``version``; else raise ``SettingsConflict`` (a ``StaleVersion``). Saving what is
    already saved changes nothing, so a form sent twice is not a conflict."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")
    values = _settings_values(cohort, fields)
    pay_settings_of(cohort)
    with transaction.atomic():
        current = PaySettings.objects.select_for_update().get(cohort=cohort)
        changed = {name: v for name, v in values.items() if getattr(current, name) != v}
        if current.version != version and changed:
            raise SettingsConflict(
                _("Someone saved these pay settings after you opened this page. Nothing was "
                  "saved: check what is saved now, then save again if you still want your "
                  "change."),
                latest=PaySettings.objects.select_related("rate").get(cohort=cohort),
            )  # fmt: skip
        if changed:
            for name, value in changed.items():
                setattr(current, name, value)
            current.version += 1
            current.save(update_fields=[*changed, "version"])
            shown = {name: getattr(v, "pk", v) for name, v in changed.items()}
            audit.record(by, "payments.settings.changed", current, **shown)
    current.cohort = cohort
    return current


def _settings_values(cohort: Cohort, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` checked: each refusal names the field and says what would be accepted."""
    values = dict(fields)
    if "rate" in values:
        rate = values["rate"]
        if rate is None:
            raise Refused(_("Choose the rate this cohort pays."), field="rate")
        if not isinstance(rate, Rate) or rate.organisation_id != cohort.scheme.organisation_id:
            raise Refused(_("Choose one of this organisation's rates."), field="rate")
    if "policy" in values and values["policy"] not in Policy.values:
        raise Refused(_("Choose when a new value of the rate applies."), field="policy")
    for name in _SWITCHES:
        if name in values and not isinstance(values[name], bool):
            raise Refused(_("Choose yes or no."), field=name)
    if "preparation_minutes" in values:
        minutes = values["preparation_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise Refused(_("Enter a whole number of minutes."), field="preparation_minutes")
        if not 0 <= minutes <= MOST_PREPARATION_MINUTES:
            raise Refused(
                _("Enter from 0 to %(n)s minutes.") % {"n": MOST_PREPARATION_MINUTES},
                field="preparation_minutes",
            )
    for name, most in (("monthly_cap_hours", MOST_IN_A_MONTH),
                       ("cohort_cap_hours", MOST_IN_A_COHORT)):  # fmt: skip
        if values.get(name) is not None:
            values[name] = _hours(values[name], name, least=PENNY, most=most)
    if "holiday_percent" in values:
        percent = _parse(values["holiday_percent"], "holiday_percent", example="12.07")
        if not 0 <= percent <= MOST_HOLIDAY_PERCENT:
            raise Refused(_("Enter a percentage from 0 to 50."), field="holiday_percent")
        values["holiday_percent"] = _two_places(percent, "holiday_percent")
    if "cost_code" in values:
        values["cost_code"] = _text(values["cost_code"], "cost_code", most=40)
    return values


# --- Employment records -------------------------------------------------------------------

EMPLOYMENT_FIELDS = ("payroll_number", "right_to_work_checked_on", "weekly_limit_hours")


def record_employment(
    organisation: Organisation,
    user: User,
    *,
    by: User,
    payroll_number: str,
    right_to_work_checked_on: datetime.date | None,
    weekly_limit_hours: Decimal | None,
    version: int | None = None,
) -> Employment:
    """Create or change the person's one employment record in the organisation.

    Whoever sets or changes the right-to-work check date is recorded as having checked.
    ``version`` is the record's version when the form was opened (0: there was no record
    yet); a different one raises ``EmploymentConflict``, unless the record already holds
    exactly these values (the same form sent twice). None skips the check, for callers
    that are not forms."""
    values = {
        "payroll_number": _text(payroll_number, "payroll_number", most=40),
        "right_to_work_checked_on": _checked_on(right_to_work_checked_on),
        "weekly_limit_hours": None
        if weekly_limit_hours is None
        else _hours(weekly_limit_hours, "weekly_limit_hours", least=LEAST_WEEKLY, most=MOST_WEEKLY),
    }
    mentors = Membership.objects.filter(
        user=user, role=Role.MENTOR, cohort__scheme__organisation=organisation
    )
    if not mentors.exists():
        raise Refused(_("Employment records are kept for student mentors only."))
    with transaction.atomic():
        current = _locked_employment(organisation, user)
        if current is None:
            try:
                with transaction.atomic():
                    return _create_employment(organisation, user, values, by=by)
            except IntegrityError:  # recorded by someone else at this very moment
                current = Employment.objects.select_for_update().get(
                    organisation=organisation, user=user
                )
        changed = {name: v for name, v in values.items() if getattr(current, name) != v}
        if version is not None and version != current.version and changed:
            raise EmploymentConflict(
                _("Someone saved this person's record after you opened this page. Nothing "
                  "was saved: check what is saved now, then save again if you still want "
                  "your change."),
                latest=Employment.objects.select_related("right_to_work_checked_by").get(
                    pk=current.pk
                ),
            )  # fmt: skip
        if changed:
            for name, value in changed.items():
                setattr(current, name, value)
            if "right_to_work_checked_on" in changed:
                current.right_to_work_checked_by = by if current.right_to_work_checked_on else None
            current.updated_at = timezone.now()
            current.version += 1
            current.save()
            audit.record(by, "payments.employment.changed", current, changed=sorted(changed))
    return current


def _checked_on(value: datetime.date | None) -> datetime.date | None:
    if value is None:
        return None
    day = _day(value, "right_to_work_checked_on")
    if day > timezone.localdate():
        raise Refused(
            _("The right-to-work check date cannot be in the future."),
            field="right_to_work_checked_on",
        )
    return day


def _locked_employment(organisation: Organisation, user: User) -> Employment | None:
    rows = Employment.objects.select_for_update().filter(organisation=organisation, user=user)
    return rows.first()


def _create_employment(
    organisation: Organisation, user: User, values: dict[str, Any], *, by: User
) -> Employment:
    checked_by = by if values["right_to_work_checked_on"] else None
    row = Employment.objects.create(
        organisation=organisation, user=user, right_to_work_checked_by=checked_by, **values
    )
    recorded = sorted(name for name, value in values.items() if value not in (None, ""))
    audit.record(by, "payments.employment.recorded", row, changed=recorded)
    return row
