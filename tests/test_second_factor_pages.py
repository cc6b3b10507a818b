"""Every page, for a coordinator or observer who has given their password but not their code:
sent to the code page, except the second step's own pages and signing out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import World
from flipside.accounts.middleware import SECOND_STEP_PAGES
from tests.test_access_matrix import all_url_names, url_for

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]


@pytest.mark.parametrize("role", ["cohort_coordinator", "observer"])
def test_every_page_sends_a_coordinator_or_observer_to_the_second_step(
    role: str, world: World, client: Client
) -> None:
    person = getattr(world, role)
    TOTPDevice.objects.create(user=person, name="App", confirmed=True)
    client.post(
        reverse("accounts:login"),
        {"username": person.email, "password": "correct horse battery staple"},
    )
    verify = reverse("accounts:second_factor_verify")
    wrong = []
    for name in all_url_names():
        if name in SECOND_STEP_PAGES:
            continue
        url = url_for(name, world)
        response = client.get(url)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(verify):
            wrong.append(f"{name}: {response.status_code} {location}")
    assert not wrong, "\n".join(wrong)
    assert client.get(verify).status_code == 200
