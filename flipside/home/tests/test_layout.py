"""The layout's navigation is drawn once per place in it and kept (base.html's {% cache %}):
what each person and page gets must still be their own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from conftest import World

pytestmark = pytest.mark.django_db


def nav(response: Any) -> str:
    found = re.search(r'<nav class="site-nav".*?</nav>', response.content.decode(), re.S)
    assert found, "no navigation"
    return found.group(0)


def current(response: Any) -> list[str]:
    return re.findall(r'aria-current="page">([^<]+)<', nav(response))


def test_each_person_and_page_gets_its_own_navigation(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    home = client.get(reverse("home"))
    schemes = client.get(reverse("schemes:list"))
    assert current(home) == ["Home"] and current(schemes) == ["Schemes"]
    assert "Concerns" in nav(home)

    client.force_login(world.mentor)  # after a coordinator's pages were drawn
    home = client.get(reverse("home"))
    assert current(home) == ["Home"]
    assert "Schemes" not in nav(home) and "Concerns" not in nav(home)
    support = client.get(reverse("training:support"))
    assert current(support) == ["Get support"]


def test_the_sign_out_form_carries_this_requests_csrf_token(world: World) -> None:
    from django.test import Client

    tokens = []
    for person in (world.mentor, world.mentee):
        client = Client(enforce_csrf_checks=True)
        client.force_login(person)
        page = nav(client.get(reverse("home")))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token
        tokens.append(token.group(1))
        signed_out = client.post(
            reverse("accounts:logout"), {"csrfmiddlewaretoken": token.group(1)}
        )
        assert signed_out.status_code == 302
    assert tokens[0] != tokens[1]


def test_signed_out_pages_have_no_navigation(client: Any) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'class="site-nav"' not in page
