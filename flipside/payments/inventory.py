"""What payments stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from flipside.privacy.inventory import Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain
from flipside.privacy.subject_access import rule

ROW = "The row's number."
PAY = Basis.CONTRACT
COORDINATORS = "The cohort's coordinators."
PAY_SEEN = "The student mentor; the cohort's coordinators. Never the mentor's staff partner."
MENTORS = (Subject.MENTOR,)
KEPT = (
    "Bookkeeping of kept figures: the generation of the data and the one they were counted at, and"
    " when."
)

declare(
    "payments.Rate",
    activity=Activity.PAYMENTS,
    purpose="A named hourly rate (London Living Wage, UK Living Wage, an institution's own).",
    retention=Keep.CONFIGURATION,
    seen_by="Coordinators of any of the organisation's cohorts.",
    groups=[
        plain(
            "id organisation kind name source created_at",
            "The rate, its kind and where its values come from.",
        )
    ],
)

declare(
    "payments.RateValue",
    activity=Activity.PAYMENTS,
    purpose="A rate's value from a date: when it was announced and when employers must pay it.",
    retention=Keep.CONFIGURATION,
    seen_by=(
        "Coordinators of any of the organisation's cohorts; a mentor sees the rate of their own "
        "lines."
    ),
    subjects=(Subject.COORDINATOR,),
    identifies="added_by",
    groups=[
        plain("id rate hourly announced_on payable_from note", "The value and its dates."),
        fields(
            "added_by added_at",
            "Which coordinator added it, and when.",
            Basis.PUBLIC_TASK,
            P.PERSONAL,
        ),
    ],
)

declare(
    "payments.PaySettings",
    activity=Activity.PAYMENTS,
    purpose="A cohort's pay: its rate, what counts as paid time, caps and holiday pay.",
    retention=Keep.CONFIGURATION,
    seen_by=COORDINATORS,
    groups=[
        plain(
            "cohort rate policy pay_meetings preparation_minutes pay_training pay_events "
            "pay_other monthly_cap_hours cohort_cap_hours holiday_pay holiday_percent cost_code "
            "version",
            "The settings, and a number that stops stale edits.",
        )
    ],
)

declare(
    "payments.Employment",
    activity=Activity.PAYMENTS,
    purpose=(
        "A student mentor's employment facts: payroll number, right-to-work check (no line is "
        "approved before it) and an optional weekly limit on hours (such as a Student visa's 20)."
    ),
    retention=Keep.PAYMENT,
    seen_by="Coordinators of the organisation's cohorts the mentor is in; the mentor.",
    subjects=(Subject.MENTOR, Subject.COORDINATOR),
    identifies="user payroll_number right_to_work_checked_by",
    groups=[
        plain(
            "id organisation version",
            ROW + " The organisation, and a number that stops stale edits.",
        ),
        fields(
            "user payroll_number updated_at",
            "Paying the right person through payroll.",
            PAY,
            P.CONFIDENTIAL,
        ),
        fields(
            "right_to_work_checked_on right_to_work_checked_by",
            "That the right to work in the UK was checked, when and by whom (the law requires "
            "the check before work is paid).",
            Basis.LEGAL_OBLIGATION,
            P.CONFIDENTIAL,
        ),
        fields(
            "weekly_limit_hours",
            "The most hours a week they may work; a limit of 20 suggests a Student visa, so "
            "it can hint at nationality.",
            Basis.LEGAL_OBLIGATION,
            P.CONFIDENTIAL,
        ),
    ],
)

declare(
    "payments.Timesheet",
    activity=Activity.PAYMENTS,
    purpose="A student mentor's claimed activity for a month.",
    retention=Keep.PAYMENT,
    seen_by=PAY_SEEN,
    subjects=MENTORS,
    identifies="mentor",
    groups=[
        plain("id cohort version", ROW + " The cohort, and a number that stops stale edits."),
        fields(
            "mentor period_start period_end status submitted_at created_at",
            "Whose month, and whether it was submitted.",
            PAY,
            P.CONFIDENTIAL,
        ),
    ],
)

declare(
    "payments.Line",
    activity=Activity.PAYMENTS,
    purpose="One claimed piece of paid work, priced at the rate in force, approved and paid once.",
    retention=Keep.PAYMENT,
    seen_by=PAY_SEEN,
    subjects=(Subject.MENTOR, Subject.COORDINATOR),
    identifies="mentor sort_name decided_by created_by",
    groups=[
        plain(
            "id timesheet cohort version",
            ROW + " The timesheet and cohort; a number that stops stale edits.",
        ),
        fields(
            "mentor sort_name kind worked_on hours claim meeting booking event_reply corrects",
            "What was done, by whom, when and for how long, and which meeting, session or "
            "event it claims (once only); a correction points at the line it corrects.",
            PAY,
            P.CONFIDENTIAL,
        ),
        fields(
            "rate_value hourly amount holiday payment_run",
            "The price: the rate value in force, the amount and holiday pay, and the payment run.",
            PAY,
            P.CONFIDENTIAL,
        ),
        fields(
            "description message",
            "The mentor's description of work written by hand, and a coordinator's query or "
            "reason for rejecting.",
            PAY,
            P.CONFIDENTIAL,
        ),
        fields(
            "status decided_by decided_at created_by created_at",
            "Where it stands, who decided and when.",
            PAY,
            P.CONFIDENTIAL,
        ),
    ],
)

declare(
    "payments.PaymentRun",
    activity=Activity.PAYMENTS,
    purpose="Approved lines collected, exported for payroll and marked paid.",
    retention=Keep.PAYMENT,
    seen_by=COORDINATORS,
    subjects=(Subject.COORDINATOR,),
    identifies="created_by exported_by marked_paid_by",
    groups=[
        plain(
            "id cohort number status hours amount holiday layout paid_on version",
            "The run, its totals, the columns it was exported with and when it was paid.",
        ),
        fields(
            "created_by created_at exported_by exported_at marked_paid_by",
            "Which coordinators collected, exported and marked it paid, and when.",
            PAY,
            P.PERSONAL,
        ),
    ],
)

declare(
    "payments.ExportLayout",
    activity=Activity.PAYMENTS,
    purpose="The payroll file's columns and headers for an organisation.",
    retention=Keep.CONFIGURATION,
    seen_by="Coordinators of any of the organisation's cohorts.",
    subjects=(Subject.COORDINATOR,),
    identifies="updated_by",
    groups=[
        plain("organisation columns version", "The columns and their headers."),
        fields(
            "updated_by updated_at",
            "Who last changed them, and when.",
            Basis.PUBLIC_TASK,
            P.PERSONAL,
        ),
    ],
)

declare(
    "payments.PayCount",
    activity=Activity.PAYMENTS,
    purpose="A cohort's lines waiting and approved amount, counted and kept between changes.",
    retention=Keep.COHORT_FIGURES,
    seen_by=COORDINATORS,
    groups=[
        plain("generation counted_generation counted_at", KEPT),
        plain("cohort waiting_lines approved_pence", "The cohort and its figures."),
    ],
)


# --- Subject access: how these tables' rows about a person are found ----------------------

rule(
    "payments.Line",
    not_through=("timesheet", "meeting", "booking", "event_reply", "rate_value", "payment_run"),
    why="a line is a mentor's pay: reached only through its mentor, so a mentee's meeting "
    "never brings in their mentor's pay",
)
