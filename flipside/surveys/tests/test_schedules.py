"""Schedules, invitations and reminders: each email once, reminders only to those who have
not answered, results suppressed below five responses, coordinators of the cohort only."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World, response_text
from flipside.matching.models import Pair
from flipside.notifications.models import OutboxMessage
from flipside.partnerships.models import Meeting
from flipside.surveys.models import Invitation, Response
from flipside.surveys.results import results_of
from flipside.surveys.services import SurveyError, answers, schedules
from flipside.surveys.services.schedules import run_surveys

from .helpers import answer, full_answers, mentors, scheduled, standard

pytestmark = pytest.mark.django_db


def test_a_stage_is_scheduled_once_per_audience(world: World) -> None:
    scheduled(world, "pre")
    with pytest.raises(SurveyError, match="already have a survey at this stage"):
        scheduled(world, "pre")
    scheduled(world, "pre", key="mentee_prepost")  # the other audience has its own


def test_opening_invites_each_person_once(world: World) -> None:
    survey = scheduled(world)
    people = mentors(world, 3)
    now = timezone.now()
    run_surveys(now)
    run_surveys(now)
    invited = Invitation.objects.filter(survey=survey)
    assert sorted(invited.values_list("user_id", flat=True)) == sorted(p.pk for p in people)
    assert OutboxMessage.objects.filter(kind="survey_invitation").count() == 3


def test_reminders_go_only_to_people_who_have_not_answered(world: World) -> None:
    survey = scheduled(world)
    survey.closes_on = timezone.localdate() + datetime.timedelta(days=1)
    survey.save()
    people = mentors(world, 3)
    schedules.invite_opened(timezone.localdate())
    answer(survey, people[0])
    assert schedules.remind_closing(timezone.localdate()) == 2
    assert schedules.remind_closing(timezone.localdate()) == 0
    reminded = set(
        OutboxMessage.objects.filter(kind="survey_reminder").values_list("to", flat=True)
    )
    assert reminded == {p.email for p in people[1:]}


def test_a_coordinator_reminds_non_responders_once_a_day(world: World, client: Any) -> None:
    survey = scheduled(world)
    people = mentors(world, 2)
    schedules.invite_opened(timezone.localdate())
    answer(survey, people[0])
    client.force_login(world.coordinator)
    url = reverse("surveys:remind", args=[survey.pk])
    client.post(url)
    second = client.post(url, follow=True)
    assert "already reminded today" in response_text(second)
    assert list(
        OutboxMessage.objects.filter(kind="survey_reminder").values_list("to", flat=True)
    ) == [people[1].email]


def test_check_ins_follow_held_meetings_once(world: World) -> None:
    survey = scheduled(world, "checkin", key="mentor_checkin")
    pair = Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee,
                               score=70)  # fmt: skip
    held = [
        Meeting.objects.create(pair=pair, status=Meeting.Status.HELD, record="confirmed",
                               held_minutes=60, proposed_by=world.mentor,
                               starts_at=timezone.now() - datetime.timedelta(hours=h))
        for h in (3, 2)
    ]  # fmt: skip
    assert schedules.invite_checkins(timezone.localdate()) == 2
    assert schedules.invite_checkins(timezone.localdate()) == 0
    for meeting in held:
        answers.submit_response(survey, user=world.mentor, answers=full_answers(survey),
                                meeting_id=meeting.pk)  # fmt: skip
    assert sorted(Response.objects.values_list("round", flat=True)) == [1, 2]


def test_results_are_suppressed_below_five(world: World, client: Any) -> None:
    survey = scheduled(world)
    people = mentors(world, 5)
    for person in people[:4]:
        answer(survey, person)
    found = results_of(survey)
    assert found.people == 4 and not any(r.shown or r.bars for r in found.questions)
    client.force_login(world.coordinator)
    url = reverse("surveys:results", args=[survey.pk])
    assert "Answers are shown once at least 5" in response_text(client.get(url))
    answer(survey, people[4])
    page = response_text(client.get(url))
    assert 'role="img"' in page and "<title" in page and "<desc" in page
    assert "Strongly agree" in page


@pytest.mark.parametrize("role", ["mentor", "mentee", "observer", "outsider", "nobody"])
def test_only_the_cohorts_coordinators_schedule_and_see_results(
    role: str, world: World, client: Any
) -> None:
    survey = scheduled(world)
    client.force_login(getattr(world, role))
    assert client.get(reverse("surveys:results", args=[survey.pk])).status_code == 404
    response = client.post(
        reverse("surveys:schedule", args=[world.cohort.pk]),
        {"instrument": standard(world, "mentee_prepost").pk, "stage": "post",
         "opens_on": "2026-10-01", "closes_on": "2026-10-10"},
    )  # fmt: skip
    assert response.status_code == 404
    assert client.post(reverse("surveys:remind", args=[survey.pk])).status_code == 404
    assert not OutboxMessage.objects.filter(kind="survey_reminder").exists()


def test_the_dates_form_refuses_closing_before_opening(world: World, client: Any) -> None:
    survey = scheduled(world)
    client.force_login(world.coordinator)
    page = client.post(reverse("surveys:survey_edit", args=[survey.pk]),
                       {"opens_on": "2026-10-10", "closes_on": "2026-10-01",
                        "version": survey.version})  # fmt: skip
    assert "cannot close before it opens" in response_text(page)
    survey.refresh_from_db()
    assert survey.closes_on != datetime.date(2026, 10, 1)
