"""Every surveys list reads the same number of times for 1 row as for 100: instruments,
an instrument's questions, a person's surveys; a survey's results and free-text answers for
5 responses (the fewest that are shown) as for 100; a cohort's surveys for 1 as for all 10 it
can have (5 stages, 2 audiences)."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, bulk_members
from flipside.privacy import crypto
from flipside.surveys import kept
from flipside.surveys.models import (
    Audience,
    Identification,
    Instrument,
    Invitation,
    Kind,
    Question,
    Response,
    Stage,
    Survey,
)
from flipside.surveys.services.schedules import series_of

from .helpers import standard

pytestmark = pytest.mark.django_db


def _survey(world: World, *, stage: str = "pre", identified: bool = False) -> Survey:
    """The mentors' survey at ``stage`` of the world's cohort, open now (made once)."""
    today = timezone.localdate()
    instrument = standard(world, "mentor_checkin" if stage == Stage.CHECKIN else "mentor_prepost")
    if identified and not instrument.identified:
        Instrument.objects.filter(pk=instrument.pk).update(identified=True)
    survey, _made = Survey.objects.get_or_create(
        series=series_of(world.cohort, "mentor"), stage=stage,
        defaults={"instrument": instrument, "opens_on": today - datetime.timedelta(days=1),
                  "closes_on": today + datetime.timedelta(days=9)},
    )  # fmt: skip
    return survey


def _responses(world: World, survey: Survey, n: int) -> None:
    """``n`` new mentors, invited, each with a response (every question answered)."""
    people = bulk_members(world.cohort, "mentor", n, name="Respondent")
    Invitation.objects.bulk_create(Invitation(survey=survey, user=p, answered=True) for p in people)
    questions = list(survey.instrument.questions.all())
    texts = {str(q.pk): "Free text" for q in questions if q.is_text}
    values = {str(q.pk): 3 for q in questions if not q.is_text and q.kind != Kind.MULTIPLE}
    made = Response.objects.bulk_create(
        Response(survey=survey, pseudonym=secrets.token_hex(32), answers=values,
                 ciphertext=crypto.encrypt(texts))
        for _p in people
    )  # fmt: skip
    if survey.instrument.identified:
        Identification.objects.bulk_create(
            Identification(response=r, user=p) for r, p in zip(made, people, strict=True)
        )
    kept.recount(survey.pk, answers_changed=True)  # written in bulk, past the services


def instruments(world: World, n: int) -> tuple[str, str]:
    start = Instrument.objects.count()
    Instrument.objects.bulk_create(
        Instrument(scheme=world.scheme, audience=Audience.MENTOR, title=f"Instrument {i}")
        for i in range(start, start + n)
    )
    return "coordinator", reverse("surveys:instruments", args=[world.scheme.pk])


def questions(world: World, n: int) -> tuple[str, str]:
    instrument, _made = Instrument.objects.get_or_create(
        scheme=world.scheme, title="Long", defaults={"audience": Audience.MENTEE}
    )
    start = instrument.questions.count()
    Question.objects.bulk_create(
        Question(instrument=instrument, position=i + 1, section=f"Part {i // 10}",
                 text=f"Question {i}", kind=[Kind.LIKERT5, Kind.SINGLE, Kind.TEXT][i % 3],
                 choices=["Yes", "No"] if i % 3 == 1 else [])
        for i in range(start, start + n)
    )  # fmt: skip
    return "coordinator", reverse("surveys:instrument", args=[instrument.pk])


def results(world: World, n: int) -> tuple[str, str]:
    survey = _survey(world)
    _responses(world, survey, n)
    return "coordinator", reverse("surveys:results", args=[survey.pk])


def text_answers(world: World, n: int) -> tuple[str, str]:
    survey = _survey(world, identified=True)  # names read too
    _responses(world, survey, n)
    question = survey.instrument.questions.filter(kind=Kind.TEXT).first()
    assert question is not None
    return "coordinator", reverse("surveys:text_answers", args=[survey.pk, question.pk])


def mine(world: World, n: int) -> tuple[str, str]:
    """A mentor's check-ins: one row for each held meeting they were asked about."""
    survey = _survey(world, stage=Stage.CHECKIN)
    start = Invitation.objects.filter(survey=survey, user=world.mentor).count()
    Invitation.objects.bulk_create(
        Invitation(survey=survey, user=world.mentor, meeting_id=start + i + 1) for i in range(n)
    )
    kept.recount(survey.pk)
    return "mentor", reverse("surveys:mine")


# Below ``SURVEY_MIN_RESPONSES`` answers nothing is listed: start where they are shown.
FIRST = {"results": 5, "text_answers": 5}
PAGES: dict[str, Callable[[World, int], tuple[str, str]]] = {
    "instruments": instruments,
    "instrument": questions,
    "results": results,
    "text_answers": text_answers,
    "mine": mine,
}


def counted(client: Any, url: str) -> int:
    client.get(url)  # warm: sessions, the roles memo, standard instruments made once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_same_queries_for_1_and_100_rows(page: str, world: World, client: Any) -> None:
    counts = []
    first = FIRST.get(page, 1)
    for n in (first, 100 - first):
        role, url = PAGES[page](world, n)
        client.force_login(getattr(world, role))
        counts.append(counted(client, url))
    assert counts[0] == counts[1], counts


def test_a_cohorts_surveys_page_reads_as_often_for_1_survey_as_for_all_10(
    world: World, client: Any
) -> None:
    today = timezone.localdate()
    client.force_login(world.cohort_coordinator)
    url = reverse("surveys:cohort_surveys", args=[world.cohort.pk])
    counts = []
    for audience in (Audience.MENTOR, Audience.MENTEE):
        instrument = standard(world, f"{audience}_prepost")
        for stage in Stage.values:
            survey = Survey.objects.create(
                series=series_of(world.cohort, audience), instrument=instrument, stage=stage,
                opens_on=today, closes_on=today,
            )  # fmt: skip
            Invitation.objects.bulk_create(
                Invitation(survey=survey, user=u, answered=bool(i % 2))
                for i, u in enumerate(bulk_members(world.cohort, audience, 3))
            )
            kept.recount(survey.pk)
            if not counts:
                counts.append(counted(client, url))
    counts.append(counted(client, url))
    assert Survey.objects.filter(series__cohort=world.cohort).count() == 10
    assert counts[0] == counts[1], counts
