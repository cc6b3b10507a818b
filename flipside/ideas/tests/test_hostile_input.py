"""Hostile input over every ideas form that writes (docs: SECURITY.md, "Bad input"): script
and HTML, template and Markdown tricks, formulas, very long text, NUL, control and direction
characters, line breaks in names, huge, negative, non-numeric and wrongly typed values, and
ids that are not ids. Never a server error; each value is refused with a message (nothing
written) or stored exactly as typed and shown escaped, and nothing else changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import models
from django.urls import reverse

from conftest import World, make_user, response_text
from flipside.accounts.models import User
from flipside.ideas.models import Idea, IdeaChange, IdeaSettings, Owner, Proposer, Status
from flipside.ideas.services import ideas as services
from flipside.schemes.models import Membership
from tests.hostile import (
    NOT_IDS,
    NOT_NUMBERS,
    TEXT,
    counts,
    refused_with_a_message,
    shown_escaped,
    snapshot,
)

from .builders import an_idea, moved, owned

pytestmark = pytest.mark.django_db

MODELS: list[type[models.Model]] = [
    Idea, IdeaChange, IdeaSettings, Owner, Proposer, User, Membership,
]  # fmt: skip


@dataclass
class Form:
    """A form that writes: who posts it, where, a valid post, its text fields (each with
    where the stored value is read back and the page that shows it) and its other fields."""

    who: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    text: dict[str, Callable[[World], str]] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)
    page: Callable[[World], str] = lambda w: reverse("ideas:idea", args=[_idea(w).pk])  # noqa: E731
    # Text kept but never shown (a double submit's key), and checkboxes: any value is "on".
    unshown: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    # The objects the form changes (beside the rows it adds): (model label, pk).
    target: Callable[[World], set[tuple[str, Any]]] = lambda w: set()  # noqa: E731


def _idea(world: World) -> Idea:
    found = Idea.objects.filter(title="Target").first()
    return found or an_idea(world, title="Target")


def _newest_idea(world: World) -> Idea:
    return Idea.objects.order_by("-pk").first()  # type: ignore[return-value]


def _participant(world: World) -> dict[str, Any]:
    return {"title": "T", "description": "D", "area": "policy", "level": "individual",
            "experience": "", "way": "person", "submit_key": "k-1"}  # fmt: skip


def _status(to: str, **said: str) -> Callable[[World], dict[str, Any]]:
    def data(world: World) -> dict[str, Any]:
        idea = _idea(world)
        if to == Status.DONE and idea.status == Status.PROPOSED:
            idea = moved(idea, world.coordinator, Status.CONSIDERING)
            idea = owned(world, idea, world.mentee)
            idea = moved(idea, world.coordinator, Status.ACCEPTED, Status.IN_PROGRESS)
        return {"status": to, "note": "", "reason": "", "outcome": "", "version": idea.version,
                **said}  # fmt: skip

    return data


def _last_note(world: World) -> str:
    return IdeaChange.objects.filter(kind="status").order_by("-pk").first().note  # type: ignore[union-attr]


def _merge(world: World) -> dict[str, Any]:
    other = Idea.objects.filter(title="Other").first() or an_idea(world, title="Other")
    return {"into": other.pk, "version": _idea(world).version}


FORMS: dict[str, Form] = {
    "record_as_participant": Form(
        "mentor",
        lambda w: reverse("ideas:record", args=[w.cohort.pk]),
        _participant,
        text={
            "title": lambda w: _newest_idea(w).title,
            "description": lambda w: _newest_idea(w).description,
            "experience": lambda w: services.experience_of(_newest_idea(w)) or "",
            "submit_key": lambda w: _newest_idea(w).submit_key,
        },
        others=["area", "level", "way"],
        page=lambda w: reverse("ideas:idea", args=[_newest_idea(w).pk]),
        unshown=("submit_key",),
    ),
    "record_as_coordinator": Form(
        "coordinator",
        lambda w: reverse("ideas:record", args=[w.cohort.pk]),
        lambda w: {**_participant(w), "event": ""},
        others=["event"],
    ),
    "status_note": Form(
        "coordinator",
        lambda w: reverse("ideas:status", args=[_idea(w).pk]),
        _status(Status.CONSIDERING),
        text={"note": _last_note},
        others=["status", "version"],
        target=lambda w: {("ideas.Idea", _idea(w).pk)},
    ),
    "status_reason": Form(
        "coordinator",
        lambda w: reverse("ideas:status", args=[_idea(w).pk]),
        _status(Status.NOT_TAKEN, reason="R"),
        text={"reason": lambda w: _idea(w).reason},
        target=lambda w: {("ideas.Idea", _idea(w).pk)},
    ),
    "status_outcome": Form(
        "coordinator",
        lambda w: reverse("ideas:status", args=[_idea(w).pk]),
        _status(Status.DONE, outcome="O"),
        text={"outcome": lambda w: _idea(w).outcome},
        target=lambda w: {("ideas.Idea", _idea(w).pk)},
    ),
    "owner_pick": Form(
        "coordinator",
        lambda w: reverse("ideas:owner", args=[_idea(w).pk]),
        lambda w: {"action": "pick", "person": w.mentee.pk, "version": _idea(w).version},
        others=["person", "version"],
    ),
    "owner_invite": Form(
        "coordinator",
        lambda w: reverse("ideas:owner", args=[_idea(w).pk]),
        lambda w: {
            "action": "invite",
            "name": "New Owner",
            "email": "new.owner@example.ac.uk",
            "version": _idea(w).version,
        },
        text={
            "name": lambda w: User.objects.get(email="new.owner@example.ac.uk").display_name,
            "email": lambda w: User.objects.get(display_name="New Owner").email,
        },
        others=["version"],
        target=lambda w: {("ideas.Idea", _idea(w).pk)},
    ),  # fmt: skip
    "merge": Form(
        "coordinator",
        lambda w: reverse("ideas:merge", args=[_idea(w).pk]),
        _merge,
        others=["into", "owner", "version"],
        target=lambda w: {
            ("ideas.Idea", i.pk) for i in Idea.objects.filter(title__in=["Target", "Other"])
        },
    ),
    "naming": Form(
        "mentee",
        lambda w: reverse("ideas:naming", args=[_idea(w).pk]),
        lambda w: {"named": ""},
        others=["named"],
        flags=("named",),
        target=lambda w: {("ideas.Proposer", _idea(w).proposers.get(user=w.mentee).pk)},
    ),
    "board_settings": Form(
        "org_coordinator",
        lambda w: reverse("ideas:settings", args=[w.organisation.pk]),
        lambda w: {"public_board": "", "version": 1},
        others=["version"],
    ),
}
CASES = [
    (form, name, kind)
    for form, spec in FORMS.items()
    for name in spec.text
    for kind in TEXT
] + [
    (form, name, kind)
    for form, spec in FORMS.items()
    for name in spec.others
    for kind in NOT_NUMBERS
]  # fmt: skip


@pytest.mark.parametrize(("form", "name", "kind"), CASES)
def test_hostile_input_is_refused_or_kept_as_typed_and_shown_escaped(
    form: str, name: str, kind: str, world: World, client: Any
) -> None:
    spec = FORMS[form]
    value = TEXT.get(kind, NOT_NUMBERS.get(kind))
    data = {**spec.data(world), name: value}
    make_user("Someone Else")  # rows that must stay as they are
    an_idea(world, title="Bystander", by=world.mentee, pair=False)
    IdeaSettings.objects.get_or_create(organisation=world.organisation)  # as any visit makes it
    url = spec.url(world)
    target = spec.target(world)
    client.force_login(getattr(world, spec.who))
    before, logged = snapshot(MODELS), counts()

    response = client.post(url, data, follow=True)

    assert response.status_code < 500
    after = snapshot(MODELS)
    if after == before:  # refused: with a message, and nothing written anywhere
        if name in spec.text or kind not in ("empty",):
            assert refused_with_a_message(response_text(response)), (form, name, kind)
        assert counts() == logged
        return
    changed = {key for key in before if after.get(key) != before[key]}
    assert changed <= target, changed  # beside the rows it added, only its own object
    if name in spec.flags or (kind == "empty" and name not in spec.text):
        return  # a ticked box, or an optional choice left empty: an ordinary answer
    assert name in spec.text, f"{name}={value!r} was not refused: {form}"
    assert spec.text[name](world) == value  # stored exactly as typed
    if name in spec.unshown:
        return
    page = response_text(client.get(spec.page(world)))
    assert shown_escaped(value, page)
    if "<script>" in value:
        assert "<script>alert" not in page


@pytest.mark.parametrize(
    "name", ["status", "naming", "owner", "merge", "owner_left", "record", "settings"]
)
@pytest.mark.parametrize("bad", NOT_IDS)
def test_ids_that_are_not_ids_find_nothing(name: str, bad: str, world: World, client: Any) -> None:
    client.force_login(world.org_coordinator)
    prefix = {"owner_left": "ideas/owners/", "record": "cohorts/", "settings": "organisations/"}
    suffix = {"owner_left": "left/", "record": "ideas/new/", "settings": "ideas/settings/"}
    url = f"/{prefix.get(name, 'ideas/')}{bad}/{suffix.get(name, name + '/')}"
    before = snapshot(MODELS)
    assert client.post(url, {"version": 1}).status_code == 404
    assert snapshot(MODELS) == before


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_untouched_is_accepted(form: str, world: World, client: Any) -> None:
    """The control: every valid post above is accepted as it is, so a hostile value refused
    there was refused for itself."""
    spec = FORMS[form]
    data = spec.data(world)
    client.force_login(getattr(world, spec.who))
    response = client.post(spec.url(world), data)
    assert response.status_code == 302, response_text(response)[:3000]
