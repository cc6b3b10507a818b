"""The demo's surveys: the closed Pride cohort's year measured (pre and post surveys of its
student mentors and staff mentees, with the mentees' narrative prompt, and closing feedback
from both), and the running Pride cohort's pre survey open now, which most mentors have
answered and the demo mentor (Sam Rivera) has not.

Made through the surveys services as coordinators and respondents would, so answers are
pseudonymous, free text encrypted and invitations kept apart, exactly as in real use.
Answers are drawn from a seeded generator, a little higher after the year than before. The
closed year asked all twelve mentors and twelve mentees each time (its invitations written as
rows, so no email of a past year is queued) and most answered, the same people before and
after, with a few written answers.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from flipside.accounts.models import User
from flipside.schemes.models import Cohort, Role
from flipside.surveys import kept
from flipside.surveys.models import Invitation, Kind, Question, Survey
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


# --- Pride's closed year --------------------------------------------------------------------

# Written answers of the closed year, each pool in the order its people answered.
MENTOR_NOTES = {
    "pre": [
        "I am a bit nervous about being honest with someone so senior.",
        "Looking forward to it.",
        "Please could meetings avoid exam weeks?",
    ],
    "post": [
        "My mentee now corrects people about pronouns on the ward round, which I never expected.",
        "It felt strange at first to be the one giving advice, but it got easier after the "
        "second meeting.",
        "I feel more confident raising things with my tutors now.",
        "The mid-point event was the best part: hearing other pairs' stories made me feel "
        "less alone.",
        "I would have liked more help planning the first meeting.",
        "Being paid for my time made it possible for me to take part.",
    ],
}
MENTEE_JOURNEYS = {
    "pre": [
        "Probably much like anyone else's, with a few more hurdles.",
        "I had not really thought about it before.",
        "Hard work, and perhaps some moments of feeling out of place.",
        "I imagine most students are open about who they are now, so it is easier than it was.",
        "I assume our support services would help if anything went wrong.",
        "Much the same as for other students, as far as I can see from teaching.",
        "Some worry about placements, perhaps, but I have not heard of problems.",
        "I do not know enough to say; that is partly why I signed up.",
        "Busy, like everyone, and possibly lonely at times.",
        "Mostly positive, I would hope, though I suspect I see only part of it.",
        "I think it depends a lot on the placement and the people there.",
    ],
    "post": [
        "Deciding on every new rotation whether it is safe to be open, and carrying that on "
        "top of the workload everyone has.",
        "Hearing jokes that nobody challenges, and seeing few senior people like you.",
        "Much more isolating than I had assumed; small things staff do make a big difference.",
        "Constantly correcting names and pronouns, and wondering whether it is worth it.",
        "Good days and bad days like anyone, but with an extra layer of watching what you say.",
        "Students manage a great deal quietly, and rarely tell us because they are not sure "
        "anything will happen.",
        "Often positive in the faculty itself, and much less predictable on placement.",
        "More tiring than I knew: the course is hard, and being out at it is another job.",
        "Shaped by whether the first senior person they meet makes it safe to be themselves.",
        "Full of decisions other students never have to make, such as whether to mention a "
        "partner to a new team.",
    ],
}
WORKED = {
    Role.MENTOR: [
        "Having a mentee who really listened.",
        "Meeting regularly, and booking the next meeting before we left.",
        "Honest conversations I would not have had otherwise.",
        "The training made me feel ready for the first meeting.",
        "Seeing my mentee act on what we talked about.",
        "The talking points when we were stuck for where to start.",
        "The reflection events, and meeting the other mentors.",
        "Being paid for the time, which meant I could say yes.",
        "Being treated as the expert for once.",
    ],
    Role.MENTEE: [
        "Hearing about ordinary weeks, not only incidents.",
        "My mentor's honesty, and their patience with my questions.",
        "Regular meetings that were protected in my diary.",
        "The end-of-year event, where we heard from other pairs.",
        "Having a clear reason to talk about things I had avoided.",
        "Practical ideas I could take to my own department.",
        "The talking points for the first couple of meetings.",
        "Realising how much goes unsaid on placements.",
    ],
}
CHANGE = {
    Role.MENTOR: [
        "More structure for the first meeting.",
        "Hold the mid-point event a little earlier.",
        "A chance to meet the other mentors before the year starts.",
        "Clearer advice on what to do if a meeting feels uncomfortable.",
        "Fewer emails, and the reminders closer to each meeting.",
        "Remind mentees to avoid exam weeks.",
        "Let us suggest a mentee from a department we want to reach.",
        "Nothing much: keep it as it is.",
        "A short guide on how to claim pay.",
    ],
    Role.MENTEE: [
        "Give mentees a short reading list before the first meeting.",
        "Protect time for the meetings in job plans.",
        "A follow-up session in the autumn to see what changed.",
        "Earlier dates for the reflection events.",
        "Share the ideas for change with heads of department.",
        "More guidance on how to act on what we hear.",
        "Pair mentees with students from a different programme.",
        "Nothing: it worked well as it was.",
    ],
}
# Which respondents (in the order they answered) wrote something in "Anything you would like
# to add?": one note each of ``MENTOR_NOTES``.
NOTE_WRITERS = {"pre": (0, 3, 7), "post": (0, 1, 3, 4, 6, 8)}
# Who answered each survey, by position in the cohort (mentors, mentees): most people, with a
# few missing each time (the mentor and mentee of the pair that ended early among them).
MISSED = {
    Role.MENTOR: {"pre": {10}, "post": {6, 11}, "closing": {1, 6, 11}},
    Role.MENTEE: {"pre": {4}, "post": {8, 11}, "closing": {3, 8, 11, 2}},
}
# How a scale answer moved over the year: mostly up a step, sometimes two, now and then not
# at all or down one.
GAINS = [1, 1, 1, 1, 2, 0, 1, 2, 0, -1]


def _closed_year(demo: Demo, cohort: Cohort) -> None:
    """Pride 2025/26's pre survey after its pairs began, its post survey and closing
    feedback at the end: everyone asked, most answered (through the surveys services, so
    answers are pseudonymous and written ones encrypted), and most scale answers higher after
    the year than before."""
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
        before: dict[int, dict[int, Any]] = {}
        written = {"pre": 0, "post": 0, "closing": 0}
        for survey in (pre, post, closing):
            _invite_all(survey, people)
            questions = list(survey.instrument.questions.order_by("position"))
            missed = MISSED[role][survey.stage]
            for n, person in enumerate(people):
                if n in missed:
                    continue
                values: dict[int, Any] = {}
                for question in questions:
                    if question.kind in TEXT_KINDS:
                        text = _written(role, survey.stage, question, written[survey.stage])
                        if text:
                            values[question.pk] = text
                    else:
                        values[question.pk] = _closed_value(
                            question,
                            before.get(person.pk, {}).get(question.pk),
                            rng,
                            closing=survey.stage == "closing",
                        )
                written[survey.stage] += 1
                if survey.stage == "pre":
                    before[person.pk] = values
                day = survey.opens_on + datetime.timedelta(days=1 + n % 12)
                answers.submit_response(survey, user=person, answers=values, today=day)


TEXT_KINDS = (Kind.TEXT, Kind.NARRATIVE)


def _written(role: Role, stage: str, question: Question, n: int) -> str:
    """The ``n``th respondent's written answer to ``question``, or "" for none."""
    if stage == "closing":
        pool = WORKED[role] if question.text.startswith("What worked") else CHANGE[role]
        return pool[n % len(pool)]
    if question.kind == Kind.NARRATIVE:
        pool = MENTEE_JOURNEYS[stage]
        return pool[n % len(pool)]
    # The optional "anything to add?": a few write something.
    writers = NOTE_WRITERS[stage]
    return MENTOR_NOTES[stage][writers.index(n)] if n in writers else ""


def _closed_value(
    question: Question, earlier: Any, rng: random.Random, *, closing: bool = False
) -> Any:
    """A scale answer, a step or two higher than ``earlier`` (the same person's answer
    before the year) if there is one; a choice, mostly the first option."""
    if question.kind == Kind.SINGLE:
        return rng.choice([0, 0, 0, 0, 1])
    if question.kind == Kind.MULTIPLE:
        return [0]
    values = [value for value, _label in options(question.kind, question.choices)]
    wide = len(values) > 7  # 0 to 10
    if earlier is None:
        # Before the year: around the middle; recommending the scheme, near the top.
        middle = len(values) // 2 - (0 if wide else 1)
        index = middle + rng.choice([-1, 0, 0, 1])
        if closing:
            index = len(values) - 1 - rng.choice([0, 1, 1, 2, 3])
    else:
        gain = rng.choice(GAINS) * (2 if wide else 1)
        index = values.index(earlier) + gain
    return values[max(0, min(index, len(values) - 1))]


def _invite_all(survey: Survey, people: list[User]) -> None:
    """Everyone in the survey's audience asked, as ``schedules.invite_opened`` does on the
    day it opens (without queueing emails for a survey long closed)."""
    Invitation.objects.bulk_create(
        [Invitation(survey=survey, user=person, emailed=True) for person in people],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        kept.recount(survey.pk)


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
