"""Two coordinators moving the same idea on at the same moment: exactly one change is kept
and recorded once; the other is told the idea changed and nothing of theirs is written. The
control reads the idea without its lock and shows the race is real, so the first test cannot
pass by accident.

PostgreSQL only: SQLite runs one writing transaction at a time, so the race cannot happen
there (and ``select_for_update`` does nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import World, race, response_text
from flipside.ideas.models import Idea, IdeaChange, Status
from flipside.ideas.services import IdeasError
from flipside.ideas.services import ideas as services
from flipside.privacy.audit import verify_chain
from flipside.privacy.models import AuditEntry

from .builders import an_idea

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writing transaction at a time, so the race cannot happen there",
    ),
    pytest.mark.django_db(transaction=True),
]
CHANGED = "This idea changed since you opened it."
ROUNDS = 5


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_two_coordinators_moving_one_idea_at_once_record_one_change() -> None:
    world = World()
    clients = [signed_in(world.coordinator), signed_in(world.cohort_coordinator)]
    for n in range(ROUNDS):
        idea = an_idea(world, title=f"Raced {n}")
        url = reverse("ideas:status", args=[idea.pk])
        data = [
            {"status": "considering", "note": f"Looking, says {who}", "reason": "",
             "outcome": "", "version": idea.version}
            for who in ("Cora", "Cy")
        ]  # fmt: skip
        responses = race(
            [lambda c=c, d=d, url=url: c.post(url, d) for c, d in zip(clients, data, strict=True)]
        )

        codes = sorted(str(getattr(r, "status_code", r)) for r in responses)
        assert codes == ["200", "302"], responses
        (refused,) = [r for r in responses if r.status_code == 200]
        assert CHANGED in response_text(refused)
        idea.refresh_from_db()
        assert idea.status == Status.CONSIDERING and idea.version == 2
        (change,) = IdeaChange.objects.filter(idea=idea, kind=IdeaChange.Kind.STATUS)
        (winner,) = [d for d, r in zip(data, responses, strict=True) if r.status_code == 302]
        assert change.note == winner["note"]  # the change kept is the one that was told so
        assert (
            AuditEntry.objects.filter(
                action="ideas.idea.considered", object_id=str(idea.pk)
            ).count()
            == 1
        )
    assert verify_chain() == []


def test_without_the_lock_two_changes_at_once_are_both_recorded(monkeypatch: Any) -> None:
    """The control: the same race with the idea read without ``select_for_update`` (the
    version checked, then written whatever happened meanwhile). Tried a few times, as a race
    may not show every time; it must show at least once, or the test above proves nothing."""

    def unlocked(idea: Idea, version: int) -> Idea:
        read = Idea.objects.get(pk=idea.pk)
        if read.version != version:
            raise services.stale(read)
        return read

    monkeypatch.setattr(services, "_locked", unlocked)
    world = World()
    coordinators = [world.coordinator, world.cohort_coordinator, world.org_coordinator] * 3
    move = services.change_status
    for n in range(ROUNDS):
        idea = an_idea(world, title=f"Unlocked {n}")
        outcomes = race([
            lambda by=by, idea=idea: move(idea, by=by, to="considering", version=1)
            for by in coordinators
        ])  # fmt: skip
        assert not any(isinstance(o, Exception) and not isinstance(o, IdeasError)
                       for o in outcomes), outcomes  # fmt: skip
        if IdeaChange.objects.filter(idea=idea, kind=IdeaChange.Kind.STATUS).count() > 1:
            break
    else:
        pytest.fail("Unlocked changes at once never recorded an idea's change twice.")
