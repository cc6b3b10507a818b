"""The demo's surveys: the closed Pride cohort's year measured (pre and post surveys of its
student mentors and staff mentees, with the mentees' narrative prompt, and closing feedback
from both), and the running Pride cohort's pre survey open now, which most mentors have
answered and the demo mentor (Sam Rivera) has not.

Made through the surveys services as coordinators and respondents would, so answers are
pseudonymous, free text encrypted and invitations kept apart, exactly as in real use.
Answers are drawn from a seeded generator, a little higher after the year than before.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from flipside.accounts.models import User
from flipside.schemes.models import Cohort, Role
from flipside.surveys.models import Kind, Question, Survey
from flipside.surveys.services import answers, schedules
from flipside.surveys.services.instruments import ensure_standard
from flipside.surveys.standard import options

from .clock import clock
from .organisation import Demo
from .signins import MENTOR

NARRATIVES = {
    "pre": [
        "Probably much like anyone else's, with a few more hurdles.",
        "I had not really thought about it before.",
        "Hard work, and perhaps some moments of feeling out of place.",
    ],
    "post": [
        "Finding few people like you among the staff, hearing jokes nobody challenges, and "
        "deciding every rotation whether it is safe to be open.",
        "Constantly weighing up whether to correct a colleague, and carrying that on top of "
        "the workload everyone has.",
        "Much more isolating than I had assumed; small things from staff make a big difference.",
    ],
}
CLOSING = [
    "Meeting regularly, and having a partner who listened.",
    "Honest conversations I would not have had otherwise.",
    "More structure for the first meeting, and a mid-point event earlier.",
]


def add_surveys(demo: Demo) -> None:
    ensure_standard(demo.pride)
    _closed_year(demo, demo.pride_closed)
    _running_pre(demo, demo.pride_running)


def _people(cohort: Cohort, role: str) -> list[User]:
    members = cohort.memberships.filter(role=role).select_related("user").order_by("pk")
    return [m.user for m in members if m.user.is_active]


def _schedule(demo: Demo, cohort: Cohort, key: str, stage: str, opens: datetime.date,
              days: int) -> Survey:  # fmt: skip
    instrument = ensure_standard(cohort.scheme)[key]
    at = timezone.make_aware(datetime.datetime.combine(opens, datetime.time(9)))
    with clock(min(at, timezone.now())):
        return schedules.schedule_survey(
            cohort, by=demo.coordinator, instrument=instrument, stage=stage, opens_on=opens,
            closes_on=opens + datetime.timedelta(days=days),
        )  # fmt: skip


def _answers(survey: Survey, rng: random.Random, *, lift: int) -> dict[int, Any]:
    values: dict[int, Any] = {}
    for question in survey.instrument.questions.order_by("position"):
        values[question.pk] = _one(question, survey.stage, rng, lift)
    return values


def _one(question: Question, stage: str, rng: random.Random, lift: int) -> Any:
    if question.kind == Kind.NARRATIVE:
        pool = CLOSING if stage == "closing" else NARRATIVES["post" if lift else "pre"]
        return rng.choice(pool)
    if question.kind == Kind.TEXT:
        return "" if rng.random() < 0.6 else "Thank you for organising this."
    if question.kind == Kind.SINGLE:
        return rng.choice([0, 0, 0, 1])
    if question.kind == Kind.MULTIPLE:
        return [0]
    values = [value for value, _label in options(question.kind, question.choices)]
    middle = len(values) // 2 + lift + rng.choice([-1, 0, 0, 1])
    return values[max(0, min(middle, len(values) - 1))]


def _answer_all(survey: Survey, people: list[User], rng: random.Random, *, lift: int) -> None:
    day = survey.opens_on + datetime.timedelta(days=1)
    for person in people:
        answers.submit_response(survey, user=person, answers=_answers(survey, rng, lift=lift),
                                today=day)  # fmt: skip


def _closed_year(demo: Demo, cohort: Cohort) -> None:
    rng = random.Random(2526)  # noqa: S311 - demo data, not security
    start, end = cohort.starts_on, cohort.ends_on
    for role, prefix in ((Role.MENTOR, "mentor"), (Role.MENTEE, "mentee")):
        people = _people(cohort, role)
        pre = _schedule(
            demo, cohort, f"{prefix}_prepost", "pre", start + datetime.timedelta(days=7), 14
        )
        post = _schedule(
            demo, cohort, f"{prefix}_prepost", "post", end - datetime.timedelta(days=40), 14
        )
        closing = _schedule(
            demo, cohort, f"{prefix}_closing", "closing", end - datetime.timedelta(days=20), 14
        )
        # Everyone answered before the year (five: enough to show its results) and one
        # person missed the post survey (four: too few to show, and one pair fewer).
        _answer_all(pre, people, rng, lift=0)
        _answer_all(post, people[:-1], rng, lift=1)
        _answer_all(closing, people, rng, lift=1)


def _running_pre(demo: Demo, cohort: Cohort) -> None:
    rng = random.Random(2627)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    sam = demo.signins[MENTOR]
    for role, prefix in ((Role.MENTOR, "mentor"), (Role.MENTEE, "mentee")):
        survey = _schedule(demo, cohort, f"{prefix}_prepost", "pre",
                           today - datetime.timedelta(days=5), 19)  # fmt: skip
        schedules.invite_opened(today)
        people = [p for p in _people(cohort, role) if p != sam]
        answered = people[: max(len(people) - 2, 0)]
        for person in answered:
            answers.submit_response(survey, user=person, answers=_answers(survey, rng, lift=0))
