"""Many identical withdrawals at once record one withdrawal (PostgreSQL: SQLite runs one
writing transaction at a time, so the race cannot happen there)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import World, race
from flipside.privacy.models import ConsentRecord, EqualityRecord
from flipside.privacy.services import save_equality_answers

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writing transaction at a time, so the race cannot happen there",
    ),
    pytest.mark.django_db(transaction=True),
]
AT_ONCE = 5


def clients_of(person: Any) -> list[Client]:
    clients = [Client() for _ in range(AT_ONCE)]
    for client in clients:
        client.force_login(person)
    return clients


def test_identical_withdrawals_at_once_record_one_withdrawal() -> None:
    world = World()
    save_equality_answers(
        world.mentor, world.cohort, answers={"ethnicity": "black"}, consent=True,
        asked=["ethnicity"],
    )  # fmt: skip
    url = reverse("privacy:withdraw", args=[ConsentRecord.objects.get().pk])

    responses = race([lambda c=c: c.post(url) for c in clients_of(world.mentor)])

    assert [getattr(r, "status_code", r) for r in responses] == [302] * AT_ONCE
    assert ConsentRecord.objects.filter(event="withdrawn").count() == 1
    assert not EqualityRecord.objects.exists()


def test_identical_requests_to_be_left_out_at_once_record_it_once() -> None:
    world = World()
    url = reverse("privacy:leave_out")

    responses = race([lambda c=c: c.post(url) for c in clients_of(world.mentor)])

    assert [getattr(r, "status_code", r) for r in responses] == [302] * AT_ONCE
    assert ConsentRecord.objects.filter(purpose="equality_questions").count() == 1
