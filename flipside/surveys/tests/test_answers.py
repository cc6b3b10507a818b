"""Answering: one response per person and stage, changed until the survey closes; closed
and not-yet-open surveys say so; HTML is kept as text; stale forms are refused."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, response_text
from flipside.privacy import crypto
from flipside.surveys.forms import field_name
from flipside.surveys.models import Invitation, Response
from flipside.surveys.services import SurveyConflict, SurveyError, answers

from .helpers import answer, full_answers, scheduled

pytestmark = pytest.mark.django_db


def _post_data(survey: Any, values: dict[int, Any], version: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {"version": version}
    for question in survey.instrument.questions.all():
        value = values.get(question.pk)
        data[field_name(question)] = [str(v) for v in value] if isinstance(value, list) else value
    return data


def test_a_mentor_answers_through_the_page_and_lands_on_their_surveys(
    world: World, client: Any
) -> None:
    survey = scheduled(world)
    client.force_login(world.mentor)
    url = reverse("surveys:answer", args=[survey.pk])
    assert "Send answers" in response_text(client.get(url))
    data = _post_data(survey, full_answers(survey, text="<script>alert(1)</script>"))
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("surveys:mine")
    (stored,) = Response.objects.filter(survey=survey)
    assert "<script>alert(1)</script>" in crypto.decrypt(stored.ciphertext).values()
    assert Invitation.objects.get(survey=survey, user=world.mentor).answered
    again = response_text(client.get(url))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in again
    assert "<script>alert(1)</script>" not in again


def test_a_double_submit_keeps_one_response(world: World, client: Any) -> None:
    survey = scheduled(world)
    client.force_login(world.mentor)
    data = _post_data(survey, full_answers(survey))
    url = reverse("surveys:answer", args=[survey.pk])
    client.post(url, data)
    client.post(url, data)
    assert Response.objects.filter(survey=survey).count() == 1
    assert Response.objects.get(survey=survey).version == 1


def test_answers_can_be_changed_until_the_survey_closes(world: World) -> None:
    survey = scheduled(world)
    first = answer(survey, world.mentor, score=2)
    changed = answers.submit_response(
        survey, user=world.mentor, answers=full_answers(survey, score=5), version=1
    )
    assert changed.pk == first.pk and changed.version == 2
    assert Response.objects.filter(survey=survey).count() == 1
    with pytest.raises(SurveyError, match="closed on"):
        answers.submit_response(
            survey, user=world.mentor, answers=full_answers(survey), version=2,
            today=survey.closes_on + datetime.timedelta(days=1),
        )  # fmt: skip


def test_a_stale_form_is_told_and_nothing_is_lost(world: World, client: Any) -> None:
    survey = scheduled(world)
    answer(survey, world.mentor, score=2)
    answers.submit_response(survey, user=world.mentor, answers=full_answers(survey, score=3),
                            version=1)  # fmt: skip
    with pytest.raises(SurveyConflict):
        answers.submit_response(
            survey, user=world.mentor, answers=full_answers(survey, score=5), version=1
        )
    client.force_login(world.mentor)
    data = _post_data(survey, full_answers(survey, score=5), version=1)
    page = response_text(client.post(reverse("surveys:answer", args=[survey.pk]), data))
    assert "in another window" in page
    assert 'value="2"' in page  # the form now quotes the saved version


def test_a_survey_not_yet_open_or_closed_says_so(world: World, client: Any) -> None:
    survey = scheduled(world)
    client.force_login(world.mentor)
    url = reverse("surveys:answer", args=[survey.pk])
    survey.opens_on = survey.closes_on = survey.opens_on + datetime.timedelta(days=30)
    survey.save()
    assert "This survey opens on" in response_text(client.get(url))
    survey.opens_on = survey.closes_on = datetime.date(2020, 1, 1)
    survey.save()
    page = response_text(client.post(url, {"version": 0}))
    assert "closed on 1 January 2020" in page
    assert not Response.objects.exists()


def test_missing_required_answers_keep_what_was_typed(world: World, client: Any) -> None:
    survey = scheduled(world)
    client.force_login(world.mentor)
    text_q = survey.instrument.questions.get(kind="text")
    page = response_text(
        client.post(reverse("surveys:answer", args=[survey.pk]),
                    {"version": 0, field_name(text_q): "Kept words"})
    )  # fmt: skip
    assert "There is a problem" in page and "Kept words" in page
    assert not Response.objects.exists()


@pytest.mark.parametrize("role", ["mentee", "observer", "outsider", "nobody", "coordinator"])
def test_only_the_audience_can_answer(role: str, world: World, client: Any) -> None:
    survey = scheduled(world)
    client.force_login(getattr(world, role))
    url = reverse("surveys:answer", args=[survey.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _post_data(survey, full_answers(survey))).status_code == 404
    assert not Response.objects.exists()
