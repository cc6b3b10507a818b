"""Builders for the ideas tests."""

from __future__ import annotations

from typing import Any

from conftest import World
from flipside.ideas.models import Idea, Owner, Status
from flipside.ideas.services import ideas, owners


def an_idea(
    world: World,
    *,
    title: str = "Diverse images in anatomy teaching",
    by: Any = None,
    pair: bool = True,
    named: bool = False,
    **fields: Any,
) -> Idea:
    """An idea raised by the world's mentor (with the mentee, unless ``pair`` is False)."""
    by = by or world.mentor
    proposers = [by, world.mentee] if pair and by == world.mentor else [by]
    values = {
        "description": "Use images of patients of every skin tone.",
        "area": "curriculum",
        "level": "departmental",
        "experience": "",
        **fields,
    }
    return ideas.record_idea(
        world.cohort,
        by=by,
        title=title,
        proposers=proposers,
        source="pair" if pair else "person",
        named=named,
        **values,
    )


def moved(idea: Idea, by: Any, *steps: str, **said: str) -> Idea:
    """``idea`` moved through ``steps`` by ``by`` (the last with ``said``)."""
    for n, step in enumerate(steps):
        extra = said if n == len(steps) - 1 else {}
        idea = ideas.change_status(idea, by=by, to=step, version=idea.version, **extra)
    return idea


def owned(world: World, idea: Idea, person: Any) -> Idea:
    return owners.assign_owner(idea, by=world.coordinator, owner=person, version=idea.version)


def accepted(world: World, idea: Idea, person: Any) -> Idea:
    idea = moved(idea, world.coordinator, Status.CONSIDERING)
    idea = owned(world, idea, person)
    return moved(idea, world.coordinator, Status.ACCEPTED)


def owner_row(world: World, person: Any) -> Owner:
    return Owner.objects.get(organisation=world.organisation, user=person)
