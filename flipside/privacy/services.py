"""Consent and equality-monitoring answers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, crypto
from .equality import PREFER_NOT, PRIVACY_NOTICE_VERSION, QUESTIONS, SELF_DESCRIBE
from .models import EqualityRecord


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


def save_equality_answers(
    user: Any, cohort: Any, *, answers: dict[str, Any], consent: bool, asked: list[str]
) -> EqualityRecord | None:
    """Store answers only with explicit consent; without it, store nothing (and remove any
    earlier answers for this cohort)."""
    with transaction.atomic():
        if not consent:
            withdraw_equality_answers(user, cohort)
            return None
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
        # The audit trail records that consent was given, never the answers.
        audit.record(user, "privacy.equality.consent_given", cohort, notice=PRIVACY_NOTICE_VERSION)
    return record


def withdraw_equality_answers(user: Any, cohort: Any) -> bool:
    """Delete the person's answers for the cohort; True if there were any."""
    with transaction.atomic():
        deleted, _ = EqualityRecord.objects.filter(user=user, cohort=cohort).delete()
        if deleted:
            audit.record(user, "privacy.equality.consent_withdrawn", cohort)
    return bool(deleted)


def own_answers(user: Any, cohort: Any) -> dict[str, Any] | None:
    """The person's own answers, for them to review and change; None without consent."""
    record = EqualityRecord.objects.filter(user=user, cohort=cohort).first()
    return crypto.decrypt(record.ciphertext) if record else None
