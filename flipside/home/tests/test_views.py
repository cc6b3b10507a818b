"""Each person's home page and the cohort overview page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from conftest import World, join, make_cohort
from flipside.accounts.models import User
from flipside.matching.models import Pair
from flipside.recruitment import offers as recruitment_offers
from flipside.recruitment.models import Application
from flipside.recruitment.tests.review_builders import open_call, submitted
from flipside.schemes.models import Cohort, Role, SchemeCoordinator, Stage
from flipside.training.models import TrainingSession

pytestmark = pytest.mark.django_db


# --- Home ---------------------------------------------------------------------------------


def test_coordinator_home_shows_cohorts_with_counts_per_stage(world: World, client: Any) -> None:
    make_cohort(world.scheme, label="2027/28", stage=Stage.PLANNING)
    client.force_login(world.coordinator)
    response = client.get(reverse("home"))
    stage_counts = dict((stage.value, n) for stage, n in response.context["overview"].stage_counts)
    assert stage_counts == {
        "planning": 1,
        "recruiting": 0,
        "training": 0,
        "matching": 0,
        "running": 1,
        "closed": 0,
    }
    assert b"Pride Reverse Mentoring 2026/27" in response.content
    assert b"Elsewhere Scheme" not in response.content


def test_mentor_home_says_what_to_do_next(world: World, client: Any) -> None:
    client.force_login(world.mentor)
    response = client.get(reverse("home"))
    assert b"Meet your partner at least 4 times" in response.content
    assert b"Cohorts you coordinate" not in response.content


def test_mentee_home_tells_the_senior_partner_to_make_first_contact_when_matching(
    world: World, client: Any
) -> None:
    Cohort.objects.filter(pk=world.cohort.pk).update(stage=Stage.MATCHING)
    client.force_login(world.mentee)
    assert b"you make first contact" in client.get(reverse("home")).content


def test_person_without_roles_is_told_nothing_is_there_yet(world: World, client: Any) -> None:
    client.force_login(world.nobody)
    assert b"not part of any scheme yet" in client.get(reverse("home")).content


def test_home_page_queries_stay_bounded_as_cohorts_grow(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    for year in range(10):
        cohort = make_cohort(world.scheme, label=f"20{30 + year}/{31 + year}")
        for _ in range(3):
            join(cohort, Role.MENTOR)
        join(cohort, Role.MENTOR, world.coordinator) if year == 0 else None
    client.force_login(world.coordinator)
    client.get(reverse("home"))  # the first page after sign-in also renews the session
    client.get(reverse("home"))  # running cohorts' pair statuses counted again and kept (0019)
    # Session, person, their roles, cohorts, one per app with a step (matching, partnerships,
    # payments, surveys and ideas), memberships, partners, the pair's progress, the mentor's
    # own pay, surveys waiting for them, ideas they own or raised, and applications.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("home"))
    assert len(response.context["overview"].cohorts) == 11


def test_a_cohorts_own_coordinator_sees_all_its_members_counted(world: World, client: Any) -> None:
    client.force_login(world.cohort_coordinator)
    response = client.get(reverse("home"))
    [row] = response.context["overview"].cohorts
    assert (row.cohort.mentor_count, row.cohort.mentee_count) == (1, 1)


def test_roles_are_remembered_per_user_object_and_never_lent(world: World) -> None:
    from flipside.schemes.permissions import roles_of

    assert roles_of(world.coordinator).schemes == {world.scheme.pk}
    # Another person's object asks for their own roles.
    mentor = roles_of(world.mentor)
    assert not mentor.coordinates_anything()
    assert mentor.member_of(Role.MENTOR) == {world.cohort.pk}
    SchemeCoordinator.objects.create(scheme=world.scheme, user=world.mentor)
    # The same object keeps its answer for the rest of the request...
    assert not roles_of(world.mentor).coordinates_anything()
    # ...and the next request loads the person afresh.
    fresh = User.objects.get(pk=world.mentor.pk)
    assert roles_of(fresh).schemes == {world.scheme.pk}


def test_a_role_granted_shows_in_the_navigation_from_the_next_request(
    world: World, client: Any
) -> None:
    client.force_login(world.mentor)
    schemes = f'<a href="{reverse("schemes:list")}"'.encode()
    assert schemes not in client.get(reverse("home")).content
    SchemeCoordinator.objects.create(scheme=world.scheme, user=world.mentor)
    assert schemes in client.get(reverse("home")).content


# --- The cohort overview -------------------------------------------------------------------


def test_observer_sees_counts_but_no_names_or_emails(world: World, client: Any) -> None:
    client.force_login(world.observer)
    html = client.get(reverse("home:cohort", args=[world.cohort.pk])).content.decode()
    for person in (world.mentor, world.mentee, world.coordinator):
        assert person.email not in html
        assert person.display_name not in html
    assert "Student mentors" in html


def test_cohort_page_counts_every_coordinator_and_shows_newest_stage_change_first(
    world: World, client: Any
) -> None:
    from flipside.schemes import services

    cohort = make_cohort(world.scheme, label="2027/28", stage=Stage.PLANNING)
    services.change_cohort_stage(cohort, to=Stage.RECRUITING, by=world.coordinator)
    services.change_cohort_stage(cohort, to=Stage.TRAINING, by=world.coordinator)
    client.force_login(world.coordinator)
    response = client.get(reverse("home:cohort", args=[cohort.pk]))
    assert response.context["counts"]["coordinator"] == 2  # scheme and organisation coordinators
    assert [e.details["stage"] for e in response.context["history"]] == ["training", "recruiting"]
    html = response.content.decode()
    assert "Recruiting → Training (<bdi>Cora Coordinator</bdi>)" in html
    # A person since removed is shown by the label kept in the entry.
    label = response.context["history"][0].actor_label
    world.coordinator.delete()
    client.force_login(world.org_coordinator)
    html = client.get(reverse("home:cohort", args=[cohort.pk])).content.decode()
    assert label and html.count(f"(<bdi>{label}</bdi>)") == 2


def test_cohort_counts_each_coordinator_once_by_any_route_and_no_inactive_person(
    world: World,
) -> None:
    from flipside.schemes.permissions import Action, coordinators_of, get_cohort_and_counts

    def cohort_counts(cohort: Any) -> dict[str, int]:
        return get_cohort_and_counts(world.coordinator, cohort.pk, Action.VIEW)[1]

    # The scheme's coordinator also joins as the cohort's coordinator: still one person.
    join(world.cohort, Role.COORDINATOR, world.coordinator)
    inactive = join(world.cohort, Role.COORDINATOR)
    inactive.is_active = False
    inactive.save()
    join(world.cohort, Role.MENTOR)
    counts = cohort_counts(world.cohort)
    # Scheme, organisation and cohort coordinators; not the other scheme's.
    assert counts["coordinator"] == 3 == coordinators_of(world.cohort).count()
    assert inactive not in coordinators_of(world.cohort)
    assert (counts["mentor"], counts["mentee"], counts["observer"]) == (2, 1, 1)
    # Another cohort's people are not counted.
    other = make_cohort(world.scheme, label="Other")
    join(other, Role.MENTOR)
    assert cohort_counts(world.cohort) == counts
    # The cohort comes with them, as get_cohort gives it; others' cohorts still do not.
    cohort, _ = get_cohort_and_counts(world.coordinator, world.cohort.pk, Action.VIEW)
    assert (cohort.pk, cohort.scheme.organisation.pk) == (world.cohort.pk, world.organisation.pk)
    with pytest.raises(Http404):
        get_cohort_and_counts(world.outsider, world.cohort.pk, Action.VIEW)


def test_coordinators_see_what_each_app_counts_and_the_next_step_observers_neither(
    world: World, client: Any
) -> None:
    Cohort.objects.filter(pk=world.cohort.pk).update(stage=Stage.RECRUITING)
    call = open_call(world.cohort)
    submitted(call)
    submitted(call, status=Application.Status.ACCEPTED)
    TrainingSession.objects.create(
        cohort=world.cohort, title="Training", starts_at=timezone.now() + timedelta(days=3)
    )
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    url = reverse("home:cohort", args=[world.cohort.pk])
    client.force_login(world.coordinator)
    html = client.get(url).content.decode()
    assert "(2 received, 1 waiting for review)" in html
    assert "(1 session, 1 still to come)" in html
    assert "1 active, 0 ended early" in html
    waiting = reverse("recruitment:calls", args=[world.cohort.pk])
    assert f'Next step:</strong> <a href="{waiting}">1 application is waiting for review.' in html
    client.force_login(world.observer)
    html = client.get(url).content.decode()
    assert "Training sessions" in html
    for figure in ("received", "still to come", "ended early", "Next step:", "Readiness"):
        assert figure not in html


def test_each_call_counts_its_own_applications_received_and_waiting_drafts_neither(
    world: World, client: Any
) -> None:
    Status = Application.Status
    Cohort.objects.filter(pk=world.cohort.pk).update(stage=Stage.RECRUITING)
    mentees = open_call(world.cohort, Role.MENTEE)
    mentors = open_call(world.cohort, Role.MENTOR)
    for status in (Status.DRAFT, Status.SUBMITTED, Status.SHORTLISTED, Status.DECLINED):
        submitted(mentors, status=status)
    submitted(mentees, status=Status.DRAFT)
    submitted(open_call(world.other_cohort))  # another cohort's call is not listed
    client.force_login(world.coordinator)
    response = client.get(reverse("home:cohort", args=[world.cohort.pk]))
    [section] = recruitment_offers.cohort_sections(response.context["cohort"], can_manage=True)
    calls = section.data
    assert [(c.pk, c.received, c.waiting) for c in calls] == [
        (mentees.pk, 0, 0),
        (mentors.pk, 3, 2),
    ]
    html = response.content.decode()
    assert "(3 received, 2 waiting for review)" in html
    assert "(0 received, 0 waiting for review)" in html


def test_once_pairs_meet_the_calls_are_listed_without_counting_their_applications(
    world: World, client: Any
) -> None:
    call = open_call(world.cohort)
    submitted(call)
    url = reverse("home:cohort", args=[world.cohort.pk])
    client.force_login(world.coordinator)
    for stage in (Stage.RUNNING, Stage.CLOSED):
        Cohort.objects.filter(pk=world.cohort.pk).update(stage=stage)
        response = client.get(url)
        [section] = recruitment_offers.cohort_sections(response.context["cohort"], can_manage=True)
        calls = section.data
        assert [(c.pk, c.received, c.waiting) for c in calls] == [(call.pk, None, None)]
        html = response.content.decode()
        assert reverse("recruitment:applications", args=[call.pk]) in html
        assert "received" not in html
    Cohort.objects.filter(pk=world.cohort.pk).update(stage=Stage.MATCHING)
    assert "(1 received, 1 waiting for review)" in client.get(url).content.decode()


def test_cohort_page_counts_its_own_pairs_and_sessions_not_cancelled_ones(
    world: World, client: Any
) -> None:
    now = timezone.now()
    for cohort in (world.cohort, world.cohort, world.other_cohort):
        Pair.objects.create(
            cohort=cohort, mentor=join(cohort, Role.MENTOR), mentee=join(cohort, Role.MENTEE)
        )
    Pair.objects.create(
        cohort=world.cohort,
        mentor=world.mentor,
        mentee=world.mentee,
        status=Pair.Status.ENDED,
        ended_at=now,
    )
    for cohort, days, cancelled in [
        (world.cohort, -3, None),
        (world.cohort, 3, None),
        (world.cohort, 5, now),
        (world.other_cohort, 3, None),
    ]:
        TrainingSession.objects.create(
            cohort=cohort, title="T", starts_at=now + timedelta(days=days), cancelled_at=cancelled
        )
    client.force_login(world.coordinator)
    html = client.get(reverse("home:cohort", args=[world.cohort.pk])).content.decode()
    assert "2 active, 1 ended early" in html
    assert "(2 sessions, 1 still to come)" in html


def test_cohort_page_queries_stay_bounded(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    calls = [open_call(world.cohort, Role.MENTOR), open_call(world.cohort, Role.MENTEE)]
    for n in range(20):
        submitted(calls[n % 2])
        Pair.objects.create(
            cohort=world.cohort, mentor=join(world.cohort, Role.MENTOR),
            mentee=join(world.cohort, Role.MENTEE),
        )  # fmt: skip
    client.force_login(world.coordinator)
    client.get(reverse("home"))  # the first page after sign-in also renews the session
    page = reverse("home:cohort", args=[world.cohort.pk])
    client.get(page)  # the first view since the pairs changed counts their figures, and keeps
    client.get(page)  # them (a cohort's figures are kept from their second count: 0016)
    # Session, person, their roles, the cohort, its counts (one), history, the next step (with
    # the pairs' kept figures for matching's section), partnerships', payments' and ideas'
    # steps (each with the figures its section shows), surveys' step, and the other apps'
    # sections (surveys' response rates among them).
    with django_assert_max_num_queries(13):
        assert client.get(page).status_code == 200


def test_a_closed_cohorts_page_still_counts_its_pairs(world: World, client: Any) -> None:
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    world.cohort.stage = Stage.CLOSED  # no next step from matching: its section counts alone
    world.cohort.save()
    client.force_login(world.coordinator)
    html = client.get(reverse("home:cohort", args=[world.cohort.pk])).content.decode()
    assert "1 active, 0 ended early" in html


# --- When composing a page fails ----------------------------------------------------------


def test_an_unhandled_error_gives_the_friendly_page(world: Any, client: Any) -> None:
    client.raise_request_exception = False
    client.force_login(world.coordinator)
    with mock.patch("flipside.home.views.selectors.coordinator_overview", side_effect=RuntimeError):
        response = client.get(reverse("home"))
    assert response.status_code == 500
    assert response["X-Request-ID"].encode() in response.content
