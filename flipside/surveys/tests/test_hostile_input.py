"""Hostile input over every surveys form that writes (docs: SECURITY.md, "Bad input"):
script and HTML, template and Markdown tricks, formulas, very long text, NUL, control and
direction characters, line breaks, huge, negative, non-numeric and wrongly typed values,
impossible dates, and ids that are not ids. Never a server error; each value is refused with a
message (nothing written) or stored exactly as typed and shown escaped, and nothing else
changes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import models
from django.urls import reverse

from conftest import World, response_text
from flipside.accounts.models import User
from flipside.privacy import crypto
from flipside.schemes.models import Membership
from flipside.surveys.forms import field_name
from flipside.surveys.models import Instrument, Invitation, Question, Response, Series, Survey
from tests.hostile import (
    NOT_DATES,
    NOT_IDS,
    NOT_NUMBERS,
    TEXT,
    counts,
    refused_with_a_message,
    shown_escaped,
    snapshot,
)

from .helpers import full_answers, scheduled, standard

pytestmark = pytest.mark.django_db

MODELS: list[type[models.Model]] = [
    Instrument, Question, Series, Survey, Invitation, Response, User, Membership,
]  # fmt: skip


@dataclass
class Form:
    """A form that writes: who posts it, where, a valid post, its text fields (each with
    where the stored value is read back), its other fields and dates, the page that shows
    what it keeps and the objects it may change (beside the rows it adds)."""

    who: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    text: dict[str, Callable[[World], str]] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    page: Callable[[World], str] = lambda w: reverse("surveys:instrument", args=[_target(w).pk])  # noqa: E731
    target: Callable[[World], set[tuple[str, Any]]] = lambda w: set()  # noqa: E731
    flags: tuple[str, ...] = ()


def _target(world: World) -> Instrument:
    found = Instrument.objects.filter(title="Target").first()
    if found is None:
        found = Instrument.objects.create(scheme=world.scheme, audience="mentor", title="Target")
        Question.objects.create(instrument=found, position=1, text="Q1", kind="likert5")
    return found


def _question(world: World) -> Question:
    return _target(world).questions.get(position=1)


def _newest(model: type[Any]) -> Any:
    return model.objects.order_by("-pk").first()


def _survey(world: World) -> Survey:
    """The mentors' pre survey, open, which the mentor has answered already."""
    found = Survey.objects.filter(stage="pre").first()
    if found is None:
        found = scheduled(world)
        from flipside.surveys.services.answers import submit_response

        submit_response(found, user=world.mentor, answers=full_answers(found))
    return found


def _answers(world: World) -> dict[str, Any]:
    survey = _survey(world)
    data: dict[str, Any] = {"version": 1}
    values = full_answers(survey)
    for question in survey.instrument.questions.all():
        value = values[question.pk]
        data[field_name(question)] = [str(v) for v in value] if isinstance(value, list) else value
    return data


def _question_of(survey: Survey, kind: str) -> Question:
    return survey.instrument.questions.filter(kind=kind).order_by("position").first()  # type: ignore[return-value]


def _own_text(world: World) -> str:
    from flipside.surveys.pseudonyms import pseudonym

    survey = _survey(world)
    key = pseudonym(world.mentor.pk, survey.series_id)
    response = Response.objects.get(survey=survey, pseudonym=key)
    return str(crypto.decrypt(response.ciphertext)[str(_question_of(survey, "text").pk)])


def _question_data(world: World, **values: Any) -> dict[str, Any]:
    return {"text": "Q1", "help_text": "", "section": "", "kind": "likert5", "required": "on",
            "choices": "", "version": _target(world).version, **values}  # fmt: skip


def _later_close(world: World) -> dict[str, Any]:
    """Closing a day later: a change the form makes when nothing in it is hostile."""
    survey = _survey(world)
    closes = survey.closes_on + datetime.timedelta(days=1)
    return {"opens_on": survey.opens_on.isoformat(), "closes_on": closes.isoformat(),
            "version": survey.version}  # fmt: skip


FORMS: dict[str, Form] = {
    "instrument_add": Form(
        "coordinator", lambda w: reverse("surveys:instrument_add", args=[w.scheme.pk]),
        lambda w: {"title": "New", "audience": "mentor", "introduction": "", "identified": ""},
        text={"title": lambda w: _newest(Instrument).title,
              "introduction": lambda w: _newest(Instrument).introduction},
        others=["audience", "identified"], flags=("identified",),
        page=lambda w: reverse("surveys:instrument", args=[_newest(Instrument).pk]),
    ),
    "instrument_edit": Form(
        "coordinator", lambda w: reverse("surveys:instrument", args=[_target(w).pk]),
        lambda w: {"title": "Target", "introduction": "A new first page", "identified": "",
                   "version": _target(w).version},
        text={"title": lambda w: Instrument.objects.get(pk=_target_pk(w)).title,
              "introduction": lambda w: _target(w).introduction},
        others=["version", "identified"], flags=("identified",),
        target=lambda w: {("surveys.Instrument", _target(w).pk)},
        page=lambda w: reverse("surveys:instrument", args=[_target_pk(w)]),
    ),
    "question_add": Form(
        "coordinator", lambda w: reverse("surveys:question_add", args=[_target(w).pk]),
        lambda w: _question_data(w, text="Q new", kind="single", choices="Yes\nNo"),
        text={"text": lambda w: _newest(Question).text,
              "help_text": lambda w: _newest(Question).help_text,
              "section": lambda w: _newest(Question).section,
              "choices": lambda w: "\r\n".join(_newest(Question).choices)},
        others=["kind", "version"], flags=("required",),
        target=lambda w: {("surveys.Instrument", _target(w).pk)},
        page=lambda w: reverse("surveys:question_edit", args=[_newest(Question).pk]),
    ),
    "question_edit": Form(
        "coordinator", lambda w: reverse("surveys:question_edit", args=[_question(w).pk]),
        lambda w: _question_data(w, section="Part A"),
        text={"text": lambda w: _question(w).text, "help_text": lambda w: _question(w).help_text,
              "section": lambda w: _question(w).section},
        others=["kind", "version"],
        target=lambda w: {("surveys.Instrument", _target(w).pk),
                          ("surveys.Question", _question(w).pk)},
        page=lambda w: reverse("surveys:question_edit", args=[_question(w).pk]),
    ),
    "question_remove": Form(
        "coordinator", lambda w: reverse("surveys:question_remove", args=[_question(w).pk]),
        lambda w: {"version": _target(w).version}, others=["version"],
    ),
    "schedule": Form(
        "cohort_coordinator", lambda w: reverse("surveys:schedule", args=[w.cohort.pk]),
        lambda w: {"instrument": standard(w, "mentee_prepost").pk, "stage": "mid",
                   "opens_on": "2026-10-01", "closes_on": "2026-10-20"},
        others=["instrument", "stage"], dates=["opens_on", "closes_on"],
    ),
    "survey_dates": Form(
        "cohort_coordinator", lambda w: reverse("surveys:survey_edit", args=[_survey(w).pk]),
        _later_close, others=["version"], dates=["opens_on", "closes_on"],
    ),
    "answer": Form(
        "mentor", lambda w: reverse("surveys:answer", args=[_survey(w).pk]), _answers,
        text={"text_answer": _own_text},
        others=["likert_answer"],
        page=lambda w: reverse("surveys:answer", args=[_survey(w).pk]),
        # An answer also changes its survey's kept figures (decision 0023).
        target=lambda w: {("surveys.Response", r.pk) for r in Response.objects.all()}
        | {("surveys.Survey", _survey(w).pk)},
    ),
}  # fmt: skip
# The answer form's fields are named by question id: these stand for them.
ANSWER_FIELDS = {"text_answer": "text", "likert_answer": "likert5"}


def _target_pk(world: World) -> int:
    return Instrument.objects.filter(questions__text="Q1").values_list("pk", flat=True)[0]


CASES = (
    [(form, name, kind) for form, spec in FORMS.items() for name in spec.text for kind in TEXT]
    + [(form, name, kind) for form, spec in FORMS.items() for name in spec.others
       for kind in NOT_NUMBERS]
    + [(form, name, f"date:{bad}") for form, spec in FORMS.items() for name in spec.dates
       for bad in NOT_DATES]
)  # fmt: skip


@pytest.mark.parametrize(("form", "name", "kind"), CASES)
def test_hostile_input_is_refused_or_kept_as_typed_and_shown_escaped(
    form: str, name: str, kind: str, world: World, client: Any
) -> None:
    spec = FORMS[form]
    value = TEXT.get(kind, NOT_NUMBERS.get(kind, kind.removeprefix("date:")))
    standard(world)  # the standard instruments, made by any first visit
    _survey(world), _target(world)
    posted = name
    if name in ANSWER_FIELDS:
        posted = field_name(_question_of(_survey(world), ANSWER_FIELDS[name]))
    data = {**spec.data(world), posted: value}
    url, target = spec.url(world), spec.target(world)
    client.force_login(getattr(world, spec.who))
    before, logged = snapshot(MODELS), counts()

    response = client.post(url, data, follow=True)

    assert response.status_code < 500
    after = snapshot(MODELS)
    if after == before:  # refused: with a message, and nothing written anywhere
        assert refused_with_a_message(response_text(response)), (form, name, kind)
        assert counts() == logged
        return
    changed = {key for key in before if after.get(key) != before[key]}
    assert changed <= target, changed  # beside the rows it added, only its own objects
    if name in spec.flags:
        return  # a ticked box: any value is "on"
    assert name in spec.text, f"{name}={value!r} was not refused: {form}"
    assert spec.text[name](world) == value  # stored exactly as typed
    page = response_text(client.get(spec.page(world)))
    assert shown_escaped(value, page)
    if "<script>" in value:
        assert "<script>alert" not in page


@pytest.mark.parametrize(
    "path",
    [
        "surveys/instruments/{}/", "surveys/instruments/{}/questions/add/",
        "surveys/questions/{}/", "surveys/questions/{}/remove/", "cohorts/{}/surveys/schedule/",
        "surveys/{}/dates/", "surveys/{}/remind/", "surveys/{}/answer/",
        "schemes/{}/surveys/instruments/add/",
    ],
)  # fmt: skip
@pytest.mark.parametrize("bad", NOT_IDS)
def test_ids_that_are_not_ids_find_nothing(path: str, bad: str, world: World, client: Any) -> None:
    client.force_login(world.org_coordinator)
    before = snapshot(MODELS)
    assert client.post("/" + path.format(bad), {"version": 1}).status_code == 404
    assert snapshot(MODELS) == before


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_untouched_is_accepted(form: str, world: World, client: Any) -> None:
    """The control: every valid post above is accepted as it is, so a hostile value refused
    there was refused for itself."""
    spec = FORMS[form]
    standard(world), _survey(world), _target(world)
    data = spec.data(world)
    client.force_login(getattr(world, spec.who))
    response = client.post(spec.url(world), data)
    assert response.status_code == 302, response_text(response)[:3000]
