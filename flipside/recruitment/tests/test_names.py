"""Names typed into recruitment (an application, a staff list) cannot carry characters
that rewrite the page around them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from flipside.accounts.tests.test_names import MESSAGE, REVERSED
from flipside.recruitment.models import EmailVerification
from flipside.recruitment.spreadsheets import Person, check_people
from flipside.recruitment.tests.builders import DURING, make_call

pytestmark = pytest.mark.django_db


def test_a_name_with_an_override_is_refused_when_applying(client: Client, world: World) -> None:
    import time_machine

    with time_machine.travel(DURING, tick=False):
        call = make_call(world.cohort)
        response = client.post(
            reverse("recruitment:start", args=[call.token]),
            {"name": REVERSED, "email": "ada@example.ac.uk"},
        )

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not EmailVerification.objects.exists()


def test_a_staff_list_name_with_an_override_is_reported() -> None:
    problems = check_people([Person(2, "a@example.ac.uk", REVERSED)], already_in=set())

    assert [(p.line, p.message) for p in problems] == [
        (
            2,
            MESSAGE + " They make text show in a different order from the one it was typed in.",
        )
    ]
