"""The register's lists read the same number of times for 1 idea as for 100."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World
from flipside.ideas.models import Idea, IdeaChange, Owner, Proposer

pytestmark = pytest.mark.django_db


def many(world: World, n: int, *, status: str = "considering") -> None:
    """``n`` ideas raised by the world's mentor, owned by its mentee."""
    Owner.objects.get_or_create(organisation=world.organisation, user=world.mentee)
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
    "mine-owning": ("mentee", lambda w: reverse("ideas:mine")),
    "owned": ("mentee", lambda w: reverse("ideas:owned")),
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


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_page_of_1000_ideas_stays_small(page: str, world: World, client: Any) -> None:
    """Every list of ideas is paged (or cut, with a link to the rest): a page of 1,000 ideas
    is bounded, and says it shows part of them."""
    role, url_of = PAGES[page]
    client.force_login(getattr(world, role))
    many(world, 1000, status="accepted")
    response = client.get(url_of(world))
    assert response.status_code == 200
    assert len(response.content) < 300_000
    text = response.content.decode()
    if page == "mine-owning":
        assert text.count('class="idea-list"') == 1  # owned (cut); raised none
        assert reverse("ideas:owned") in text
    else:
        assert re.search(r"Showing 1–\d+ of 1,0\d\d", text), page
