"""What the register offers the home pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from flipside.ideas import offers
from flipside.schemes.models import Membership, Stage

from .builders import accepted, an_idea

pytestmark = pytest.mark.django_db


def test_coordinators_are_asked_to_triage_new_ideas_in_one_query(world: World) -> None:
    an_idea(world)
    an_idea(world, title="Second")
    with CaptureQueriesContext(connection) as queries:
        steps = offers.coordinator_steps([world.cohort])
    assert len(queries) == 1
    assert steps[world.cohort.pk].text == "Triage 2 new ideas for change."
    assert "status=proposed" in steps[world.cohort.pk].url
    sections = offers.cohort_sections(world.cohort, can_manage=True)
    rows = {key: n for key, _label, n in sections[0].data.rows}
    assert rows["proposed"] == 2
    assert offers.cohort_sections(world.cohort, can_manage=False) == []


def test_no_step_before_a_cohort_runs(world: World) -> None:
    an_idea(world)
    world.cohort.stage = Stage.MATCHING
    assert offers.coordinator_steps([world.cohort]) == {}


def test_participants_get_links_to_record_and_the_board(world: World) -> None:
    memberships: Any = list(
        Membership.objects.filter(cohort=world.cohort).select_related("cohort__scheme")
    )
    with CaptureQueriesContext(connection) as queries:
        offered = offers.participant_offers(world.mentor, memberships)
    assert len(queries) == 0
    by_role = {m.role: offered[m.pk] for m in memberships if m.pk in offered}
    assert [link.text for link in by_role["mentor"].links] == [
        "Record an idea for change",
        "You said, we did: ideas for change",
    ]
    assert [link.text for link in by_role["observer"].links] == [
        "You said, we did: ideas for change"
    ]


def test_owners_and_proposers_see_their_ideas_on_home(world: World) -> None:
    accepted(world, an_idea(world), world.nobody)
    with CaptureQueriesContext(connection) as queries:
        sections = offers.home_sections(world.nobody)
    assert len(queries) == 1
    assert sections[0].data.owned_open == 1
    assert offers.home_sections(world.mentor)[0].data.raised == 1
    assert offers.home_sections(world.outsider) == []
