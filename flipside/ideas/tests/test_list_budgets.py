"""The register's lists read the same number of times for 1 idea as for 100."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World
from flipside.ideas.models import Idea, IdeaChange, Proposer

pytestmark = pytest.mark.django_db


def many(world: World, n: int, *, status: str = "considering") -> None:
    start = Idea.objects.count()
    ideas = Idea.objects.bulk_create(
        Idea(
            organisation=world.organisation,
            cohort=world.cohort,
            title=f"Idea {start + i}",
            description="D",
            area="policy",
            level="individual",
            status=status,
            owner=world.mentee,
        )
        for i in range(n)
    )
    Proposer.objects.bulk_create(Proposer(idea=i, user=world.mentor, named=True) for i in ideas)
    IdeaChange.objects.bulk_create(IdeaChange(idea=i, kind="recorded") for i in ideas)


PAGES: dict[str, tuple[str, Callable[[World], str]]] = {
    "board": ("observer", lambda w: reverse("ideas:board", args=[w.organisation.pk])),
    "register": ("coordinator", lambda w: reverse("ideas:register", args=[w.organisation.pk])),
    "mine": ("mentor", lambda w: reverse("ideas:mine")),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_same_queries_for_1_and_100_ideas(page: str, world: World, client: Any) -> None:
    role, url_of = PAGES[page]
    client.force_login(getattr(world, role))
    counts = []
    for n in (1, 99):
        many(world, n)
        client.get(url_of(world))  # warm: sessions, the roles memo
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url_of(world))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
