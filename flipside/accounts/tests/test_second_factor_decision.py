"""Whether a signed-in person needs a second factor is remembered by their session, so their
roles are not read on each request; a new role is asked for a code from the next request (or,
for roles given without saving a row, within a minute)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from conftest import World
from flipside.accounts.middleware import SecondFactorMiddleware
from flipside.accounts.models import User
from flipside.schemes.models import Membership, Role, SchemeCoordinator

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]

PROFILE = reverse("accounts:profile")
VERIFY = reverse("accounts:second_factor_verify")


def _sign_in(client: Client, user: User) -> None:
    client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": "correct horse battery staple"},
    )


def _middleware_queries(client: Client, user: User) -> tuple[Any, list[str]]:
    """The middleware's answer for a page request in the client's session, and the queries
    it made (the session and the person are loaded first, as for every request)."""
    request = RequestFactory().get(PROFILE)
    request.session = client.session
    request.session.keys()  # loaded, as the sign-in middleware loads it
    request.user = User.objects.get(pk=user.pk)
    request.resolver_match = resolve(PROFILE)
    with CaptureQueriesContext(connection) as queries:
        answer = SecondFactorMiddleware(lambda r: HttpResponse()).process_view(
            request, None, (), {}
        )
    request.session.save()
    return answer, [q["sql"] for q in queries.captured_queries]


def test_a_mentors_page_reads_their_roles_once_then_not_again(world: World, client: Client) -> None:
    _sign_in(client, world.mentor)

    first, deciding = _middleware_queries(client, world.mentor)
    second, after = _middleware_queries(client, world.mentor)

    assert first is None and second is None
    assert any("schemes_membership" in sql for sql in deciding)
    assert after == []
    assert client.get(PROFILE).status_code == 200


def test_someone_made_a_coordinator_is_asked_for_a_second_factor_at_their_next_request(
    world: World, client: Client
) -> None:
    _sign_in(client, world.mentor)
    assert client.get(PROFILE).status_code == 200

    SchemeCoordinator.objects.create(scheme=world.scheme, user=world.mentor)

    response = client.get(PROFILE)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_member_whose_role_becomes_observer_is_asked_at_their_next_request(
    world: World, client: Client
) -> None:
    _sign_in(client, world.mentee)
    assert client.get(PROFILE).status_code == 200

    membership = Membership.objects.get(cohort=world.cohort, user=world.mentee)
    membership.role = Role.OBSERVER
    membership.save()

    assert client.get(PROFILE)["Location"].startswith(VERIFY)


def test_a_role_given_without_saving_a_row_is_asked_for_within_a_minute(
    world: World, client: Client
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _sign_in(client, world.mentor)
        assert client.get(PROFILE).status_code == 200
        Membership.objects.bulk_create(
            [Membership(cohort=world.other_cohort, user=world.mentor, role=Role.COORDINATOR)]
        )  # no signal: the person's roles epoch stays as it was

        clock.shift(datetime.timedelta(seconds=61))

        assert client.get(PROFILE)["Location"].startswith(VERIFY)


def test_a_remembered_answer_is_for_its_own_person_only(world: World, client: Client) -> None:
    _sign_in(client, world.mentor)
    client.get(PROFILE)
    session = client.session
    remembered = session["flipside_second_factor_not_needed"]
    session["flipside_second_factor_not_needed"] = [world.coordinator.pk, *remembered[1:]]
    session.save()

    answer, queries = _middleware_queries(client, world.mentor)

    assert answer is None and queries  # decided again, from the mentor's roles
