"""What coordinators read: answers only from ``settings.SURVEY_MIN_RESPONSES`` responses on
(raised, never lowered: tests/test_settings.py); key rotation reaches every response, those
without free text included."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import World, response_text
from flipside.privacy import crypto
from flipside.surveys import results
from flipside.surveys.models import Invitation, Response, Survey
from flipside.surveys.services import answers

from .helpers import answer, full_answers, mentors, scheduled

pytestmark = pytest.mark.django_db


def test_answers_are_shown_from_the_threshold_in_the_settings(
    world: World, client: Any, settings: Any
) -> None:
    survey = scheduled(world)
    for n, person in enumerate(mentors(world, 5)):
        answer(survey, person, text=f"Counted answer {n}")
    question = survey.instrument.questions.get(kind="text")
    client.force_login(world.coordinator)
    pages = (
        reverse("surveys:results", args=[survey.pk]),
        reverse("surveys:text_answers", args=[survey.pk, question.pk]),
    )
    assert results.min_responses() == 5
    assert all("Counted answer 0" in response_text(client.get(url)) for url in pages[1:])
    assert results.results_of(survey).questions[0].shown

    settings.SURVEY_MIN_RESPONSES = 6  # raised by the installation
    assert results.min_responses() == 6
    for url in pages:
        page = response_text(client.get(url))
        assert "Counted answer" not in page and "at least 6 people" in page
    assert not any(r.shown or r.bars for r in results.results_of(survey).questions)
    assert results.text_answers(survey, question).answers == []


def test_key_rotation_reaches_responses_without_free_text(world: World, settings: Any) -> None:
    """An optional text question left empty still leaves a sealed value: rotation
    re-encrypts every response and would stop at an empty one."""
    survey = scheduled(world)
    answer(survey, world.mentor, text="")  # the mentors' text question is optional
    said = answer(survey, mentors(world, 2)[1], text="Kept through rotation")
    (empty,) = Response.objects.exclude(pk=said.pk)
    assert crypto.decrypt(empty.ciphertext) == {}
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    own = answers.own_response(survey, world.mentor)
    assert own.response is not None and own.texts == {}
    assert [crypto.decrypt(r.ciphertext) for r in Response.objects.filter(pk=said.pk)] == [
        {str(survey.instrument.questions.get(kind="text").pk): "Kept through rotation"}
    ]


def check_ins(survey: Survey, people: list[Any], rounds: int, *, text: str = "Fine") -> None:
    """Each person invited to ``rounds`` check-ins (meetings 1, 2, …) and answering each."""
    for person in people:
        for meeting in range(1, rounds + 1):
            Invitation.objects.create(survey=survey, user=person, meeting_id=meeting)
            answers.submit_response(
                survey, user=person, meeting_id=meeting,
                answers=full_answers(survey, text=f"{text} {person.pk}.{meeting}"),
            )  # fmt: skip


def test_the_threshold_counts_people_not_their_check_ins(world: World, client: Any) -> None:
    """Four people answering three check-ins each give twelve responses: still fewer than
    five people, so nothing is shown; a fifth person shows the answers, each counted."""
    survey = scheduled(world, "checkin", key="mentor_checkin")
    people = mentors(world, 5)
    check_ins(survey, people[:4], 3, text="Said in a check-in")
    assert Response.objects.filter(survey=survey).count() == 12
    question = survey.instrument.questions.filter(kind__in=["text", "narrative"]).first()
    assert question is not None
    found = results.results_of(survey)
    assert (found.people, found.responses, found.shown) == (4, 12, False)
    assert not any(r.shown or r.bars or r.answered for r in found.questions)
    assert results.text_answers(survey, question).answers == []
    client.force_login(world.coordinator)
    pages = (
        reverse("surveys:results", args=[survey.pk]),
        reverse("surveys:text_answers", args=[survey.pk, question.pk]),
    )
    page = response_text(client.get(pages[0]))
    assert "4 people have answered so far" in page and "Said in a check-in" not in page
    assert "Said in a check-in" not in response_text(client.get(pages[1]))

    check_ins(survey, people[4:], 1, text="Said in a check-in")
    found = results.results_of(survey)
    assert (found.people, found.responses, found.shown) == (5, 13, True)
    # Each question: the people who answered it, once each however many times they did.
    assert {r.answered for r in found.questions if r.question.required} == {5}
    page = response_text(client.get(pages[0]))
    assert "5 people gave 13 responses" in page and "5 people answered." in page
    assert "Said in a check-in" in response_text(client.get(pages[1]))


def test_a_response_no_key_opens_is_counted_as_unreadable_not_an_error(
    world: World, client: Any
) -> None:
    survey = scheduled(world)
    people = mentors(world, 7)  # five readable answers: enough to be shown
    for n, person in enumerate(people):
        answer(survey, person, text=f"Readable answer {n}")
    question = survey.instrument.questions.get(kind="text")
    # Changed behind Flipside's back before the results are first read: kept results
    # (decision 0023) are counted again when an answer changes or the keys do, not when
    # someone edits the database directly.
    tampered = answers.own_response(survey, people[0]).response
    assert tampered is not None
    Response.objects.filter(pk=tampered.pk).update(ciphertext=tampered.ciphertext[:-8] + "AAAAAAA=")
    lost = answers.own_response(survey, people[1]).response
    assert lost is not None
    Response.objects.filter(pk=lost.pk).update(  # sealed with a key since removed
        ciphertext=crypto.MultiFernet([crypto.Fernet(crypto.generate_key())])
        .encrypt(b'{"x": "y"}')
        .decode()
    )

    found = results.results_of(survey)
    assert (found.people, found.unreadable) == (7, 2)
    assert next(r for r in found.questions if r.question == question).answered == 5
    texts = results.text_answers(survey, question)
    assert texts.unreadable == 2 and len(texts.answers) == 5
    client.force_login(world.coordinator)
    for url in (
        reverse("surveys:results", args=[survey.pk]),
        reverse("surveys:text_answers", args=[survey.pk, question.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "can no longer be read" in response_text(response)
    # The respondent whose text is lost sees their other answers and can write it again.
    client.force_login(people[0])
    own = client.get(reverse("surveys:answer", args=[survey.pk]))
    assert own.status_code == 200 and "can no longer be read" in response_text(own)
    answer(survey, people[0], text="Written again")
    assert answers.own_response(survey, people[0]).texts == {str(question.pk): "Written again"}
    # The results read before that answer are counted again: one response left unreadable.
    found = results.results_of(survey)
    assert (found.people, found.unreadable) == (7, 1)
    assert next(r for r in found.questions if r.question == question).answered == 6


def test_a_question_answered_by_fewer_people_than_the_threshold_is_not_shown(
    world: World, client: Any
) -> None:
    """The survey as a whole passing the threshold is not enough: an optional question that
    only a few people answered would show their answers, so each question is held to it."""
    survey = scheduled(world)
    scale = survey.instrument.questions.exclude(kind__in=["text", "narrative"]).first()
    text = survey.instrument.questions.get(kind="text")
    assert scale is not None and not text.required
    scale.required = False
    scale.save()
    for n, person in enumerate(mentors(world, 5)):
        given = full_answers(survey, text=f"Only a few wrote {n}" if n < 2 else "")
        if n >= 3:
            del given[scale.pk]  # three of the five answer the scale question
        answers.submit_response(survey, user=person, answers=given)
    found = {r.question.pk: r for r in results.results_of(survey).questions}
    assert results.results_of(survey).shown  # five people answered the survey
    assert (found[scale.pk].answered, found[scale.pk].shown, found[scale.pk].bars) == (3, False, [])
    assert (found[text.pk].answered, found[text.pk].shown) == (2, False)
    assert all(r.shown for pk, r in found.items() if pk not in (scale.pk, text.pk))
    assert results.text_answers(survey, text).answers == []
    client.force_login(world.coordinator)
    page = response_text(client.get(reverse("surveys:results", args=[survey.pk])))
    assert page.count("Fewer than 5 people answered this question") == 2
    answers_page = reverse("surveys:text_answers", args=[survey.pk, text.pk])
    assert "Only a few wrote" not in response_text(client.get(answers_page))
