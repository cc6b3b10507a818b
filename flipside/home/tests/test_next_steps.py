"""What to do next is decided from each cohort's real state (a proposal waiting to be
published, applications waiting for review, a partner), not from its stage alone; and the
home page asks the database once per app, whatever the number of cohorts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, join, make_cohort
from flipside.home.selectors import coordinator_steps, stage_history
from flipside.matching.models import Pair, Run
from flipside.privacy import audit
from flipside.privacy.models import AuditEntry
from flipside.recruitment.models import Application
from flipside.recruitment.tests.review_builders import open_call, submitted
from flipside.schemes.models import Cohort, Role, Stage
from flipside.schemes.offers import NextStep
from flipside.schemes.offers import coordinator_steps as base_steps
from flipside.training.models import AgreementVersion, HandbookVersion, TrainingSession

pytestmark = pytest.mark.django_db


def step(cohort: Cohort) -> NextStep:
    return coordinator_steps([cohort])[cohort.pk]


def home_of(client: Any, user: Any) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def run(cohort: Cohort, number: int = 1, **fields: Any) -> Run:
    return Run.objects.create(cohort=cohort, number=number, status=Run.Status.DONE, **fields)


def session(cohort: Cohort, **fields: Any) -> TrainingSession:
    starts_at = timezone.now() + datetime.timedelta(days=7)
    return TrainingSession.objects.create(
        cohort=cohort, title="Mentor training", starts_at=starts_at, **fields
    )


# --- Matching -------------------------------------------------------------------------------


def test_matching_without_a_proposal_asks_for_pairs_to_be_proposed(
    world: World, client: Any
) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.MATCHING)
    found = step(cohort)
    assert found.text == "Propose pairs of mentors and mentees."
    assert found.url == reverse("matching:overview", args=[cohort.pk])
    page = home_of(client, world.coordinator)
    assert f'<a href="{found.url}">Propose pairs of mentors and mentees.</a>' in page
    assert "Publish the pairs" not in page


def test_a_finished_unpublished_proposal_asks_for_the_pairs_to_be_published(
    world: World, client: Any
) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.MATCHING)
    run(cohort, 1)
    latest = run(cohort, 2)
    Run.objects.create(cohort=cohort, number=3, status=Run.Status.FAILED)
    found = step(cohort)
    assert found.text == "Publish the pairs: proposal 2 is ready for you to check."
    assert found.url == reverse("matching:run", args=[latest.pk])
    assert found.url in home_of(client, world.coordinator)


def test_a_proposal_still_being_worked_out_is_not_offered_for_publishing(world: World) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.MATCHING)
    Run.objects.create(cohort=cohort, number=1, status=Run.Status.RUNNING)
    found = step(cohort)
    assert found.text == "Pairs are being proposed. Check them when they are ready."
    assert found.url == reverse("matching:overview", args=[cohort.pk])


def test_once_pairs_are_published_the_step_is_moving_the_cohort_to_running(
    world: World, client: Any
) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.MATCHING)
    run(cohort, 1)  # an older draft, never published
    run(cohort, 2, published_at=timezone.now())
    found = step(cohort)
    assert found.text == "Move the cohort to running: the pairs are published."
    assert found.url == ""  # done with the stage buttons on the cohort's page
    page = home_of(client, world.coordinator)
    cohort_page = reverse("home:cohort", args=[cohort.pk])
    assert f'<a href="{cohort_page}">Move the cohort to running' in page
    assert "Publish the pairs" not in page
    overview = client.get(cohort_page).content.decode()
    assert "Move the cohort to running: the pairs are published." in overview


def test_a_running_cohort_keeps_its_pairs_meeting_or_says_none_is(world: World) -> None:
    assert step(world.cohort).text == "No pair is meeting: find people new partners."
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    found = step(world.cohort)
    # Partnerships, the later step, says how many pairs are behind and links to its board.
    assert found.text.startswith("Keep pairs meeting")
    assert found.url == reverse("partnerships:board", args=[world.cohort.pk])


# --- Recruitment ----------------------------------------------------------------------------


def test_applications_waiting_for_review_are_counted_with_a_link_to_them(
    world: World, client: Any
) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.RECRUITING)
    mentors, mentees = open_call(cohort, Role.MENTOR), open_call(cohort, Role.MENTEE)
    submitted(mentors)
    submitted(mentors)
    submitted(mentees, status=Application.Status.SHORTLISTED)
    submitted(mentees, status=Application.Status.ACCEPTED)
    submitted(mentors, status=Application.Status.DRAFT, submitted_at=None)
    found = step(cohort)
    assert found.text == "3 applications are waiting for review."
    assert found.url == reverse("recruitment:calls", args=[cohort.pk])
    assert f'<a href="{found.url}">3 applications are waiting for review.</a>' in home_of(
        client, world.coordinator
    )


def test_one_application_waiting_is_said_in_the_singular(world: World) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.RECRUITING)
    submitted(open_call(cohort))
    assert step(cohort).text == "1 application is waiting for review."


def test_recruiting_without_calls_or_waiting_applications(world: World) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.RECRUITING)
    assert step(cohort).text == "Open a call for student mentors and one for staff mentees."
    call = open_call(cohort)
    submitted(call, status=Application.Status.ACCEPTED)
    assert step(cohort).text == "Invite student mentors and staff mentees."
    assert step(cohort).url == reverse("recruitment:calls", args=[cohort.pk])


# --- Training and the base's own stages -----------------------------------------------------


def test_training_asks_for_a_session_then_the_handbook_then_readiness(world: World) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.TRAINING)
    session(cohort, cancelled_at=timezone.now())  # a cancelled session trains nobody
    assert step(cohort) == NextStep(
        "Add a training session for mentors.", reverse("training:sessions", args=[cohort.pk])
    )
    session(cohort)
    assert step(cohort) == NextStep(
        "Publish the handbook for mentors and mentees.",
        reverse("training:handbook", args=[world.scheme.pk]),
    )
    HandbookVersion.objects.create(scheme=world.scheme, number=1, body="Be kind.")
    assert step(cohort) == NextStep(
        "Run training for mentors and share the handbook.",
        reverse("training:readiness", args=[cohort.pk]),
    )


def test_planning_and_closed_cohorts_are_done_on_the_cohort_page(world: World, client: Any) -> None:
    planning = make_cohort(world.scheme, stage=Stage.PLANNING)
    closed = make_cohort(world.scheme, stage=Stage.CLOSED)
    assert step(planning) == NextStep("Check the dates and meeting rules, then open recruitment.")
    # A closed cohort's own step is to evaluate the year; its surveys make that concrete.
    assert base_steps([closed])[closed.pk] == NextStep(
        "Evaluate the year and share what changed.", fallback=True
    )
    assert step(closed) == NextStep(
        "Schedule the post survey and closing feedback.",
        reverse("surveys:cohort_surveys", args=[closed.pk]),
    )
    page = home_of(client, world.coordinator)
    assert f'<a href="{reverse("home:cohort", args=[planning.pk])}">Check the dates' in page


# --- Queries --------------------------------------------------------------------------------


def cohorts_at_every_stage(world: World) -> None:
    """One cohort at each stage, each with something for its app to count."""
    recruiting = make_cohort(world.scheme, stage=Stage.RECRUITING)
    submitted(open_call(recruiting))
    session(make_cohort(world.scheme, stage=Stage.TRAINING))
    run(make_cohort(world.scheme, stage=Stage.MATCHING))
    running = make_cohort(world.scheme, stage=Stage.RUNNING)
    Pair.objects.create(cohort=running, mentor=join(running, Role.MENTOR),
                        mentee=join(running, Role.MENTEE))  # fmt: skip
    for stage in (Stage.PLANNING, Stage.CLOSED):
        make_cohort(world.scheme, stage=stage)


def home_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_the_coordinators_home_page_asks_once_per_app_whatever_the_number_of_cohorts(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(world.coordinator)
    cohorts_at_every_stage(world)
    home_queries(client)  # the first page after sign-in also renews the session
    home_queries(client)  # running cohorts' pair statuses counted again and kept (0019)
    few = home_queries(client)
    for _ in range(4):
        cohorts_at_every_stage(world)
    home_queries(client), home_queries(client)  # the new cohorts' counts, kept
    assert home_queries(client) == few
    # One per app that offers a step (reports: for closed cohorts, whether ideas still wait
    # for triage), and the ideas the coordinator owns or raised.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("home"))
    assert len(response.context["overview"].cohorts) == 31


# --- Participants ---------------------------------------------------------------------------


def test_a_participant_with_a_partner_in_matching_is_told_to_meet_them_not_to_get_ready(
    world: World, client: Any
) -> None:
    Cohort.objects.filter(pk=world.cohort.pk).update(stage=Stage.MATCHING)
    AgreementVersion.objects.create(scheme=world.scheme, number=1, body="Rules")
    assert "Before you are paired:" in home_of(client, world.mentor)
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    page = home_of(client, world.mentor)
    assert "You have a partner. Read about them and arrange your first meeting." in page
    assert "Before you are paired:" not in page
    assert "Your partner" in page and reverse("matching:partner", args=[world.cohort.pk]) in page


def test_a_participants_card_links_training_then_the_cohort_dates(
    world: World, client: Any
) -> None:
    page = home_of(client, world.mentee)
    links = [
        reverse("training:sessions", args=[world.cohort.pk]),
        reverse("training:handbook", args=[world.scheme.pk]),
        reverse("training:agreement", args=[world.scheme.pk]),
        reverse("schemes:cohort_calendar", args=[world.cohort.pk]),
    ]
    at = [page.index(f'href="{link}"') for link in links]
    assert at == sorted(at)
    assert f'href="{links[-1]}" download' in page
    observer = home_of(client, world.observer)
    assert links[0] not in observer and links[-1] not in observer
    assert reverse("home:cohort", args=[world.cohort.pk]) in observer


def test_stage_history_keeps_changes_recorded_under_the_old_two_part_code(world: World) -> None:
    old = audit.record(world.coordinator, "schemes.cohort.stage_changed", world.cohort)
    AuditEntry.objects.filter(pk=old.pk).update(action="cohort.stage_changed")
    new = audit.record(world.coordinator, "schemes.cohort.stage_changed", world.cohort)
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    assert [entry.pk for entry in stage_history(world.cohort)] == [new.pk, old.pk]
