"""Recruitment workflows: calls, applying, reviewing and deciding."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import hash_token
from flipside.accounts.services import AccountsError, checked_email, create_account
from flipside.lib.conflicts import EditConflict
from flipside.notifications import outbox
from flipside.privacy import audit, crypto
from flipside.schemes.models import Membership
from flipside.schemes.services import SchemeError, add_member

from .models import (
    AVAILABILITY_SLOTS,
    Application,
    Call,
    EmailVerification,
    Preference,
    Review,
    ReviewNote,
)

Status = Application.Status
VERIFICATION_VALID = datetime.timedelta(hours=24)
RESEND_AFTER = datetime.timedelta(minutes=2)

# Which decisions a coordinator may make from each state.
DECISIONS: dict[str, set[str]] = {
    Status.SUBMITTED: {Status.SHORTLISTED, Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED},
    Status.SHORTLISTED: {Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED},
    Status.WAITLISTED: {Status.ACCEPTED, Status.DECLINED},
}
OUTCOME_EMAILS: dict[str, str] = {
    Status.ACCEPTED: "application_accepted",
    Status.WAITLISTED: "application_waitlisted",
    Status.DECLINED: "application_declined",
}


class RecruitmentError(Exception):
    """A recruitment step that cannot be taken; the message says why."""


class RecruitmentConflict(RecruitmentError, EditConflict):
    """Someone saved the call or application after the editor opened it."""


# --- Calls --------------------------------------------------------------------------------


def _check_call_dates(values: dict[str, Any]) -> None:
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens and closes and closes <= opens:
        raise RecruitmentError(_("A call must close after it opens."))


def create_call(cohort: Any, *, by: Any, **values: Any) -> Call:
    _check_call_dates(values)
    try:
        with transaction.atomic():
            call = Call.objects.create(cohort=cohort, **values)
            audit.record(by, "recruitment.call.created", call, role=call.role)
    except IntegrityError as error:
        raise RecruitmentError(_("This cohort already has a call for that role.")) from error
    return call


def update_call(call: Call, *, by: Any, version: int, **values: Any) -> Call:
    _check_call_dates({"opens_at": call.opens_at, "closes_at": call.closes_at, **values})
    with transaction.atomic():
        if not Call.objects.filter(pk=call.pk, version=version).update(
            **values, version=version + 1
        ):
            raise RecruitmentConflict(
                _("Someone else changed this call while you were editing. Nothing was saved: "
                  "reload the page and make your changes again."),
                latest=Call.objects.get(pk=call.pk),
            )  # fmt: skip
        audit.record(by, "recruitment.call.updated", call)
    call.refresh_from_db()
    return call


def public_url(call: Call) -> str:
    return settings.SITE_URL + reverse("recruitment:call_public", args=[call.token])


# --- Applying -----------------------------------------------------------------------------


def _require_open(call: Call) -> None:
    state = call.state()
    if state == "upcoming":
        raise RecruitmentError(_("This call is not open yet."))
    if state == "closed":
        raise RecruitmentError(
            _("This call has closed, so applications can no longer be made or changed.")
        )


def start_application(call: Call, *, email: str, name: str) -> EmailVerification:
    """Email a link that proves the applicant reads ``email``. Asking again within two
    minutes sends nothing new, so a double submit sends one email."""
    _require_open(call)
    try:
        email = checked_email(email)
    except AccountsError as error:
        raise RecruitmentError(str(error)) from error
    with transaction.atomic():
        recent = EmailVerification.objects.filter(
            call=call,
            email=email,
            used_at__isnull=True,
            created_at__gt=timezone.now() - RESEND_AFTER,
        ).first()
        if recent is not None:
            return recent
        token = secrets.token_urlsafe(32)
        verification = EmailVerification.objects.create(
            call=call, email=email, name=name, token_hash=hash_token(token),
            expires_at=timezone.now() + VERIFICATION_VALID,
        )  # fmt: skip
        outbox.enqueue(
            "application_verify",
            to=email,
            scheme=call.cohort.scheme,
            values={
                "first_name": name.split()[0] if name.split() else "",
                "call": call.title,
                "link": settings.SITE_URL + reverse("recruitment:verify", args=[token]),
            },
        )
    return verification


def find_verification(token: str) -> EmailVerification | None:
    return (
        EmailVerification.objects.select_related("call__cohort__scheme")
        .filter(token_hash=hash_token(token))
        .first()
    )


def _claim_verification(token: str) -> EmailVerification:
    verification = (
        EmailVerification.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    )
    if verification is None:
        raise RecruitmentError(
            _("This link is not valid. Start your application again from the call.")
        )
    if verification.used_at is not None:
        raise RecruitmentError(
            _("This link has already been used. Sign in to continue your application.")
        )
    if timezone.now() >= verification.expires_at:
        raise RecruitmentError(
            _("This link has expired. Start your application again from the call.")
        )
    return verification


def verify_new_applicant(token: str, *, password: str, pronouns: str = "") -> Application:
    """Create the applicant's account from a verified address and open their draft."""
    with transaction.atomic():
        verification = _claim_verification(token)
        try:
            user = create_account(
                verification.email,
                password=password,
                display_name=verification.name,
                pronouns=pronouns,
            )
        except AccountsError as error:  # "you already have an account" among them
            raise RecruitmentError(str(error)) from error
        verification.used_at = timezone.now()
        verification.save(update_fields=["used_at"])
        audit.record(user, "recruitment.applicant.email_verified", verification.call)
        return start_application_as(verification.call, user=user)


def start_application_as(call: Call, *, user: Any) -> Application:
    """The signed-in person's application to ``call``: their existing one, or a new draft."""
    with transaction.atomic():
        existing = Application.objects.filter(call=call, applicant=user).first()
        if existing is not None:
            return existing
        _require_open(call)
        if Membership.objects.filter(cohort=call.cohort, user=user).exists():
            raise RecruitmentError(_("You are already part of this cohort."))
        application = Application.objects.create(call=call, applicant=user)
        audit.record(user, "recruitment.application.started", application)
    return application


ANSWER_FIELDS = {
    "site", "availability", "mode", "access_needs", "eligibility_confirmed", "programme", "year",
    "statement", "other_topics", "job_title", "department", "seniority", "hopes", "teaching",
    "preferences", "conflicts",
}  # fmt: skip


def save_answers(
    application: Application, *, by: Any, answers: dict[str, Any], version: int | None = None
) -> Application:
    """Keep the applicant's answers (a draft, or changes to a submitted application).
    ``version`` is the one the applicant's page showed: a save from a stale page is refused."""
    if application.applicant_id != by.pk:
        raise RecruitmentError(_("Only the applicant can change an application."))
    unknown = set(answers) - ANSWER_FIELDS - {"topics", "pronouns"}
    if unknown:
        raise RecruitmentError(
            _("Unexpected answers: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        )
        if not locked.is_editable:
            _require_open(locked.call)
            raise RecruitmentError(_("This application can no longer be changed."))
        if version is not None and version != locked.version:
            raise RecruitmentConflict(
                _("You changed this application in another window since this page was opened. "
                  "Nothing was saved here: reload the page to see your latest answers."),
                latest=locked,
            )  # fmt: skip
        slots = answers.get("availability")
        if slots is not None and not set(slots) <= set(AVAILABILITY_SLOTS):
            raise RecruitmentError(_("Choose times from the grid."))
        preferences = answers.get("preferences")
        if preferences is not None and not set(preferences) <= set(Preference.values):
            raise RecruitmentError(_("Choose from the preferences offered."))
        for field, value in answers.items():
            if field == "access_needs":
                locked.access_needs_ciphertext = crypto.encrypt({"text": value or ""})
            elif field in ANSWER_FIELDS:
                setattr(locked, field, value)
        locked.version += 1
        locked.save()
        if "topics" in answers:
            locked.topics.set(answers["topics"])
        if "pronouns" in answers and answers["pronouns"] != by.pronouns:
            by.pronouns = answers["pronouns"]
            by.save(update_fields=["pronouns"])
    return locked


def missing_answers(application: Application) -> list[str]:
    """What must still be answered before the application can be submitted."""
    a = application
    missing = []
    checks = [
        (bool(a.availability), _("when you are available")),
        (bool(a.mode), _("how you would like to meet")),
        (a.site_id is not None, _("your site or campus")),
        (
            a.eligibility_confirmed or not a.call.eligibility,
            _("that you meet the eligibility statements"),
        ),
    ]
    if a.role == "mentor":
        checks += [
            (a.programme_id is not None and a.year is not None, _("your programme and year")),
            (bool(a.statement.strip()), _("why you would be a good fit")),
            (
                a.topics.exists() or bool(a.other_topics.strip()),
                _("what you are willing to talk about"),
            ),
        ]
    else:
        checks += [
            (bool(a.job_title.strip()), _("your job title")),
            (bool(a.department.strip()), _("your department or specialty")),
            (bool(a.seniority), _("your seniority")),
            (bool(a.hopes.strip()), _("what you hope to understand")),
        ]
    missing = [str(label) for ok, label in checks if not ok]
    if a.role == "mentor" and a.word_count() > a.call.word_limit:
        missing.append(
            _("a statement of at most %(limit)s words (yours has %(count)s)")
            % {"limit": a.call.word_limit, "count": a.word_count()}
        )
    return missing


def _lock_own(application: Application, by: Any) -> Application:
    """The application, locked against concurrent changes; only its applicant may act."""
    locked = (
        Application.objects.select_for_update()
        .select_related("call__cohort__scheme")
        .get(pk=application.pk)
    )
    if locked.applicant_id != by.pk:
        raise RecruitmentError(_("Only the applicant can change an application."))
    return locked


def submit_application(application: Application, *, by: Any) -> Application:
    with transaction.atomic():
        locked = _lock_own(application, by)
        _require_open(locked.call)
        if locked.status == Status.SUBMITTED:
            return locked  # a double submit changes nothing
        if locked.status != Status.DRAFT:
            raise RecruitmentError(_("This application has already been decided."))
        missing = missing_answers(locked)
        if missing:
            raise RecruitmentError(
                _("Before you submit, tell us: %(missing)s.") % {"missing": "; ".join(missing)}
            )
        locked.status, locked.submitted_at = Status.SUBMITTED, timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        audit.record(by, "recruitment.application.submitted", locked)
        _email_applicant(locked, "application_received")
    return locked


def withdraw_application(application: Application, *, by: Any) -> Application:
    """The applicant withdraws. If they had a place, they leave the cohort and the top of
    the waiting list is given it."""
    with transaction.atomic():
        locked = _lock_own(application, by)
        if locked.status == Status.WITHDRAWN:
            return locked
        had_place = locked.status == Status.ACCEPTED
        locked.status = Status.WITHDRAWN
        locked.save(update_fields=["status"])
        audit.record(by, "recruitment.application.withdrawn", locked, had_place=had_place)
        if had_place:
            Membership.objects.filter(
                cohort=locked.call.cohort, user=by, role=locked.call.role
            ).delete()
            offer_place_to_waiting_list(locked.call, by=by)
    return locked


# --- Reviewing and deciding ---------------------------------------------------------------


def score_application(application: Application, *, reviewer: Any, scores: dict[int, int]) -> Review:
    criteria = {c.pk: c for c in application.call.cohort.scheme.rubric.all()}
    if set(scores) != set(criteria):
        raise RecruitmentError(_("Give a score for every criterion."))
    for criterion_id, score in scores.items():
        if not 0 <= score <= criteria[criterion_id].max_score:
            raise RecruitmentError(
                _("Scores for %(name)s go from 0 to %(max)s.")
                % {"name": criteria[criterion_id].name, "max": criteria[criterion_id].max_score}
            )
    with transaction.atomic():
        review, _created = Review.objects.update_or_create(
            application=application,
            reviewer=reviewer,
            defaults={
                "scores": {str(k): v for k, v in scores.items()},
                "total": sum(scores.values()),
                "updated_at": timezone.now(),
            },
        )
        audit.record(reviewer, "recruitment.application.scored", application, total=review.total)
    return review


def add_note(application: Application, *, author: Any, text: str) -> ReviewNote:
    if not text.strip():
        raise RecruitmentError(_("Write the note before saving it."))
    with transaction.atomic():
        note = ReviewNote.objects.create(application=application, author=author, text=text.strip())
        audit.record(author, "recruitment.application.note_added", application)
    return note


def _decide_one(application: Application, outcome: str, by: Any) -> None:
    allowed = DECISIONS.get(application.status, set())
    if outcome not in allowed:
        raise RecruitmentError(
            _("%(applicant)s's application is %(status)s, so it cannot be marked %(outcome)s.")
            % {
                "applicant": _applicant_label(application),
                "status": application.get_status_display().lower(),
                "outcome": Status(outcome).label.lower(),
            }
        )
    application.status, application.decided_at = outcome, timezone.now()
    application.save(update_fields=["status", "decided_at"])
    audit.record(by, "recruitment.application.decided", application, outcome=outcome)
    if outcome == Status.ACCEPTED:
        _admit(application, by)
    if outcome in OUTCOME_EMAILS:
        _email_applicant(application, OUTCOME_EMAILS[outcome])


def decide(applications: list[Application], *, outcome: str, by: Any) -> list[Application]:
    """Decide one or many applications at once: all of them, or (on any problem) none."""
    if outcome not in Status.values:
        raise RecruitmentError(_("Choose a decision from the list."))
    ids = [a.pk for a in applications]
    with transaction.atomic():
        locked = list(
            Application.objects.select_for_update()
            .select_related("call__cohort__scheme", "applicant")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        for application in locked:
            _decide_one(application, outcome, by)
    return locked


def _applicant_label(application: Application) -> str:
    """Who the applicant is, as reviewers may know them: under blind review, a number."""
    if application.call.blind_review:
        return _("Applicant %(id)s") % {"id": application.pk}
    return str(application.applicant)


def _admit(application: Application, by: Any) -> None:
    """An accepted applicant joins the cohort in the call's role; their answers seed it."""
    try:
        add_member(
            application.call.cohort, user=application.applicant, role=application.call.role,
            site=application.site, by=by,
        )  # fmt: skip
    except SchemeError as error:
        if application.call.blind_review:  # the scheme's message names the person
            raise RecruitmentError(
                _("%(applicant)s is already in this cohort in another role.")
                % {"applicant": _applicant_label(application)}
            ) from error
        raise RecruitmentError(str(error)) from error


def waiting_list(call: Call) -> list[Application]:
    """Waitlisted applications, best average review score first, then earliest submitted."""
    return list(
        call.applications.filter(status=Status.WAITLISTED)
        .annotate(score=Avg("reviews__total"))
        # Unscored applications last: PostgreSQL sorts NULL first in descending order.
        .order_by(F("score").desc(nulls_last=True), "submitted_at", "pk")
    )


def offer_place_to_waiting_list(call: Call, *, by: Any) -> Application | None:
    """Give a freed place to the top of the waiting list, if anyone is on it."""
    ranked = waiting_list(call)
    if not ranked:
        return None
    top = (
        Application.objects.select_for_update()
        .select_related("call__cohort__scheme", "applicant")
        .get(pk=ranked[0].pk)
    )
    top.status, top.decided_at = Status.ACCEPTED, timezone.now()
    top.save(update_fields=["status", "decided_at"])
    audit.record(by, "recruitment.application.offered_freed_place", top)
    _admit(top, by)
    _email_applicant(top, "place_offered")
    return top


def _email_applicant(application: Application, kind: str) -> None:
    call = application.call
    outbox.enqueue(
        kind,
        to=application.applicant.email,
        user=application.applicant,
        scheme=call.cohort.scheme,
        values={
            "call": call.title,
            "cohort": str(call.cohort),
            "role": str(call.get_role_display()),
            "closes_on": formats.date_format(timezone.localtime(call.closes_at), "j F Y"),
            "link": settings.SITE_URL + reverse("recruitment:application", args=[application.pk]),
        },
    )
