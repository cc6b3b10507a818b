"""Survey figures kept between changes (decision 0023): each survey's people invited and
answered equal a fresh count after every kind of change to its invitations, and its kept
results (``SurveyTally``) are shown only while they hold, hold nothing but counts, and are
never kept over answers given while they were being counted."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, join, make_user, response_text
from flipside.privacy import crypto
from flipside.schemes.models import Role
from flipside.surveys import kept, results
from flipside.surveys.models import Invitation, Response, Survey, SurveyTally
from flipside.surveys.services import answers, schedules

from .helpers import answer, full_answers, held_meetings, mentors, scheduled

pytestmark = pytest.mark.django_db


def figures(survey: Survey) -> tuple[int, int]:
    """The survey's kept people invited and answered, checked against a fresh count."""
    assert kept.kept_differences() == []
    survey.refresh_from_db()
    return survey.invited_people, survey.answered_people


def test_people_invited_and_answered_are_kept_through_every_change(world: World) -> None:
    survey = scheduled(world)
    people = mentors(world, 4)
    assert figures(survey) == (0, 0)
    schedules.invite_opened(survey.opens_on)  # the job
    assert figures(survey) == (4, 0)
    answer(survey, people[0])
    assert figures(survey) == (4, 1)
    answer(survey, people[0], text="Changed my mind")  # answered again: still one person
    assert figures(survey) == (4, 1)
    # Joined after the invitations went out, and answers before the job invites them.
    newcomer = join(world.cohort, Role.MENTOR, make_user("Newcomer"))
    answer(survey, newcomer)
    assert figures(survey) == (5, 2)
    schedules.invite_opened(survey.opens_on)  # nobody left to invite
    assert figures(survey) == (5, 2)
    people[0].delete()  # a person erased: their invitation goes with them
    assert figures(survey) == (4, 1)
    people[1].delete()  # one who had not answered
    assert figures(survey) == (3, 1)


def test_check_ins_count_each_person_once_whatever_the_meetings(world: World) -> None:
    checkin = scheduled(world, "checkin", key="mentor_checkin")
    meetings = held_meetings(world, 3)
    schedules.invite_checkins(timezone.localdate())
    assert Invitation.objects.filter(survey=checkin).count() == 3
    assert figures(checkin) == (1, 0)
    for n, meeting in enumerate(meetings, 1):
        answers.submit_response(checkin, user=world.mentor, answers=full_answers(checkin),
                                meeting_id=meeting.pk)  # fmt: skip
        assert figures(checkin) == (1, 1), n
    found = results.results_of(checkin)
    assert (found.people, found.responses) == (1, 3)


def test_a_deleted_survey_takes_its_invitations_without_counting_them_again(
    world: World,
) -> None:
    survey = scheduled(world)
    mentors(world, 3)
    schedules.invite_opened(survey.opens_on)
    with CaptureQueriesContext(connection) as queries:
        survey.delete()
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    assert kept.kept_differences() == []


def test_a_whole_save_of_a_survey_read_earlier_keeps_its_figures(world: World) -> None:
    survey = scheduled(world)
    mentors(world, 2)
    stale = Survey.objects.get(pk=survey.pk)
    schedules.invite_opened(survey.opens_on)
    stale.reminded_on = timezone.localdate()
    stale.save()
    assert figures(survey) == (2, 0) and survey.reminded_on == stale.reminded_on


def test_results_follow_each_new_answer_after_being_read(world: World, client: Any) -> None:
    survey = scheduled(world)
    people = mentors(world, 6)
    for person in people[:5]:
        answer(survey, person, score=4, text="First five")
    client.force_login(world.coordinator)
    url = reverse("surveys:results", args=[survey.pk])
    assert "5 people answered." in response_text(client.get(url))
    assert SurveyTally.objects.filter(survey=survey).exists()
    scale = survey.instrument.questions.filter(kind="likert5").first()
    assert scale is not None

    def fours_and_twos() -> tuple[int, int]:
        (result,) = [r for r in results.results_of(survey).questions if r.question == scale]
        counts = {bar.label: bar.count for bar in result.bars}
        return list(counts.values())[3], list(counts.values())[1]

    assert fours_and_twos() == (5, 0)
    answer(survey, people[5], score=2, text="A sixth")
    assert results.results_of(survey).people == 6
    assert fours_and_twos() == (5, 1)
    assert "6 people answered." in response_text(client.get(url))
    answer(survey, people[0], score=2)  # an answer changed
    assert fours_and_twos() == (4, 2)


def test_kept_results_hold_counts_only_never_text_or_pseudonyms(world: World) -> None:
    survey = scheduled(world)
    for n, person in enumerate(mentors(world, 5)):
        answer(survey, person, text=f"Private words {n}")
    assert results.results_of(survey).shown
    (tally,) = SurveyTally.objects.filter(survey=survey)
    stored = json.dumps(tally.figures)
    assert "Private words" not in stored
    for pseudonym in Response.objects.filter(survey=survey).values_list("pseudonym", flat=True):
        assert pseudonym not in stored
    assert set(tally.figures) == {
        "people", "responses", "unreadable", "texts", "pairs", "questions",
    }  # fmt: skip

    def numbers(value: Any) -> bool:
        if isinstance(value, dict):
            return all(key.isdigit() and numbers(v) for key, v in value.items()) or all(
                numbers(v) for v in value.values()
            )
        return isinstance(value, int)  # bool too: whether free text was opened

    assert numbers(tally.figures)


def test_results_counted_while_someone_answers_are_not_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader reads the generation, then an answer commits before it reads the
    responses: what it counted is shown once but never kept as holding."""
    survey = scheduled(world)
    people = mentors(world, 6)
    for person in people[:5]:
        answer(survey, person)
    counted = results.count

    def answered_meanwhile(*args: Any, **kwargs: Any) -> Any:
        answer(survey, people[5])
        return counted(*args, **kwargs)

    monkeypatch.setattr(results, "count", answered_meanwhile)
    results.results_of(survey)
    monkeypatch.setattr(results, "count", counted)
    generation, _pairs, counted_at, *_rest = results.tally_state(survey)
    assert counted_at is None or counted_at != generation  # kept as not holding, if at all
    assert results.results_of(survey).people == 6
    generation, _pairs, counted_at, *_rest = results.tally_state(survey)
    assert counted_at == generation


def test_stale_results_are_not_kept_over_a_newer_answer(world: World) -> None:
    survey = scheduled(world)
    people = mentors(world, 6)
    for person in people[:5]:
        answer(survey, person)
    generation, pairs, *_rest = results.tally_state(survey)
    old = results.count(survey, results.questions_of(survey), least=5)
    answer(survey, people[5])  # commits a newer generation
    results._keep(survey.pk, generation, pairs, results.keys_fingerprint(), old)
    assert not SurveyTally.objects.filter(survey=survey).exists()
    assert results.results_of(survey).people == 6
    results._keep(survey.pk, generation, pairs, results.keys_fingerprint(), old)
    assert SurveyTally.objects.get(survey=survey).figures["people"] == 6


def test_pairs_follow_answers_to_the_other_survey_of_the_series(world: World) -> None:
    pre, post = scheduled(world, "pre"), scheduled(world, "post")
    people = mentors(world, 2)
    for person in people:
        answer(pre, person)
    assert results.results_of(pre).pairs == 0
    answer(post, people[0])
    assert results.results_of(pre).pairs == results.results_of(post).pairs == 1


def test_new_encryption_keys_count_the_results_again(world: World, settings: Any) -> None:
    survey = scheduled(world)
    for person in mentors(world, 5):
        answer(survey, person)
    assert results.results_of(survey).unreadable == 0
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]  # the old key gone
    assert results.results_of(survey).unreadable == 5


def test_a_raised_threshold_hides_kept_results_and_a_lowered_one_opens_the_text(
    world: World, settings: Any
) -> None:
    settings.SURVEY_MIN_RESPONSES = 6
    survey = scheduled(world)
    for person in mentors(world, 5):
        answer(survey, person, text="Written")
    found = results.results_of(survey)  # counted below the threshold: no text opened
    assert not found.shown and not any(r.answered for r in found.questions)
    assert SurveyTally.objects.get(survey=survey).figures["texts"] is False
    settings.SURVEY_MIN_RESPONSES = 5
    text = survey.instrument.questions.get(kind="text")
    found = results.results_of(survey)
    assert found.shown and next(r for r in found.questions if r.question == text).answered == 5
    settings.SURVEY_MIN_RESPONSES = 6
    assert not any(r.shown for r in results.results_of(survey).questions)


def test_the_results_page_reads_no_response_while_its_results_hold(
    world: World, client: Any
) -> None:
    survey = scheduled(world)
    for person in mentors(world, 5):
        answer(survey, person)
    client.force_login(world.coordinator)
    url = reverse("surveys:results", args=[survey.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [q for q in queries if "surveys_response" in q["sql"]]
    assert not [q for q in queries if "surveys_invitation" in q["sql"]]


def test_selfcheck_names_a_survey_whose_kept_figures_drifted(world: World) -> None:
    survey = scheduled(world)
    people = mentors(world, 5)
    for person in people:
        answer(survey, person)
    results.results_of(survey)
    call_command("selfcheck", stdout=StringIO())  # holds
    Survey.objects.filter(pk=survey.pk).update(answered_people=4)
    with pytest.raises(CommandError, match=f"survey {survey.pk}: keeps 5 people invited and 4"):
        call_command("selfcheck", stdout=StringIO())
    kept.recount(survey.pk)
    tally = SurveyTally.objects.get(survey=survey)
    tally.figures = {**tally.figures, "responses": 4}
    tally.save()
    with pytest.raises(CommandError, match=f"survey {survey.pk}: kept results differ"):
        call_command("selfcheck", stdout=StringIO())
