"""What surveys offers the home and cohort pages: the coordinators' next step (the pre
survey while pairs are matched or meet, the post survey and closing feedback once a cohort
closes), each survey's response rate for the cohort's coordinators, and a link for a mentor
or mentee to a survey waiting for them; nothing for anyone else. One query per call."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_cohort, response_text
from flipside.schemes.models import Cohort, Membership, Stage
from flipside.surveys import offers
from flipside.surveys.models import Invitation, Survey
from flipside.surveys.services import answers, schedules

from .helpers import answer, full_answers, held_meetings, mentors, scheduled, standard

pytestmark = pytest.mark.django_db
PRE = "Schedule the pre survey, before pairs first meet."
POST = "Schedule the post survey and closing feedback."


def ask(world: World, cohort: Cohort, stage: str, key: str) -> Survey:
    today = timezone.localdate()
    return schedules.schedule_survey(
        cohort, by=world.coordinator, instrument=standard(world, key), stage=stage,
        opens_on=today - datetime.timedelta(days=1), closes_on=today + datetime.timedelta(days=9),
    )  # fmt: skip


def test_the_step_asks_for_the_pre_survey_then_post_and_closing_feedback(
    world: World, django_assert_num_queries: Any
) -> None:
    running = world.cohort  # running, nothing scheduled
    matching = make_cohort(world.scheme, label="m", stage=Stage.MATCHING)
    matched_with_pre = make_cohort(world.scheme, label="p", stage=Stage.MATCHING)
    ask(world, matched_with_pre, "pre", "mentee_prepost")  # either audience's pre will do
    planning = make_cohort(world.scheme, label="x", stage=Stage.PLANNING)
    closed = make_cohort(world.scheme, label="c", stage=Stage.CLOSED)
    ask(world, closed, "post", "mentor_prepost")  # closing feedback still missing
    closed_done = make_cohort(world.scheme, label="d", stage=Stage.CLOSED)
    ask(world, closed_done, "post", "mentor_prepost")
    ask(world, closed_done, "closing", "mentee_closing")
    cohorts = [running, matching, matched_with_pre, planning, closed, closed_done]

    with django_assert_num_queries(1):
        steps = offers.coordinator_steps(cohorts)

    assert {pk: step.text for pk, step in steps.items()} == {
        running.pk: PRE, matching.pk: PRE, closed.pk: POST,
    }  # fmt: skip
    assert steps[closed.pk].url == reverse("surveys:cohort_surveys", args=[closed.pk])
    with django_assert_num_queries(0):
        assert offers.coordinator_steps([planning]) == {}


def test_the_cohort_section_counts_who_answered_for_coordinators_only(
    world: World, django_assert_num_queries: Any
) -> None:
    survey = scheduled(world)
    people = mentors(world, 3)
    schedules.invite_opened(survey.opens_on)
    answer(survey, people[1])
    with django_assert_num_queries(0):
        assert offers.cohort_sections(world.cohort, can_manage=False) == []

    with django_assert_num_queries(1):
        (part,) = offers.cohort_sections(world.cohort, can_manage=True)

    results = reverse("surveys:results", args=[survey.pk])
    assert f'<a href="{results}">' in part.html
    assert "1 of 3 people answered" in part.html
    assert part.data.cohort == world.cohort
    assert part.data.rows == [
        offers.SurveyRow(f"{survey.instrument.title} · Before the first meeting (pre)",
                         "1 of 3 people answered", reverse("surveys:results", args=[survey.pk]))
    ]  # fmt: skip
    empty = make_cohort(world.scheme, label="e")
    with django_assert_num_queries(1):
        assert offers.cohort_sections(empty, can_manage=True)[0].data.rows == []


def test_the_cohort_page_reads_its_surveys_once_for_its_step_and_its_section(
    world: World, django_assert_num_queries: Any
) -> None:
    from flipside.schemes.models import Cohort

    survey = scheduled(world)
    mentors(world, 1)
    schedules.invite_opened(survey.opens_on)
    cohort = Cohort.objects.get(pk=world.cohort.pk)
    cohort.stage = "running"
    with django_assert_num_queries(1):
        offers.coordinator_steps([cohort])
        (part,) = offers.cohort_sections(cohort, can_manage=True)
    assert [row.answered for row in part.data.rows] == ["0 of 1 person answered"]


def test_a_waiting_survey_is_on_its_audiences_card_until_answered(
    world: World, django_assert_num_queries: Any
) -> None:
    survey = scheduled(world)  # for mentors
    mine = list(Membership.objects.filter(user=world.mentor).select_related("cohort"))
    with django_assert_num_queries(1):
        card = offers.participant_offers(world.mentor, mine)[mine[0].pk]
    (link,) = card.links
    assert link.url == reverse("surveys:answer", args=[survey.pk])
    answer(survey, world.mentor)
    assert offers.participant_offers(world.mentor, mine) == {}
    for person in (world.mentee, world.observer):  # another audience; no audience at all
        theirs = list(Membership.objects.filter(user=person).select_related("cohort"))
        assert offers.participant_offers(person, theirs) == {}
    assert offers.home_sections(world.mentor) == []


def card_links(person: Any) -> list[str]:
    mine = list(Membership.objects.filter(user=person).select_related("cohort"))
    found = offers.participant_offers(person, mine)
    return [link.url for offer in found.values() for link in offer.links]


def test_every_survey_link_on_a_card_opens_for_its_person(world: World, client: Any) -> None:
    """A check-in open to the cohort's mentors is offered only to those invited to it,
    with its meeting: without an invitation its page is a 404, and it closed first, so it
    used to take the place of the pre survey's link on the card."""
    today = timezone.localdate()
    checkin = scheduled(world, "checkin", key="mentor_checkin")
    checkin.closes_on = today + datetime.timedelta(days=2)  # closes before the pre survey
    checkin.save()
    pre = scheduled(world, "pre")
    newcomer = mentors(world, 2)[1]  # in the audience, no invitation to anything yet

    def opened(person: Any) -> list[str]:
        client.force_login(person)
        links = card_links(person)
        assert all(client.get(url).status_code == 200 for url in links), links
        return links

    assert opened(newcomer) == [reverse("surveys:answer", args=[pre.pk])]
    assert opened(world.mentor) == [reverse("surveys:answer", args=[pre.pk])]
    first, second = held_meetings(world, 2)
    schedules.invite_checkins(today)  # the mentor is asked about each held meeting
    asked = f"{reverse('surveys:answer', args=[checkin.pk])}?meeting="
    assert opened(world.mentor) == [asked + str(min(first.pk, second.pk))]
    for meeting in (first, second):
        answers.submit_response(checkin, user=world.mentor, answers=full_answers(checkin),
                                meeting_id=meeting.pk)  # fmt: skip
    assert opened(world.mentor) == [reverse("surveys:answer", args=[pre.pk])]
    assert opened(newcomer) == [reverse("surveys:answer", args=[pre.pk])]
    # And on the home page itself, every survey link a mentor is shown opens.
    client.force_login(world.mentor)
    page = response_text(client.get(reverse("home")))
    assert reverse("surveys:answer", args=[pre.pk]) in page


def test_the_cohort_section_counts_people_not_check_ins(
    world: World, django_assert_num_queries: Any
) -> None:
    checkin = scheduled(world, "checkin", key="mentor_checkin")
    meetings = held_meetings(world, 3)
    schedules.invite_checkins(timezone.localdate())
    assert Invitation.objects.filter(survey=checkin).count() == 3
    for meeting in meetings[:2]:
        answers.submit_response(checkin, user=world.mentor, answers=full_answers(checkin),
                                meeting_id=meeting.pk)  # fmt: skip
    with django_assert_num_queries(1):
        (part,) = offers.cohort_sections(world.cohort, can_manage=True)
    (row,) = part.data.rows
    assert row.answered == "1 of 1 person answered"


def test_the_cohort_section_escapes_a_questionnaires_title(world: World) -> None:
    survey = scheduled(world)
    survey.instrument.title = "<b>Before</b> & after"
    survey.instrument.save(update_fields=["title"])
    (part,) = offers.cohort_sections(world.cohort, can_manage=True)
    assert "&lt;b&gt;Before&lt;/b&gt; &amp; after · " in part.html
    assert "<b>" not in part.html
