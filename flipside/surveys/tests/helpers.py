"""Builders shared by the surveys tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from conftest import World, join, make_user
from flipside.accounts.models import User
from flipside.matching.models import Pair
from flipside.partnerships.models import Meeting
from flipside.schemes.models import Role
from flipside.surveys.models import Instrument, Kind, Survey
from flipside.surveys.services import answers, schedules
from flipside.surveys.services.instruments import ensure_standard

TODAY = datetime.date(2026, 10, 1)


def standard(world: World, key: str = "mentor_prepost") -> Instrument:
    return ensure_standard(world.scheme)[key]


def scheduled(
    world: World, stage: str = "pre", *, key: str = "mentor_prepost", today: Any = None
) -> Survey:
    today = today or timezone.localdate()
    return schedules.schedule_survey(
        world.cohort, by=world.coordinator, instrument=standard(world, key), stage=stage,
        opens_on=today - datetime.timedelta(days=1), closes_on=today + datetime.timedelta(days=10),
    )  # fmt: skip


def mentors(world: World, n: int) -> list[User]:
    return [world.mentor] + [
        join(world.cohort, Role.MENTOR, make_user(f"Mentor {i}")) for i in range(1, n)
    ]


def full_answers(survey: Survey, *, score: int = 4, text: str = "It went well") -> dict[int, Any]:
    """An answer to every question: ``score`` on scales, the first option, ``text``."""
    values: dict[int, Any] = {}
    for q in survey.instrument.questions.all():
        if q.kind in (Kind.TEXT, Kind.NARRATIVE):
            values[q.pk] = text
        elif q.kind == Kind.SCALE10:
            values[q.pk] = score + 3
        elif q.kind == Kind.MULTIPLE:
            values[q.pk] = [0]
        elif q.kind == Kind.SINGLE:
            values[q.pk] = 0
        else:
            values[q.pk] = score
    return values


def answer(survey: Survey, user: User, **kwargs: Any) -> Any:
    return answers.submit_response(survey, user=user, answers=full_answers(survey, **kwargs))


def held_meetings(world: World, n: int) -> list[Meeting]:
    """``n`` meetings of a new pair of the world's mentor and mentee, held and confirmed."""
    pair = Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee,
                               score=70)  # fmt: skip
    return [
        Meeting.objects.create(pair=pair, status=Meeting.Status.HELD, record="confirmed",
                               held_minutes=60, proposed_by=world.mentor,
                               starts_at=timezone.now() - datetime.timedelta(hours=h + 1))
        for h in range(n)
    ]  # fmt: skip
