"""Reads for applicants' pages: their applications, how each stands and what to do next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from flipside.lib.sql import partial
from flipside.schemes.models import Cohort, Scheme, Stage

from .models import AVAILABILITY_SLOTS, PARTS_OF_DAY, WEEKDAYS, Application, Call
from .templatetags.recruitment import london

Status = Application.Status

# What applicants are told about their application's status. Shortlisting is a step in the
# coordinators' review with no email of its own, so applicants see it as "Submitted" until
# they hear the outcome.
APPLICANT_STATUS: dict[str, str] = {Status.SHORTLISTED: Status.SUBMITTED}


@dataclass(frozen=True)
class ApplicationSummary:
    application: Application
    status: str
    status_label: str
    next_step: str


def applicant_status(application: Application) -> tuple[str, str]:
    """The status an applicant sees, as (code, label)."""
    code = APPLICANT_STATUS.get(application.status, application.status)
    return code, str(Status(code).label)


def next_step(application: Application) -> str:
    call, status = application.call, application.status
    closes = london(call.closes_at)
    if status == Status.DRAFT:
        if call.state() == "closed":
            return _("The call closed before this application was submitted.")
        return _("Finish your answers and submit them by %(closes)s.") % {"closes": closes}
    if status in (Status.SUBMITTED, Status.SHORTLISTED):
        if call.state() == "open":
            return _(
                "You can change your answers until %(closes)s. The coordinators review every "
                "application after the call closes."
            ) % {"closes": closes}
        return _("The coordinators are reviewing applications. We will email you the outcome.")
    outcomes: dict[str, str] = {
        Status.ACCEPTED: _accepted_step(call.cohort) % {"cohort": call.cohort},
        Status.WAITLISTED: _(
            "You are on the waiting list. If a place comes free, we will email you."
        ),
        Status.DECLINED: _("Thank you for applying. There was not a place for you this time."),
        Status.WITHDRAWN: _("You withdrew this application."),
    }
    return outcomes[status]


def _accepted_step(cohort: Cohort) -> str:
    """What an accepted applicant does next, by how far their cohort has come."""
    if cohort.stage == Stage.MATCHING:
        return _("You have a place in %(cohort)s. You will be told who your partner is soon.")
    if cohort.stage == Stage.RUNNING:
        return _("You are taking part in %(cohort)s.")
    if cohort.stage == Stage.CLOSED:
        return _("You took part in %(cohort)s.")
    return _("You have a place in %(cohort)s. Your coordinator will email you about training.")


# Every home page asks for the person's applications, and most people have none or one:
# plain SQL, as for roles (decision 0007), where the ORM took ~1 ms to compile the join
# through the call, cohort and scheme. The calls are read only for people who applied.
_APPLICATIONS_SQL = """
    SELECT id, call_id, applicant_id, status, created_at, submitted_at
    FROM recruitment_application WHERE applicant_id = %s ORDER BY created_at DESC, id DESC
"""
_CALLS_SQL = """
    SELECT c.id, c.cohort_id, c.role, c.title, c.opens_at, c.closes_at,
        co.label AS cohort_label, co.stage AS cohort_stage, co.scheme_id AS cohort_scheme_id,
        s.name AS scheme_name
    FROM recruitment_call c JOIN schemes_cohort co ON co.id = c.cohort_id
    JOIN schemes_scheme s ON s.id = co.scheme_id
    WHERE c.id IN ({ids})
"""


def applications_of(user: Any) -> list[ApplicationSummary]:
    """Everyone's own applications, newest first, with what to do next."""
    if not getattr(user, "is_authenticated", False):
        return []
    applications = list(Application.objects.raw(_APPLICATIONS_SQL, [user.pk]))
    if not applications:
        return []
    ids = sorted({a.call_id for a in applications})
    calls = {}
    for call in Call.objects.raw(_CALLS_SQL.format(ids=", ".join(["%s"] * len(ids))), ids):
        read: Any = call  # with the query's extra columns
        using = call._state.db or "default"
        scheme = partial(
            Scheme, {"id": read.cohort_scheme_id, "name": read.scheme_name}, using=using
        )
        call.cohort = partial(
            Cohort,
            {
                "id": call.cohort_id,
                "scheme_id": scheme.pk,
                "label": read.cohort_label,
                "stage": read.cohort_stage,
            },
            using=using,
        )
        call.cohort.scheme = scheme
        calls[call.pk] = call
    for application in applications:
        application.call = calls[application.call_id]
    return [
        ApplicationSummary(a, *applicant_status(a), next_step=next_step(a)) for a in applications
    ]


def application_to(call: Call, user: Any) -> Application | None:
    """The person's application to ``call``, if they have started one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Application.objects.filter(call=call, applicant=user).first()


def slot_label(code: str) -> str:
    """ "tue-pm" → "Tuesday afternoon"."""
    day, part = code.split("-", 1)
    return _("%(day)s %(part)s") % {"day": dict(WEEKDAYS)[day], "part": dict(PARTS_OF_DAY)[part]}


def answers_for_display(application: Application) -> list[tuple[str, str]]:
    """The applicant's answers as (question, answer) pairs, in the order the form asks them."""
    a = application
    none = _("Not answered")
    slots = [slot_label(s) for s in AVAILABILITY_SLOTS if s in a.availability]
    shared_before = [(_("Site"), str(a.site or none))]
    shared_after = [
        (_("When you could usually meet"), ", ".join(slots) or none),
        (_("How you would like to meet"), a.get_mode_display() or none),
        (_("Pronouns"), a.applicant.pronouns or none),
        (_("Anything that would help you take part"), a.access_needs or none),
    ]
    if a.call.eligibility:
        confirmed = _("Confirmed") if a.eligibility_confirmed else _("Not confirmed")
        shared_after.append((_("Eligibility"), confirmed))
    if a.role == "mentor":
        topics = [t.name for t in a.topics.all()]
        own = [
            (_("Programme"), str(a.programme or none)),
            (_("Year of study"), str(a.year or none)),
            *shared_before,
            (_("Why you would be a good mentor"), a.statement or none),
            (_("Topics you would talk about"), ", ".join(topics) or none),
            (_("Other topics"), a.other_topics or none),
        ]
    else:
        programmes = {p.pk: p.name for p in a.call.cohort.scheme.organisation.programmes.all()}
        teaching = [
            _("%(programme)s year %(year)s")
            % {"programme": programmes.get(t["programme"], "?"), "year": t["year"]}
            for t in a.teaching
        ]
        own = [
            (_("Job title"), a.job_title or none),
            (_("Department or specialty"), a.department or none),
            *shared_before,
            (_("Seniority"), a.get_seniority_display() or none),
            (_("What you hope to understand"), a.hopes or none),
            (_("Students you teach, assess or supervise"), "; ".join(teaching) or _("None")),
        ]
    return own + shared_after
