"""Reads for applicants' pages: their applications, how each stands and what to do next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import router
from django.utils.translation import gettext as _

from flipside.lib.sql import fetch, field_of, partial
from flipside.privacy import crypto
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
# through the call, cohort and scheme (and two raw querysets, one for the applications and
# one for their calls, cost about as much to build their models).
_APPLICATIONS_SQL = """
    SELECT a.id, a.call_id, a.applicant_id, a.status, a.created_at, a.submitted_at,
        c.cohort_id, c.role, c.title, c.opens_at, c.closes_at,
        co.label, co.stage, co.scheme_id, s.name
    FROM recruitment_application a JOIN recruitment_call c ON c.id = a.call_id
    JOIN schemes_cohort co ON co.id = c.cohort_id
    JOIN schemes_scheme s ON s.id = co.scheme_id
    WHERE a.applicant_id = %s ORDER BY a.created_at DESC, a.id DESC
"""


def _field(model: Any, name: str) -> Any:
    return field_of(model, name)


_FIELDS = (
    None, None, None, None, _field(Application, "created_at"),
    _field(Application, "submitted_at"), None, None, None, _field(Call, "opens_at"),
    _field(Call, "closes_at"), None, None, None, None,
)  # fmt: skip


def applications_of(user: Any) -> list[ApplicationSummary]:
    """Everyone's own applications, newest first, with what to do next (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    using = router.db_for_read(Application)
    calls: dict[int, Call] = {}
    applications = []
    for row in fetch(_APPLICATIONS_SQL, [user.pk], _FIELDS, using=using):
        (pk, call_id, applicant_id, status, created_at, submitted_at, cohort_id, role, title,
         opens_at, closes_at, label, stage, scheme_id, scheme_name) = row  # fmt: skip
        call = calls.get(call_id)
        if call is None:
            scheme = partial(Scheme, {"id": scheme_id, "name": scheme_name}, using=using)
            cohort = partial(
                Cohort,
                {"id": cohort_id, "scheme_id": scheme_id, "label": label, "stage": stage},
                using=using,
            )
            cohort.scheme = scheme
            call = partial(
                Call,
                {"id": call_id, "cohort_id": cohort_id, "role": role, "title": title,
                 "opens_at": opens_at, "closes_at": closes_at},
                using=using,
            )  # fmt: skip
            call.cohort = cohort
            calls[call_id] = call
        application = partial(
            Application,
            {"id": pk, "call_id": call_id, "applicant_id": applicant_id, "status": status,
             "created_at": created_at, "submitted_at": submitted_at},
            using=using,
        )  # fmt: skip
        application.call = call
        applications.append(application)
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


def access_needs_of(application: Application) -> str | None:
    """The applicant's access needs, decrypted ("" when none were given; None when no key
    opens them: tampered with, or the key is gone). The only reader: callers show them to
    the applicant and to the coordinators who review the application."""
    try:
        return str(crypto.decrypt(application.access_needs_ciphertext).get("text", ""))
    except crypto.DecryptionError:
        return None


def _access_needs_text(application: Application) -> str:
    found = access_needs_of(application)
    return _("This can no longer be read.") if found is None else found


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
        (_("Anything that would help you take part"), _access_needs_text(a) or none),
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
