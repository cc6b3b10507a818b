"""The survey builder: instruments and their questions, and Flipside's standard instruments.

Once any survey using an instrument has a response, its questions are fixed except for their
wording: a question cannot change kind, become required, lose or gain options, or be removed,
and no question can be added, because the answers already given would no longer mean what
they meant. Coordinators are told so and nothing is lost.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.lib.forms import reject_control_characters
from flipside.lib.text import validate_single_line
from flipside.privacy import audit
from flipside.schemes.models import Scheme

from ..models import CHOICE_KINDS, Audience, Instrument, Kind, Question, Response
from ..standard import STANDARD, Standard
from . import SurveyConflict, SurveyError

LOCKED = _(
    "People have already answered a survey using this instrument, so only the wording can "
    "change: questions cannot be added, removed, made required or change kind, and options "
    "cannot be added or removed. To ask something new, make a new instrument."
)
MOST_CHOICES = 20


def ensure_standard(scheme: Scheme) -> dict[str, Instrument]:
    """The scheme's standard instruments, made with their questions the first time anyone
    asks (idempotent, also when two requests ask at once)."""
    found = {
        i.standard_key: i for i in Instrument.objects.filter(scheme=scheme).exclude(standard_key="")
    }
    for standard in STANDARD:
        if standard.key in found:
            continue
        try:
            with transaction.atomic():
                found[standard.key] = _make_standard(scheme, standard)
        except IntegrityError:  # made meanwhile by another request
            found[standard.key] = Instrument.objects.get(scheme=scheme, standard_key=standard.key)
    return found


def _make_standard(scheme: Scheme, standard: Standard) -> Instrument:
    instrument = Instrument.objects.create(
        scheme=scheme, audience=standard.audience, title=standard.title,
        introduction=standard.introduction, standard_key=standard.key,
    )  # fmt: skip
    Question.objects.bulk_create(
        Question(
            instrument=instrument,
            position=n,
            section=item.section,
            text=item.text,
            help_text=item.help_text,
            kind=item.kind,
            required=item.required,
            choices=list(item.choices),
        )  # fmt: skip
        for n, item in enumerate(standard.items, start=1)
    )
    return instrument


def is_locked(instrument: Instrument) -> bool:
    """Whether anyone has answered a survey using the instrument (wording fixes only)."""
    return Response.objects.filter(survey__instrument=instrument).exists()


def _line(value: object, field: str, *, most: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise SurveyError(_("This cannot be empty."), field=field)
    if len(text) > most:
        raise SurveyError(_("Use at most %(n)s characters.") % {"n": most}, field=field)
    try:
        validate_single_line(text)
    except ValidationError as error:
        raise SurveyError(" ".join(error.messages), field=field) from None
    return text


def _paragraph(value: object, field: str, *, most: int) -> str:
    text = str(value or "").strip()
    if len(text) > most:
        raise SurveyError(_("Use at most %(n)s characters.") % {"n": most}, field=field)
    try:
        reject_control_characters(text)
    except ValidationError as error:
        raise SurveyError(" ".join(error.messages), field=field) from None
    return text


def _conflict(instrument: Instrument) -> SurveyConflict:
    return SurveyConflict(
        _("Someone changed this instrument after you opened this page. Nothing was saved: "
          "check what is saved now, then save again if you still want your change."),
        latest=Instrument.objects.get(pk=instrument.pk),
    )  # fmt: skip


def _locked_instrument(instrument: Instrument, version: int | None) -> Instrument:
    current = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if version is not None and current.version != version:
        raise _conflict(current)
    return current


def create_instrument(
    scheme: Scheme, *, by: User, title: str, audience: str, introduction: str, identified: bool
) -> Instrument:
    """A coordinator's own instrument, without questions yet."""
    if audience not in Audience.values:
        raise SurveyError(_("Choose who answers it."), field="audience")
    with transaction.atomic():
        instrument = Instrument.objects.create(
            scheme=scheme, audience=audience, identified=bool(identified),
            title=_line(title, "title", most=150, required=True),
            introduction=_paragraph(introduction, "introduction", most=2000),
        )  # fmt: skip
        audit.record(by, "surveys.instrument.created", instrument, audience=audience,
                     identified=instrument.identified)  # fmt: skip
    return instrument


def update_instrument(
    instrument: Instrument, *, by: User, version: int, title: str, introduction: str,
    identified: bool,
) -> Instrument:  # fmt: skip
    """Change the title, introduction or whether answers are kept with names. Whether it is
    identified cannot change once anyone has answered: people answered on the other terms."""
    title = _line(title, "title", most=150, required=True)
    introduction = _paragraph(introduction, "introduction", most=2000)
    with transaction.atomic():
        current = _locked_instrument(instrument, None)
        values = {"title": title, "introduction": introduction, "identified": bool(identified)}
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        if not changed:
            return current
        if current.version != version:
            raise _conflict(current)
        if "identified" in changed and is_locked(current):
            raise SurveyError(
                _("People have already answered on the terms shown to them, so whether "
                  "answers are kept with names cannot change now."),
                field="identified",
            )  # fmt: skip
        for name, value in changed.items():
            setattr(current, name, value)
        current.version += 1
        current.save(update_fields=[*changed, "version"])
        audit.record(by, "surveys.instrument.changed", current, changed=sorted(changed))
    return current


def _choices(kind: str, choices: list[str]) -> list[str]:
    cleaned = [_line(c, "choices", most=200) for c in choices]
    cleaned = [c for c in cleaned if c]
    if kind not in CHOICE_KINDS:
        return []
    if len(cleaned) < 2:
        raise SurveyError(_("Give at least two options, one a line."), field="choices")
    if len(cleaned) > MOST_CHOICES:
        raise SurveyError(_("Give at most %(n)s options.") % {"n": MOST_CHOICES}, field="choices")
    if len({c.casefold() for c in cleaned}) != len(cleaned):
        raise SurveyError(_("Each option must be different."), field="choices")
    return cleaned


def _question_values(values: dict[str, Any]) -> dict[str, Any]:
    kind = values["kind"]
    if kind not in Kind.values:
        raise SurveyError(_("Choose the kind of question."), field="kind")
    return {
        "text": _line(values["text"], "text", most=500, required=True),
        "help_text": _line(values.get("help_text"), "help_text", most=500),
        "section": _line(values.get("section"), "section", most=150),
        "kind": kind,
        "required": bool(values.get("required")),
        "choices": _choices(kind, list(values.get("choices") or [])),
    }


def add_question(
    instrument: Instrument, *, by: User, version: int, text: str, help_text: str, section: str,
    kind: str, required: bool, choices: list[str],
) -> Question:  # fmt: skip
    """A new last question; refused once anyone has answered (``LOCKED``)."""
    values = _question_values(
        {"text": text, "help_text": help_text, "section": section, "kind": kind,
         "required": required, "choices": choices}
    )  # fmt: skip
    with transaction.atomic():
        current = _locked_instrument(instrument, version)
        if is_locked(current):
            raise SurveyError(LOCKED)
        last = current.questions.aggregate(last=Max("position"))["last"] or 0
        question = Question.objects.create(instrument=current, position=last + 1, **values)
        _bump(current)
        audit.record(by, "surveys.question.added", question, instrument=current.pk, kind=kind)
    return question


def update_question(
    question: Question, *, by: User, version: int, text: str, help_text: str, section: str,
    kind: str, required: bool, choices: list[str],
) -> Question:  # fmt: skip
    """Change a question. Once anyone has answered, only its wording (text, hint, section
    heading and the options' labels, as many options as before) may change."""
    values = _question_values(
        {"text": text, "help_text": help_text, "section": section, "kind": kind,
         "required": required, "choices": choices}
    )  # fmt: skip
    with transaction.atomic():
        instrument = _locked_instrument(question.instrument, None)
        current = Question.objects.get(pk=question.pk)
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        if not changed:
            return current
        if instrument.version != version:
            raise _conflict(instrument)
        if is_locked(instrument):
            _refuse_meaning_change(current, values)
        for name, value in changed.items():
            setattr(current, name, value)
        current.save(update_fields=list(changed))
        _bump(instrument)
        audit.record(by, "surveys.question.changed", current, changed=sorted(changed))
    return current


def _refuse_meaning_change(current: Question, values: dict[str, Any]) -> None:
    if values["kind"] != current.kind:
        raise SurveyError(LOCKED, field="kind")
    if values["required"] and not current.required:
        raise SurveyError(LOCKED, field="required")
    if len(values["choices"]) != len(current.choices):
        raise SurveyError(LOCKED, field="choices")


def remove_question(question: Question, *, by: User, version: int) -> None:
    with transaction.atomic():
        instrument = _locked_instrument(question.instrument, version)
        if is_locked(instrument):
            raise SurveyError(LOCKED)
        audit.record(by, "surveys.question.removed", question, instrument=instrument.pk,
                     text=question.text)  # fmt: skip
        question.delete()
        _bump(instrument)


def _bump(instrument: Instrument) -> None:
    instrument.version += 1
    instrument.save(update_fields=["version"])
