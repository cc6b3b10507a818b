"""Consent and equality-monitoring answers.

Every change of consent is an insert into ``ConsentRecord`` in the same transaction as the
change to the answers and its audit entry. Changes to one person's consents are taken one at a
time (their user row is locked), so a double submit records one withdrawal, not two.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, crypto
from .consent import is_left_out, standing_consent, wording_hash
from .equality import PREFER_NOT, PRIVACY_NOTICE_VERSION, QUESTIONS, SELF_DESCRIBE, consent_wording
from .models import ConsentRecord, EqualityRecord

Purpose, Event = ConsentRecord.Purpose, ConsentRecord.Event


class PrivacyError(Exception):
    """An equality-monitoring change that cannot be made; the message says why."""


def _clean(answers: dict[str, Any], asked: list[str]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key in asked:
        question = QUESTIONS[key]
        value = answers.get(key) or PREFER_NOT
        if value not in dict(question.choices()):
            raise PrivacyError(_("Choose one of the answers offered."))
        clean[key] = value
        if value == SELF_DESCRIBE:
            clean[f"{key}_description"] = str(answers.get(f"{key}_description", ""))[:200]
    return clean


def _lock(user: Any) -> None:
    """Take the person's consent changes one at a time (a no-op lock on SQLite, whose
    transactions are immediate and so already one at a time)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _record(
    user: Any,
    purpose: str,
    event: str,
    *,
    cohort_id: int | None = None,
    categories: list[str] | None = None,
    wording: str = "",
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        user=user,
        purpose=purpose,
        cohort_id=cohort_id,
        event=event,
        at=timezone.now(),
        categories=categories or [],
        notice_version=PRIVACY_NOTICE_VERSION,
        notice_hash=wording_hash(wording) if wording else "",
        wording=wording,
    )


def save_equality_answers(
    user: Any, cohort: Any, *, answers: dict[str, Any], consent: bool, asked: list[str]
) -> EqualityRecord | None:
    """Store answers only with explicit consent; without it, store nothing (and remove any
    earlier answers for this cohort). Consent given is recorded with the statement agreed to,
    unless the same statement's consent already stands."""
    with transaction.atomic():
        if not consent:
            withdraw_equality_answers(user, cohort)
            return None
        _lock(user)
        if is_left_out(user):
            raise PrivacyError(
                _(
                    "You asked to be left out of equality monitoring, so we store no answers. "
                    "You can change that on your privacy page."
                )
            )
        record, _created = EqualityRecord.objects.update_or_create(
            user=user,
            cohort=cohort,
            defaults={
                "ciphertext": crypto.encrypt(_clean(answers, asked)),
                "consented_at": timezone.now(),
                "notice_version": PRIVACY_NOTICE_VERSION,
                "updated_at": timezone.now(),
            },
        )
        wording = consent_wording(asked)
        given = standing_consent(user, cohort)
        if given is None or given.notice_hash != wording_hash(wording):
            _record(
                user,
                Purpose.EQUALITY_MONITORING,
                Event.GIVEN,
                cohort_id=cohort.pk,
                categories=list(asked),
                wording=wording,
            )
        # The audit trail records that consent was given, never the answers.
        audit.record(user, "privacy.equality.consent_given", cohort, notice=PRIVACY_NOTICE_VERSION)
    return record


def withdraw_equality_answers(user: Any, cohort: Any) -> bool:
    """Delete the person's answers for the cohort and record the withdrawal of a consent that
    stood; True if anything changed. Doing it twice changes nothing the second time."""
    with transaction.atomic():
        _lock(user)
        changed = _withdraw(user, cohort.pk)
        if changed:
            audit.record(user, "privacy.equality.consent_withdrawn", cohort)
    return changed


def _withdraw(user: Any, cohort_id: int) -> bool:
    deleted, _counts = EqualityRecord.objects.filter(user=user, cohort_id=cohort_id).delete()
    stood = standing_consent(user, cohort_id)
    if stood is not None:
        _record(
            user,
            Purpose.EQUALITY_MONITORING,
            Event.WITHDRAWN,
            cohort_id=cohort_id,
            categories=stood.categories,
        )
    return bool(deleted or stood)


def withdraw_consent(user: Any, record: ConsentRecord) -> bool:
    """Withdraw the consent ``record`` belongs to (one of the person's own); True if it stood."""
    if record.purpose == Purpose.ASKED:
        return leave_out_of_equality_monitoring(user)
    return withdraw_equality_answers(user, record.cohort)


def leave_out_of_equality_monitoring(user: Any) -> bool:
    """The person-wide "leave me out": every equality answer the person holds is deleted, each
    consent that stood is recorded as withdrawn, and the choice itself is recorded, so that they
    are never asked again and no report counts them. False if they were already left out."""
    with transaction.atomic():
        _lock(user)
        if is_left_out(user):
            return False
        held = ConsentRecord.objects.filter(user=user, cohort__isnull=False)
        cohorts = set(held.values_list("cohort_id", flat=True))
        cohorts |= set(EqualityRecord.objects.filter(user=user).values_list("cohort_id", flat=True))
        withdrawn = [cohort_id for cohort_id in sorted(cohorts) if _withdraw(user, cohort_id)]
        _record(user, Purpose.ASKED, Event.WITHDRAWN, categories=list(QUESTIONS))
        audit.record(user, "privacy.equality.left_out", user, cohorts=withdrawn)
    return True


def include_in_equality_monitoring(user: Any) -> bool:
    """Undo "leave me out": the person may be asked the questions again (their answers were
    deleted and are not restored). False if they were not left out."""
    with transaction.atomic():
        _lock(user)
        if not is_left_out(user):
            return False
        wording = _(
            "I would like to be asked the optional equality monitoring questions again, as the "
            "privacy notice (version %(version)s) describes."
        ) % {"version": PRIVACY_NOTICE_VERSION}
        _record(user, Purpose.ASKED, Event.GIVEN, categories=list(QUESTIONS), wording=wording)
        audit.record(user, "privacy.equality.included", user)
    return True


def own_answers(user: Any, cohort: Any) -> dict[str, Any] | None:
    """The person's own answers, for them to review and change; None without consent."""
    record = EqualityRecord.objects.filter(user=user, cohort=cohort).first()
    return crypto.decrypt(record.ciphertext) if record else None
