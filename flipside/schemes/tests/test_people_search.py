"""The person pickers' search: a cohort's people matching what was typed, for coordinators."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, bulk_members, join, make_user
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db


def search(client: Client, cohort_id: int, q: str, role: str = "mentor") -> str:
    response = client.get(
        reverse("schemes:people_search", args=[cohort_id]), {"q": q, "role": role}
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def coordinator(client: Client, world: World) -> Client:
    client.force_login(world.coordinator)
    return client


def test_search_finds_the_cohorts_people_by_name_or_email_ignoring_case(
    coordinator: Client, world: World
) -> None:
    join(world.cohort, Role.MENTOR, make_user("Zoë Brontë", email="zb@example.ac.uk"))
    join(world.cohort, Role.MENTEE, make_user("Zoe Staff", email="zs@example.ac.uk"))
    join(world.other_cohort, Role.MENTOR, make_user("Zoe Elsewhere"))
    html = search(coordinator, world.cohort.pk, "ZO")
    assert "Zoë Brontë" in html and 'role="option"' in html
    assert "Zoe Staff" not in html  # a mentee, not a mentor
    assert "Zoe Elsewhere" not in html  # another cohort
    assert "Zoë Brontë" in search(coordinator, world.cohort.pk, "ZB@EXAMPLE")
    assert "Zoë Brontë" in search(coordinator, world.cohort.pk, "zoë bront")
    assert "Zoe Staff" in search(coordinator, world.cohort.pk, "ZOË", role="mentee")
    assert "Zoe Staff" in search(coordinator, world.cohort.pk, "zoe", role="participant")


def test_search_shows_at_most_ten_people_in_name_order(coordinator: Client, world: World) -> None:
    bulk_members(world.cohort, Role.MENTEE, 30, name="Staff")
    html = search(coordinator, world.cohort.pk, "staff", role="mentee")
    assert html.count('role="option"') == 10
    assert html.index("Staff 0000") < html.index("Staff 0009") and "Staff 0010" not in html


def test_search_says_when_nobody_matches_and_shows_nothing_for_no_text(
    coordinator: Client, world: World
) -> None:
    assert "Nobody matches" in search(coordinator, world.cohort.pk, "qqqq")
    assert "option" not in search(coordinator, world.cohort.pk, "   ")
    assert "data-value" not in search(coordinator, world.cohort.pk, "\x00\x1f")
    assert "Nobody matches" in search(coordinator, world.cohort.pk, "a\x00b " * 500)


@pytest.mark.parametrize("who", ["mentor", "mentee", "observer", "outsider", "nobody"])
def test_only_the_cohorts_coordinators_may_search_its_people(
    client: Client, world: World, who: str
) -> None:
    client.force_login(getattr(world, who))
    url = reverse("schemes:people_search", args=[world.cohort.pk])
    assert client.get(url, {"q": "a"}).status_code == 404


def test_another_cohort_or_an_unknown_role_is_not_found(coordinator: Client, world: World) -> None:
    other = reverse("schemes:people_search", args=[world.other_cohort.pk])
    assert coordinator.get(other, {"q": "a"}).status_code == 404
    mine = reverse("schemes:people_search", args=[world.cohort.pk])
    assert coordinator.get(mine, {"q": "a", "role": "observer"}).status_code == 404
