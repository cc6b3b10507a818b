"""The builder: standard instruments made once; questions of an answered instrument can
only be reworded; stale forms are refused; only the scheme's coordinators reach it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, response_text
from flipside.privacy.models import AuditEntry
from flipside.surveys.models import Instrument, Question
from flipside.surveys.services import SurveyConflict, SurveyError
from flipside.surveys.services import instruments as services
from flipside.surveys.standard import STANDARD

from .helpers import answer, scheduled, standard

pytestmark = pytest.mark.django_db


def test_standard_instruments_are_made_once_per_scheme(world: World) -> None:
    services.ensure_standard(world.scheme)
    services.ensure_standard(world.scheme)
    assert Instrument.objects.filter(scheme=world.scheme).count() == len(STANDARD)
    mentee = standard(world, "mentee_prepost")
    assert mentee.questions.filter(kind="narrative", text__contains="medical school").exists()


def _question_values(question: Question, **changes: Any) -> dict[str, Any]:
    values = {"text": question.text, "help_text": question.help_text, "section": question.section,
              "kind": question.kind, "required": question.required,
              "choices": list(question.choices)}  # fmt: skip
    return {**values, **changes}


def test_after_answers_only_wording_can_change(world: World) -> None:
    survey = scheduled(world)
    answer(survey, world.mentor)
    instrument = survey.instrument
    question = instrument.questions.order_by("position").first()
    assert question is not None
    with pytest.raises(SurveyError, match="only the wording"):
        services.update_question(question, by=world.coordinator, version=instrument.version,
                                 **_question_values(question, kind="likert7"))  # fmt: skip
    with pytest.raises(SurveyError, match="only the wording"):
        services.remove_question(question, by=world.coordinator, version=instrument.version)
    with pytest.raises(SurveyError, match="only the wording"):
        services.add_question(instrument, by=world.coordinator, version=instrument.version,
                              **_question_values(question, text="New"))  # fmt: skip
    fixed = services.update_question(
        question, by=world.coordinator, version=instrument.version,
        **_question_values(question, text="I feel heard by senior staff here."),
    )  # fmt: skip
    assert fixed.text == "I feel heard by senior staff here." and fixed.kind == question.kind
    assert instrument.questions.count() == len(STANDARD[0].items)
    assert AuditEntry.objects.filter(action="surveys.question.changed").count() == 1


def test_a_stale_version_is_refused(world: World) -> None:
    instrument = standard(world)
    question = instrument.questions.first()
    assert question is not None
    services.update_question(question, by=world.coordinator, version=instrument.version,
                             **_question_values(question, text="First fix"))  # fmt: skip
    with pytest.raises(SurveyConflict):
        services.update_question(question, by=world.coordinator, version=instrument.version,
                                 **_question_values(question, text="Second fix"))  # fmt: skip
    question.refresh_from_db()
    assert question.text == "First fix"


def test_a_coordinator_builds_an_instrument_through_the_pages(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    response = client.post(
        reverse("surveys:instrument_add", args=[world.scheme.pk]),
        {"title": "Our own <b>check</b>", "audience": "mentee", "introduction": ""},
    )
    instrument = Instrument.objects.get(title="Our own <b>check</b>")
    assert response["Location"] == reverse("surveys:instrument", args=[instrument.pk])
    add = reverse("surveys:question_add", args=[instrument.pk])
    bad = client.post(add, {"text": "Pick", "kind": "single", "choices": "Only one",
                            "version": instrument.version})  # fmt: skip
    assert "at least two options" in response_text(bad)
    client.post(add, {"text": "Pick", "kind": "single", "choices": "A\nB", "required": "on",
                      "version": instrument.version})  # fmt: skip
    assert list(instrument.questions.values_list("choices", flat=True)) == [["A", "B"]]
    page = response_text(client.get(reverse("surveys:instrument", args=[instrument.pk])))
    assert "Our own &lt;b&gt;check&lt;/b&gt;" in page


@pytest.mark.parametrize("role", ["cohort_coordinator", "mentor", "observer", "outsider"])
def test_others_cannot_change_instruments(role: str, world: World, client: Any) -> None:
    instrument = standard(world)
    client.force_login(getattr(world, role))
    response = client.post(
        reverse("surveys:instrument_add", args=[world.scheme.pk]),
        {"title": "Sneaky", "audience": "mentee"},
    )
    question = instrument.questions.first()
    assert question is not None
    removed = client.post(reverse("surveys:question_remove", args=[question.pk]),
                          {"version": instrument.version})  # fmt: skip
    assert (response.status_code, removed.status_code) == (404, 404)
    assert not Instrument.objects.filter(title="Sneaky").exists()
    assert Question.objects.filter(pk=question.pk).exists()


DJANGO_DEFAULT = "This field is required."
# A browser's empty form still sends its CSRF token: a post with no field at all would be
# read as no post (``request.POST or None``).
EMPTY = {"csrfmiddlewaretoken": "sent by every form"}


def _errors(response: Any) -> str:
    from html import unescape

    assert response.status_code == 200
    return unescape(response_text(response))


def test_every_missing_field_says_what_to_do(world: World, client: Any) -> None:
    """An empty form on each survey page (instrument, question, schedule, dates, answers)
    names what to do for each field, in the field's error and the summary; never Django's
    bare "This field is required."."""
    survey = scheduled(world)
    instrument = survey.instrument
    question = instrument.questions.order_by("position").first()
    assert question is not None
    client.force_login(world.coordinator)
    posts = {
        reverse("surveys:instrument_add", args=[world.scheme.pk]): [
            "Enter a title for the instrument.",
            "Choose who answers it: student mentors or staff mentees.",
        ],
        reverse("surveys:instrument", args=[instrument.pk]): [
            "Enter a title for the instrument."
        ],
        reverse("surveys:question_add", args=[instrument.pk]): [
            "Enter the question.", "Choose the kind of answer the question takes.",
        ],
        reverse("surveys:question_edit", args=[question.pk]): ["Enter the question."],
        reverse("surveys:schedule", args=[world.cohort.pk]): [
            "Choose the instrument to ask.", "Choose when the survey is asked.",
            "Choose the date the survey opens.", "Choose the date the survey closes.",
        ],
        reverse("surveys:survey_edit", args=[survey.pk]): [
            "Choose the date the survey opens.", "Choose the date the survey closes.",
        ],
    }  # fmt: skip
    for url, said in posts.items():
        page = _errors(client.post(url, EMPTY))
        assert DJANGO_DEFAULT not in page, url
        for message in said:
            # Once beside the field, once in the summary at the top linking to it.
            assert page.count(message) >= 2, (url, message)
        if "question" in url:  # the hidden version: said once, in the summary
            assert "This page was incomplete or out of date. Reload it and try again." in page
    schedule = reverse("surveys:schedule", args=[world.cohort.pk])
    page = _errors(client.post(schedule, {"opens_on": "2026-02-31", "closes_on": "soon"}))
    assert "Enter the date the survey opens as a real date" in page
    client.force_login(world.mentor)
    page = _errors(client.post(reverse("surveys:answer", args=[survey.pk]), EMPTY))
    assert DJANGO_DEFAULT not in page
    for asked in instrument.questions.filter(required=True):
        verb = "Enter an answer to" if asked.is_text else "Choose an answer to"
        assert f"{verb} ‘{asked.text}’." in page


def test_a_locked_question_shows_its_kind_and_required_as_fixed(world: World, client: Any) -> None:
    """Once people have answered, the kind of answer cannot change and an optional question
    cannot become required: the form draws those controls disabled, and a post that tries
    anyway changes nothing."""
    survey = scheduled(world)
    instrument = survey.instrument
    optional = instrument.questions.filter(required=False).first()
    required = instrument.questions.filter(required=True).exclude(kind="text").first()
    assert optional is not None and required is not None
    client.force_login(world.coordinator)
    edit = reverse("surveys:question_edit", args=[optional.pk])
    kind = re.compile(r'<select name="kind"[^>]*>')
    page = response_text(client.get(edit))
    assert "disabled" not in kind.findall(page)[0]

    answer(survey, world.mentor)
    page = response_text(client.get(edit))
    assert "disabled" in kind.findall(page)[0]
    assert re.search(r'<input type="checkbox" name="required"[^>]*disabled', page)
    # A required question may still become optional: its box stays enabled.
    other = response_text(client.get(reverse("surveys:question_edit", args=[required.pk])))
    assert not re.search(r'<input type="checkbox" name="required"[^>]*disabled', other)
    tried = {
        "text": "Reworded", "kind": "narrative", "required": "on",
        "version": instrument.version, "help_text": optional.help_text,
        "section": optional.section, "choices": "\n".join(optional.choices),
    }  # fmt: skip
    client.post(edit, tried)
    optional.refresh_from_db()
    assert (optional.text, optional.kind, optional.required) == ("Reworded", "text", False)


def test_a_bar_is_as_long_as_its_share(world: World, client: Any) -> None:
    from dataclasses import fields

    from flipside.surveys.results import Bar

    assert [f.name for f in fields(Bar)] == ["label", "count", "share"]
    survey = scheduled(world)
    from .helpers import mentors

    for person in mentors(world, 5):
        answer(survey, person)
    client.force_login(world.coordinator)
    page = response_text(client.get(reverse("surveys:results", args=[survey.pk])))
    assert '<rect class="bar__fill" width="100" height="6"/>' in page
