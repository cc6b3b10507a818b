"""One person sending the same answers twice at the same moment (a double click, two tabs):
exactly one response is kept and their invitation is answered once, whether or not they had
been invited before they answered.

PostgreSQL only: SQLite runs one writing transaction at a time, so the race cannot happen
there (and ``select_for_update`` does nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import World, race
from flipside.surveys.forms import field_name
from flipside.surveys.models import Invitation, Response
from flipside.surveys.services import schedules

from .helpers import full_answers, scheduled

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writing transaction at a time, so the race cannot happen there",
    ),
    pytest.mark.django_db(transaction=True),
]
AT_ONCE = 2
ROUNDS = 5


def post_data(survey: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"version": 0}
    for question in survey.instrument.questions.all():
        value = full_answers(survey, text="Sent twice at once").get(question.pk)
        data[field_name(question)] = [str(v) for v in value] if isinstance(value, list) else value
    return data


@pytest.mark.parametrize("invited", [True, False], ids=["invited", "not_yet_invited"])
def test_the_same_answers_sent_twice_at_once_keep_one_response(invited: bool) -> None:
    world = World()
    for _round in range(ROUNDS):
        survey = scheduled(world)  # the previous round's was deleted
        if invited:
            schedules.invite_opened(survey.opens_on)
        url = reverse("surveys:answer", args=[survey.pk])
        data = post_data(survey)
        clients = []
        for _tab in range(AT_ONCE):  # the same person, signed in twice
            client = Client()
            client.force_login(world.mentor)
            clients.append(client)

        responses = race([lambda c=c, url=url, data=data: c.post(url, data) for c in clients])

        assert [getattr(r, "status_code", r) for r in responses] == [302] * AT_ONCE
        (kept,) = Response.objects.filter(survey=survey)
        assert kept.version == 1
        (invitation,) = Invitation.objects.filter(survey=survey, user=world.mentor)
        assert invitation.answered
        survey.delete()  # with its responses and invitations: the next round starts afresh


def test_people_answering_at_once_are_all_counted() -> None:
    """Each answer locks its survey's row before counting its people again (decision 0023):
    without the lock, answers committed at the same moment would each keep a count that
    misses the others."""
    from conftest import join, make_user
    from flipside.schemes.models import Role
    from flipside.surveys import kept

    world = World()
    survey = scheduled(world)
    people = [world.mentor] + [
        join(world.cohort, Role.MENTOR, make_user(f"At once {n}")) for n in range(3)
    ]
    schedules.invite_opened(survey.opens_on)
    url = reverse("surveys:answer", args=[survey.pk])
    data = post_data(survey)
    clients = []
    for person in people:
        client = Client()
        client.force_login(person)
        clients.append(client)

    outcomes = race([lambda c=c: c.post(url, data) for c in clients])

    assert [getattr(r, "status_code", r) for r in outcomes] == [302] * len(people)
    survey.refresh_from_db()
    assert (survey.invited_people, survey.answered_people) == (4, 4)
    assert survey.answers_generation == 4
    assert kept.kept_differences() == []
