"""No coordinator's page, export, log or the database's own columns can link a response to
a person, by name, time or order of submission; pairing through the keyed pseudonym
survives rotating every key but its own, and breaks when its own changes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from conftest import World, response_text
from flipside.notifications.models import OutboxMessage
from flipside.privacy import crypto
from flipside.privacy.models import AuditEntry
from flipside.surveys.models import Identification, Invitation, Response
from flipside.surveys.services import answers, schedules

from .helpers import answer, mentors, scheduled

pytestmark = pytest.mark.django_db


def test_a_response_has_no_person_no_time_and_a_random_id() -> None:
    fields = {f.name: f for f in Response._meta.get_fields() if f.concrete}
    assert not any(
        isinstance(f, models.ForeignKey) and f.related_model.__name__ == "User"
        for f in fields.values()
    )
    assert not any(isinstance(f, models.DateField | models.DateTimeField) for f in fields.values())
    assert isinstance(fields["id"], models.UUIDField)
    assert Response._meta.ordering == ["id"]


def test_an_invitation_holds_no_time_of_answering() -> None:
    fields = [f for f in Invitation._meta.get_fields() if f.concrete]
    assert not any(isinstance(f, models.DateField | models.DateTimeField) for f in fields)


def test_responses_are_not_listed_in_the_order_they_came_in(world: World) -> None:
    survey = scheduled(world)
    people = mentors(world, 12)
    for n, person in enumerate(people):
        answer(survey, person, text=f"Answer number {n:02d}")
    stored = [crypto.decrypt(r.ciphertext) for r in Response.objects.filter(survey=survey)]
    texts = [next(iter(t.values())) for t in stored]
    assert texts != sorted(texts)  # 1 chance in 12! of failing by luck
    question = survey.instrument.questions.get(kind="text")
    client = world_client(world)
    page = response_text(client.get(reverse("surveys:text_answers", args=[survey.pk, question.pk])))
    shown = [t for t in sorted(texts) if t in page]
    assert len(shown) == 12
    assert sorted(shown, key=page.index) != sorted(texts)


def world_client(world: World) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(world.coordinator)
    return client


def test_no_coordinator_page_or_audit_entry_names_who_answered(world: World, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    survey = scheduled(world)
    schedules.invite_opened(survey.opens_on)
    people = mentors(world, 6)
    schedules.invite_opened(survey.opens_on)
    for person in people[:5]:
        answer(survey, person, text=f"Secret of {person.display_name}")
    client = world_client(world)
    question = survey.instrument.questions.get(kind="text")
    pages = [
        reverse("surveys:results", args=[survey.pk]),
        reverse("surveys:text_answers", args=[survey.pk, question.pk]),
        reverse("surveys:cohort_surveys", args=[world.cohort.pk]),
        reverse("home:cohort", args=[world.cohort.pk]),
    ]
    for url in pages:
        text = response_text(client.get(url))
        for person in people:
            assert person.display_name not in text.replace(f"Secret of {person.display_name}", "")
            assert person.email not in text
    # Audit entries: the coordinator's actions only, none about responses or answers.
    for entry in AuditEntry.objects.all():
        assert entry.object_type != "surveys.response"
        for response in Response.objects.all():
            assert str(response.pk) not in str(entry.details) + entry.object_id
    assert not AuditEntry.objects.filter(actor__in=people).exists()
    # No log line names a respondent, and no email goes out for an answer.
    for record in caplog.records:
        assert not any(p.email in record.getMessage() for p in people)
    assert not OutboxMessage.objects.exclude(kind="survey_invitation").exists()
    assert not Identification.objects.exists()


def test_pairing_survives_rotating_every_key_but_the_pseudonym_secret(
    world: World, settings: Any
) -> None:
    pre, post = scheduled(world, "pre"), scheduled(world, "post")
    for survey in (pre, post):
        answer(survey, world.mentor, text="Before and after")
    from flipside.surveys.results import pairs_linked

    assert pairs_linked(post) == 1
    new_key = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    settings.SECRET_KEY = "a-completely-different-secret-key-for-the-test-0123456789"
    call_command("rotate_encryption_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert pairs_linked(post) == 1
    own = answers.own_response(pre, world.mentor)
    assert own.response is not None and "Before and after" in own.texts.values()
    settings.SURVEY_PSEUDONYM_KEY = "another-pseudonym-secret"
    assert answers.own_response(pre, world.mentor).response is None
    answer(post, world.mentor, text="After, again")  # a new, unpaired response
    assert pairs_linked(post) == 1  # the old pair, from the old key, and nothing new
    assert Response.objects.filter(survey=post).count() == 2


def test_an_identified_survey_keeps_the_name_and_says_so(world: World, client: Any) -> None:
    survey = scheduled(world)
    survey.instrument.identified = True
    survey.instrument.save()
    client.force_login(world.mentor)
    page = response_text(client.get(reverse("surveys:answer", args=[survey.pk])))
    assert "This survey is not anonymous" in page
    response = answer(survey, world.mentor)
    assert Identification.objects.get(response=response).user == world.mentor
