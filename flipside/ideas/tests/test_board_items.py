"""The board's ideas, drawn in Python from a plain-SQL read (decision 0008), are the ideas
the template loop drew from the ORM, whitespace aside: every status, markup and line breaks
in what people wrote, outcomes and reasons, named and unnamed proposers, ideas merged away
and still proposed left out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db.models import Prefetch
from django.template import engines
from django.utils import timezone

from conftest import World
from flipside.ideas.models import Idea, Proposer, Status
from flipside.ideas.selectors import board_ideas, register_ideas
from flipside.ideas.services.ideas import merge_ideas, record_idea, set_named
from flipside.partnerships.models import ReflectionEvent

from .builders import accepted, an_idea, moved

pytestmark = pytest.mark.django_db

# The loop the board's template had before its ideas were drawn in Python.
LOOP = (Path(__file__).parent / "board_loop.html").read_text()


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def drawn(world: World, **filters: str) -> tuple[str, str]:
    """The board's ideas as the template loop drew them from the ORM, and as the tag draws
    them from the plain-SQL read."""
    named = Proposer.objects.filter(named=True).select_related("user").order_by("id")
    ideas = (
        Idea.objects.filter(organisation=world.organisation, merged_into__isnull=True)
        .exclude(status=Status.PROPOSED)
        .prefetch_related(Prefetch("proposers", queryset=named, to_attr="named_proposers"))
        .order_by("-status_changed_at", "-id")
    )
    for name, value in filters.items():
        ideas = ideas.filter(**{name: value})
    before = engines["django"].from_string(LOOP).render({"page": list(ideas)})
    listing = board_ideas(world.organisation, filters)
    tag = engines["django"].from_string("{% load ideas_tables %}{% board_items ideas %}")
    after = tag.render({"ideas": listing[0 : len(listing)]})
    return squeezed(before), squeezed(after)


def test_the_boards_ideas_are_the_template_loops(world: World) -> None:
    world.mentor.display_name = "Mo <b>Mentor</b> & Co"
    world.mentor.save()
    marked = an_idea(world, title="Quiet <rooms> & {0} %s", named=True,
                     description="Line one\r\nLine <two>\rthree")  # fmt: skip
    moved(marked, world.coordinator, Status.CONSIDERING)
    done = accepted(world, an_idea(world, title="Reading lists", pair=False), world.coordinator)
    moved(done, world.coordinator, Status.IN_PROGRESS, Status.DONE,
          outcome="Every list\nnow names <its> authors.")  # fmt: skip
    dropped = an_idea(world, title="Free parking", area="estates")
    moved(dropped, world.coordinator, Status.NOT_TAKEN, reason="The Trust sets <charges>.")
    an_idea(world, title="Still proposed")
    duplicate = moved(an_idea(world, title="A duplicate"), world.coordinator, Status.CONSIDERING)
    kept = Idea.objects.get(pk=marked.pk)
    merge_ideas(duplicate, into=kept, by=world.coordinator, version=duplicate.version)
    set_named(Idea.objects.get(pk=done.pk), by=world.mentor, named=True)
    before, after = drawn(world)
    assert before == after
    assert "Mo &lt;b&gt;Mentor&lt;/b&gt; &amp; Co" in after
    assert "Line one<br>Line &lt;two&gt;<br>three" in after
    assert "Quiet &lt;rooms&gt; &amp; {0} %s" in after
    assert "Still proposed" not in after and "A duplicate" not in after
    for filters, shown in (({"status": Status.DONE}, 1), ({"area": "curriculum"}, 2)):
        before, after = drawn(world, **filters)
        assert before == after and after.count("<li") == shown


REGISTER_LOOP = (Path(__file__).parent / "register_loop.html").read_text()


def registered(world: World, **filters: str) -> tuple[str, str]:
    """The register's rows as the template loop drew them from the ORM, and as the tag draws
    them from the plain-SQL read."""
    ideas = (
        Idea.objects.filter(cohort=world.cohort, merged_into__isnull=True)
        .select_related("owner", "cohort__scheme", "event")
        .order_by("status_changed_at", "id")
    )
    if filters.get("status"):
        ideas = ideas.filter(status=filters["status"])
    if filters.get("q"):
        ideas = ideas.filter(title__icontains=filters["q"])
    before = engines["django"].from_string(REGISTER_LOOP).render({"page": list(ideas)})
    listing = register_ideas({world.cohort.pk}, filters)
    tag = engines["django"].from_string("{% load ideas_tables %}{% register_rows ideas %}")
    after = tag.render({"ideas": listing[0 : len(listing)]})
    return squeezed(before), squeezed(after)


def test_the_registers_rows_are_the_template_loops(world: World) -> None:
    world.coordinator.display_name = "Cora <i>Coordinator</i>"
    world.coordinator.save()
    event = ReflectionEvent.objects.create(
        cohort=world.cohort, title="Mid-point <reflection>", starts_at=timezone.now()
    )
    record_idea(world.cohort, by=world.coordinator, title="Quiet <rooms> & {0} %s",
                description="From the event.", area="estates", level="departmental",
                source="event", event=event)  # fmt: skip
    accepted(world, an_idea(world, title="Reading lists", area="policy"), world.coordinator)
    Idea.objects.filter(title="Reading lists").update(needs_new_owner=True)
    moved(an_idea(world, title="Free parking"), world.coordinator, Status.NOT_TAKEN,
          reason="Not ours.")  # fmt: skip
    for filters, shown in (({}, 3), ({"status": "accepted"}, 1), ({"q": "QUIET"}, 1)):
        before, after = registered(world, **filters)
        assert before == after and after.count("<tr>") == shown
    assert "Quiet &lt;rooms&gt; &amp; {0} %s" in registered(world)[1]
    assert "<bdi>Cora &lt;i&gt;Coordinator&lt;/i&gt;</bdi>" in registered(world)[1]
    assert "Needs a new owner" in registered(world)[1]
    assert '<span class="cell-note">Mid-point &lt;reflection&gt;</span>' in registered(world)[1]
