"""A respondent's answers: given, found again and changed until the survey closes.

Nothing here writes an audit entry or a log line, and nothing stored with the answers says
who gave them or when: the response is found only through the keyed pseudonym, and the
invitation (which does name the person) records only that they answered.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.privacy import crypto
from flipside.schemes.models import Membership

from .. import kept
from ..models import (
    CHOICE_KINDS,
    TEXT_KINDS,
    Identification,
    Invitation,
    Kind,
    Question,
    Response,
    Stage,
    Survey,
)
from ..pseudonyms import pseudonym
from ..standard import options
from . import SurveyConflict, SurveyError

MOST_TEXT = {Kind.TEXT: 1000, Kind.NARRATIVE: 10000}


class AnswersRefused(SurveyError):
    """Some answers cannot be kept: ``errors`` says why, by question id."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(_("Some answers need changing."))
        self.errors = errors


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "j F Y")


def check_open(survey: Survey, today: datetime.date) -> None:
    if today < survey.opens_on:
        raise SurveyError(_("This survey opens on %(day)s.") % {"day": _day(survey.opens_on)})
    if today > survey.closes_on:
        raise SurveyError(
            _("This survey closed on %(day)s. Answers can no longer be given or changed.")
            % {"day": _day(survey.closes_on)}
        )


def in_audience(survey: Survey, user: User) -> bool:
    return Membership.objects.filter(
        cohort_id=survey.series.cohort_id, role=survey.series.audience, user=user
    ).exists()


def round_of(survey: Survey, user: User, meeting_id: int) -> int:
    """0 for a survey asked once; for a check-in, which of the person's check-ins this is
    (1, 2, …), so that the response never names the meeting or the pair."""
    if survey.stage != Stage.CHECKIN:
        return 0
    ids = list(
        Invitation.objects.filter(survey=survey, user=user)
        .order_by("meeting_id")
        .values_list("meeting_id", flat=True)
    )
    if meeting_id not in ids:
        raise SurveyError(_("This check-in is not for you."))
    return ids.index(meeting_id) + 1


def clean_answers(questions: list[Question], raw: dict[int, Any]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """The answers split into scale and choice values (by question id, as text keys) and
    free text; refuses what a question cannot take (``AnswersRefused``)."""
    values: dict[str, Any] = {}
    texts: dict[str, str] = {}
    errors: dict[int, str] = {}
    for question in questions:
        value = raw.get(question.pk)
        empty = value in (None, "", [], ())
        if empty:
            if question.required:
                errors[question.pk] = _("Answer this question.")
            continue
        try:
            if question.kind in TEXT_KINDS:
                texts[str(question.pk)] = _text(question, value)
            else:
                values[str(question.pk)] = _choice(question, value)
        except ValueError as error:
            errors[question.pk] = str(error)
    if errors:
        raise AnswersRefused(errors)
    return values, texts


def _text(question: Question, value: Any) -> str:
    text = str(value).strip()
    most = MOST_TEXT[Kind(question.kind)]
    if len(text) > most:
        raise ValueError(_("Use at most %(n)s characters.") % {"n": most})
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise ValueError(_("Remove the invisible control characters from this text."))
    return text


def _choice(question: Question, value: Any) -> int | list[int]:
    allowed = {v for v, _label in options(question.kind, question.choices)}
    chosen = value if isinstance(value, list | tuple) else [value]
    try:
        numbers = sorted({int(v) for v in chosen})
    except (TypeError, ValueError):
        numbers = [-1]
    if not numbers or not set(numbers) <= allowed:
        raise ValueError(_("Choose one of the options."))
    if question.kind in CHOICE_KINDS and question.kind == Kind.MULTIPLE:
        return numbers
    if len(numbers) != 1:
        raise ValueError(_("Choose one option only."))
    return numbers[0]


@dataclass
class Own:
    """A person's own response, read back for them: scale and choice values and their
    free text, by question id. ``unreadable``: their free text could not be decrypted
    (tampered with, or its key is gone), so it is not shown and they can write it again."""

    response: Response | None
    values: dict[str, Any]
    texts: dict[str, str]
    unreadable: bool = False


def open_texts(ciphertext: str) -> dict[str, Any] | None:
    """A response's free text by question id, or None when no key opens it (tampered
    with, or its key is gone): every reader counts or says so, never fails."""
    if not ciphertext:
        return {}
    try:
        return crypto.decrypt(ciphertext)
    except crypto.DecryptionError:
        return None


def own_response(survey: Survey, user: User, *, round: int = 0) -> Own:
    found = Response.objects.filter(
        survey=survey, pseudonym=pseudonym(user.pk, survey.series_id), round=round
    ).first()
    if found is None:
        return Own(None, {}, {})
    texts = open_texts(found.ciphertext)
    return Own(
        found, dict(found.answers), {k: str(v) for k, v in (texts or {}).items()},
        unreadable=texts is None,
    )  # fmt: skip


def submit_response(
    survey: Survey, *, user: User, answers: dict[int, Any], version: int | None = None,
    meeting_id: int = 0, today: datetime.date | None = None,
) -> Response:  # fmt: skip
    """Keep the person's answers to ``survey``: a new response, or their earlier one changed
    (one per person and stage, and per round of check-ins). ``version`` is the response's
    version when the form was opened (None: there was none); a stale one raises
    ``SurveyConflict`` unless the answers are the same (a form sent twice)."""
    check_open(survey, today or timezone.localdate())
    if not in_audience(survey, user):
        raise SurveyError(_("This survey is not for you."))
    questions = list(survey.instrument.questions.order_by("position", "pk"))
    values, texts = clean_answers(questions, answers)
    key = pseudonym(user.pk, survey.series_id)
    number = round_of(survey, user, meeting_id)
    with transaction.atomic():
        # The survey's row first: its kept figures are counted again below (decision 0023),
        # and every answer to the survey waits for the one before.
        kept.lock(survey.pk)
        invitation = _invitation(survey, user, meeting_id)
        current = (
            Response.objects.select_for_update()
            .filter(survey=survey, pseudonym=key, round=number)
            .first()
        )
        if current is None:
            current = _create(survey, key, number, values, texts)
            changed = True
        else:
            changed = _change(current, version, values, texts)
        if not invitation.answered:
            invitation.answered = True
            invitation.save(update_fields=["answered"])
        if survey.instrument.identified:
            Identification.objects.get_or_create(response=current, defaults={"user": user})
        kept.recount(survey.pk, answers_changed=changed)
    return current


def _invitation(survey: Survey, user: User, meeting_id: int) -> Invitation:
    """The person's invitation, locked (made now if they joined after invitations went
    out), so two submissions by one person are taken one after the other."""
    try:
        with transaction.atomic():
            Invitation.objects.get_or_create(survey=survey, user=user, meeting_id=meeting_id)
    except IntegrityError:
        pass
    return Invitation.objects.select_for_update().get(
        survey=survey, user=user, meeting_id=meeting_id
    )


def _sealed(texts: dict[str, str]) -> str:
    # Sealed even when empty: key rotation re-encrypts every response and cannot open "".
    return crypto.encrypt(texts)


def _create(survey: Survey, key: str, number: int, values: dict, texts: dict) -> Response:  # type: ignore[type-arg]
    return Response.objects.create(
        survey=survey, pseudonym=key, round=number, answers=values, ciphertext=_sealed(texts)
    )


def _change(current: Response, version: int | None, values: dict, texts: dict) -> bool:  # type: ignore[type-arg]
    """Replace the response's answers; False when they are the same (nothing written)."""
    # Unreadable old text (None) never equals new answers: they replace it.
    if current.answers == values and open_texts(current.ciphertext) == texts:
        return False  # the same answers sent twice
    if version is not None and version != current.version:
        raise SurveyConflict(
            _("You changed these answers in another window after opening this page. Nothing "
              "was saved: check your saved answers below, then save again if you want these."),
            latest=current,
        )  # fmt: skip
    current.answers = values
    current.ciphertext = _sealed(texts)
    current.version += 1
    current.save(update_fields=["answers", "ciphertext", "version"])
    return True
