"""The demo's pay: the running Pride cohort's first term of timesheets, in every state.

Made through the payments services as the people themselves would, so every amount is
priced, checked and audited as it would be: the coordinator's pay settings (the London Living
Wage from its announcement, 30 minutes' preparation a meeting, rolled-up holiday pay) and
right-to-work checks; each mentor claiming their held meetings, preparation, training and
the reflection event; September's time approved and collected into a payment run exported
for payroll; October's approved but not yet collected, with one line queried and one
rejected, and one waiting because its mentor's right-to-work check is not recorded yet;
the month still open (November, or in the first days of December the month before) open but
for one mentor's, whose meeting the staff partner has not confirmed yet (the coordinator sees
so beside it). The demo mentor (Sam Rivera) has the reflection event still to claim.

Pride's closed year was paid the same way, term by term, each step on its day: its mentors
claimed their meetings, preparation, training and reflection events (never a meeting their
partner disputed) and submitted their timesheets at the end of each term; the coordinator
approved them, collected them into a payment run exported for payroll, and marked the run
paid when payroll had paid it: three runs, all paid.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from flipside.accounts.models import User
from flipside.lib.dates import LONDON
from flipside.payments import activity
from flipside.payments.models import Line, PaySettings, Timesheet
from flipside.payments.services import rates, runs
from flipside.payments.services import timesheets as sheets
from flipside.schemes.models import Cohort, Role

from .clock import clock
from .organisation import Demo
from .signins import MENTOR

COST_CODE = "MED-EDI-4471"
NO_RIGHT_TO_WORK = "Subomi Ogunyeye"  # their check is not recorded yet: approval waits
STUDENT_VISA = "Ucchal Swaminathan"  # at most 20 hours in any Monday-to-Sunday week
EARLY = "Martyn Morley"  # submits the open month's time already: a meeting not yet confirmed


def add_payments(demo: Demo) -> None:
    _closed_year(demo)
    _running_year(demo)


def _running_year(demo: Demo) -> None:
    cohort = demo.pride_running
    coordinator = demo.coordinator
    today = timezone.localdate()
    settings = rates.pay_settings_of(cohort)
    rates.update_pay_settings(
        cohort, by=coordinator, version=settings.version, holiday_pay=True,
        monthly_cap_hours=Decimal(16), cost_code=COST_CODE,
    )  # fmt: skip
    mentors = _mentors(cohort)
    for n, mentor in enumerate(mentors):
        if mentor.display_name == NO_RIGHT_TO_WORK:
            continue
        rates.record_employment(
            cohort.scheme.organisation, mentor, by=coordinator,
            payroll_number=f"S{2604100 + 17 * n}",
            right_to_work_checked_on=cohort.starts_on + datetime.timedelta(days=2 + n),
            weekly_limit_hours=Decimal(20) if mentor.display_name == STUDENT_VISA else None,
        )  # fmt: skip
    settings = rates.pay_settings_of(cohort)
    sam = demo.signins[MENTOR]
    for mentor in mentors:
        keys = [
            a.key
            for a in activity.claimable(cohort, mentor.pk, settings, end=today)
            # The demo mentor still has the reflection event to claim.
            if not (mentor == sam and a.kind == Line.Kind.EVENT)
        ]
        sheets.claim_all(cohort, keys=keys, by=mentor)
    by_name = {m.display_name: m for m in mentors}
    # The month still open is the one of the early mentor's meeting not yet confirmed (held
    # days ago): this month, or in the first days of a month the one before, whose timesheets
    # mentors are still completing.
    unconfirmed = (
        Line.objects.filter(cohort=cohort, mentor=by_name[EARLY], kind=Line.Kind.MEETING)
        .order_by("-worked_on")
        .values_list("worked_on", flat=True)
        .first()
    )
    open_month = (unconfirmed or today).replace(day=1)
    _own_work(cohort, by_name, open_month)
    # Every month before the open one is submitted; the open month's timesheets stay open.
    for sheet in Timesheet.objects.filter(cohort=cohort, period_start__lt=open_month):
        sheets.submit_timesheet(sheet, by=sheet.mentor, version=sheet.version)
    _review(cohort, coordinator, open_month, by_name)
    # Two mentors submit their time as soon as it is claimed: the early one, with a meeting
    # not yet confirmed, and the one whose pay waits for their right-to-work check.
    for sheet in Timesheet.objects.filter(
        cohort=cohort, status=Timesheet.Status.OPEN,
        mentor__in=[by_name[EARLY], by_name[NO_RIGHT_TO_WORK]],
    ).select_related("mentor"):  # fmt: skip
        sheets.submit_timesheet(sheet, by=sheet.mentor, version=sheet.version)
    if not Line.objects.filter(
        cohort=cohort, status=Line.Status.DRAFT, worked_on__gte=open_month
    ).exists():  # a line still in draft on an open timesheet
        sheets.add_work_to(
            cohort, worked_on=min(today, _next_month(open_month) - datetime.timedelta(days=1)),
            hours=Decimal("0.50"), description="Wrote up notes from the last meeting",
            by=by_name["Aadhya Buch"],
        )  # fmt: skip


def _mentors(cohort: Cohort) -> list[User]:
    return [
        m.user
        for m in cohort.memberships.filter(role=Role.MENTOR).select_related("user").order_by("pk")
    ]


def _own_work(cohort: Cohort, mentors: dict[str, User], open_month: datetime.date) -> None:
    """Two lines of other work written by hand last month: one the coordinator queries, one
    they reject."""
    last_month = (open_month - datetime.timedelta(days=1)).replace(day=1)
    sheets.add_work_to(
        cohort, worked_on=last_month + datetime.timedelta(days=8), hours=Decimal("2.00"),
        description="Wrote a piece on the scheme for the students' union newsletter",
        by=mentors[STUDENT_VISA],
    )  # fmt: skip
    sheets.add_work_to(
        cohort, worked_on=last_month + datetime.timedelta(days=12), hours=Decimal("1.50"),
        description="Prepared slides for the reflection meeting",
        by=mentors["Aadhya Buch"],
    )  # fmt: skip


def _review(
    cohort: Cohort, coordinator: User, open_month: datetime.date, mentors: dict[str, User]
) -> None:
    """The coordinator's review: the earliest month approved and collected into payment run 1,
    exported for payroll; the month after approved, except the two lines written by hand
    (one queried, one rejected) and the lines of the mentor whose right to work is not yet
    recorded, which wait."""
    waiting = Line.objects.filter(cohort=cohort, status=Line.Status.SUBMITTED).order_by("pk")
    first = waiting.order_by("worked_on").values_list("worked_on", flat=True).first()
    if first is None:
        return
    first_month = first.replace(day=1)
    for line in waiting.filter(worked_on__lt=_next_month(first_month)):
        if line.mentor.display_name != NO_RIGHT_TO_WORK:
            sheets.approve_line(line, by=coordinator, version=line.version)
    run = runs.collect_run(cohort, by=coordinator)
    runs.export_run(run, by=coordinator)
    for line in waiting.select_related("mentor"):
        if line.mentor.display_name == NO_RIGHT_TO_WORK:
            continue
        if line.kind != Line.Kind.OTHER:
            sheets.approve_line(line, by=coordinator, version=line.version)
        elif line.mentor == mentors[STUDENT_VISA]:
            sheets.query_line(
                line, by=coordinator, version=line.version,
                message="Was this agreed with the scheme lead beforehand? Please add who "
                "agreed it, then submit again.",
            )  # fmt: skip
        else:
            sheets.reject_line(
                line, by=coordinator, version=line.version,
                message="Preparing for a reflection meeting is covered by the time of the "
                "meeting itself, so it is not paid separately.",
            )  # fmt: skip


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


# --- Pride's closed year --------------------------------------------------------------------

# Each term of the closed year: the day its mentors claimed and submitted their time, the
# day the coordinator approved it and collected it into a payment run, and the day payroll
# paid the run.
CLOSED_TERMS = [
    (datetime.date(2025, 12, 12), datetime.date(2025, 12, 16), datetime.date(2026, 1, 23)),
    (datetime.date(2026, 3, 27), datetime.date(2026, 3, 31), datetime.date(2026, 4, 24)),
    (datetime.date(2026, 7, 31), datetime.date(2026, 8, 4), datetime.date(2026, 8, 28)),
]
CLOSED_STUDENT_VISA = 3  # the mentor (by position) allowed at most 20 hours a week
CLOSED_OWN_WORK = (
    2, datetime.date(2025, 10, 8), Decimal("1.50"),
    "Spoke about the scheme at the welcome evening for new LGBTQ+ students",
)  # fmt: skip


def _on(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


def _closed_year(demo: Demo) -> None:
    cohort, coordinator = demo.pride_closed, demo.coordinator
    # Set up while the cohort was being matched; right to work checked as the year began.
    with clock(_on(datetime.date(2025, 7, 22), 10)):
        settings = rates.pay_settings_of(cohort)
        rates.update_pay_settings(
            cohort, by=coordinator, version=settings.version, holiday_pay=True,
            monthly_cap_hours=Decimal(16), cost_code=COST_CODE,
        )  # fmt: skip
    mentors = _mentors(cohort)
    with clock(_on(datetime.date(2025, 9, 12), 10)):
        for n, mentor in enumerate(mentors):
            rates.record_employment(
                cohort.scheme.organisation, mentor, by=coordinator,
                payroll_number=f"S{2509100 + 13 * n}",
                right_to_work_checked_on=cohort.starts_on + datetime.timedelta(days=1 + n % 9),
                weekly_limit_hours=Decimal(20) if n == CLOSED_STUDENT_VISA else None,
            )  # fmt: skip
    settings = rates.pay_settings_of(cohort)
    by_position = dict(enumerate(mentors))
    for claimed_on, approved_on, paid_on in CLOSED_TERMS:
        with clock(_on(claimed_on, 18)):
            position, worked_on, hours, description = CLOSED_OWN_WORK
            if claimed_on == CLOSED_TERMS[0][0] and position in by_position:
                sheets.add_work_to(
                    cohort, worked_on=worked_on, hours=hours, description=description,
                    by=by_position[position],
                )  # fmt: skip
            for mentor in mentors:
                _claim_and_submit(cohort, mentor, settings, claimed_on)
        with clock(_on(approved_on, 10)):
            waiting = Line.objects.filter(cohort=cohort, status=Line.Status.SUBMITTED)
            sheets.approve_lines(cohort, dict(waiting.values_list("pk", "version")), by=coordinator)
            run = runs.collect_run(cohort, by=coordinator)
            run = runs.export_run(run, by=coordinator)
        with clock(_on(paid_on, 12)):
            runs.mark_paid(run, paid_on=paid_on, by=coordinator, version=run.version)


def _claim_and_submit(
    cohort: Cohort, mentor: User, settings: PaySettings, day: datetime.date
) -> None:
    keys = [
        a.key for a in activity.claimable(cohort, mentor.pk, settings, end=day) if not a.disputed
    ]
    if keys:
        sheets.claim_all(cohort, keys=keys, by=mentor)
    for sheet in Timesheet.objects.filter(
        cohort=cohort, mentor=mentor, status=Timesheet.Status.OPEN
    ).order_by("period_start"):
        if sheet.lines.filter(status=Line.Status.DRAFT).exists():
            sheets.submit_timesheet(sheet, by=mentor, version=sheet.version)
