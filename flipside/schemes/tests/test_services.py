from __future__ import annotations

import datetime
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import World, make_cohort, make_user
from flipside.privacy.audit import entries_for, verify_chain
from flipside.schemes import services
from flipside.schemes.models import ALLOWED_TRANSITIONS, Cohort, Membership, Role, Stage

pytestmark = pytest.mark.django_db

STAGES = [s.value for s in Stage]


@given(current=st.sampled_from(STAGES), target=st.sampled_from(STAGES + ["archived", ""]))
def test_only_listed_stage_transitions_are_allowed(current: str, target: str) -> None:
    problem = services.transition_problem(current, target)
    allowed = target in ALLOWED_TRANSITIONS.get(current, set())
    assert (problem is None) == allowed
    if problem is not None:
        assert len(problem) > 10  # a sentence a coordinator can act on


def test_every_stage_is_reachable_from_planning_one_step_at_a_time() -> None:
    path = [Stage.PLANNING]
    while path[-1] != Stage.CLOSED:
        forward = [
            s
            for s in Stage
            if s in ALLOWED_TRANSITIONS[path[-1]]
            and list(Stage).index(s) > list(Stage).index(path[-1])
        ]
        path.append(forward[0])
    assert path == list(Stage)


def test_changing_stage_moves_the_cohort_and_records_who_did_it(world: World) -> None:
    cohort = make_cohort(world.scheme, label="2027/28", stage=Stage.PLANNING)
    services.change_cohort_stage(cohort, to=Stage.RECRUITING, by=world.coordinator)
    cohort.refresh_from_db()
    assert cohort.stage == Stage.RECRUITING
    entry = entries_for(cohort).get(action="schemes.cohort.stage_changed")
    assert entry.actor == world.coordinator
    assert entry.details == {"previous": "planning", "stage": "recruiting"}


def test_skipping_stages_is_refused_with_the_stages_it_may_go_to(world: World) -> None:
    cohort = make_cohort(world.scheme, label="2027/28", stage=Stage.PLANNING)
    with pytest.raises(services.SchemeError, match="Recruiting"):
        services.change_cohort_stage(cohort, to=Stage.RUNNING, by=world.coordinator)
    cohort.refresh_from_db()
    assert cohort.stage == Stage.PLANNING


def test_a_closed_cohort_cannot_be_reopened(world: World) -> None:
    cohort = make_cohort(world.scheme, label="2020/21", stage=Stage.CLOSED)
    with pytest.raises(services.SchemeError, match="closed"):
        services.change_cohort_stage(cohort, to=Stage.RUNNING, by=world.coordinator)


def test_a_stage_change_based_on_a_stale_page_is_refused(world: World) -> None:
    cohort = make_cohort(world.scheme, label="2027/28", stage=Stage.PLANNING)
    services.change_cohort_stage(
        cohort, to=Stage.RECRUITING, by=world.coordinator, expected="planning"
    )
    # A second coordinator clicks the same button on the page they loaded earlier.
    with pytest.raises(services.SchemeError, match="already moved"):
        services.change_cohort_stage(
            cohort, to=Stage.RECRUITING, by=world.org_coordinator, expected="planning"
        )
    assert entries_for(cohort).filter(action="schemes.cohort.stage_changed").count() == 1


def cohort_values(**overrides: Any) -> dict[str, Any]:
    return {
        "label": "2027/28",
        "starts_on": datetime.date(2027, 9, 1),
        "ends_on": datetime.date(2028, 7, 31),
        "min_meetings": 4,
        "meeting_minutes": 60,
        **overrides,
    }


def test_a_new_cohort_starts_in_planning(world: World) -> None:
    cohort = services.create_cohort(world.scheme, by=world.coordinator, **cohort_values())
    assert cohort.stage == Stage.PLANNING
    assert entries_for(cohort).filter(action="schemes.cohort.created").exists()


def test_a_cohort_must_end_after_it_starts(world: World) -> None:
    with pytest.raises(services.SchemeError, match="end date"):
        services.create_cohort(
            world.scheme, by=world.coordinator, **cohort_values(ends_on=datetime.date(2027, 9, 1))
        )
    assert not Cohort.objects.filter(label="2027/28").exists()


def test_two_cohorts_of_a_scheme_cannot_share_an_academic_year(world: World) -> None:
    with pytest.raises(services.SchemeError, match="already has a cohort"):
        services.create_cohort(world.scheme, by=world.coordinator, **cohort_values(label="2026/27"))


def test_an_edit_from_a_stale_form_is_refused_and_the_newer_edit_survives(world: World) -> None:
    cohort = world.cohort
    seen_version = cohort.version
    services.update_cohort(
        cohort,
        by=world.coordinator,
        version=seen_version,
        **cohort_values(label="2026/27", min_meetings=6),
    )
    with pytest.raises(services.SchemeError, match="Someone else changed"):
        services.update_cohort(
            Cohort.objects.get(pk=cohort.pk),
            by=world.org_coordinator,
            version=seen_version,
            **cohort_values(label="2026/27", min_meetings=2),
        )
    cohort.refresh_from_db()
    assert cohort.min_meetings == 6
    assert cohort.version == seen_version + 1


def test_scheme_edits_record_what_changed(world: World) -> None:
    scheme = world.scheme
    services.update_scheme(
        scheme,
        by=world.coordinator,
        version=scheme.version,
        name="Pride Reverse Mentoring",
        centres="LGBTQ+ students and staff allies",
        description="",
        default_min_meetings=5,
        default_meeting_minutes=60,
    )
    entry = entries_for(scheme).get(action="schemes.scheme.updated")
    assert entry.details["changes"] == {
        "centres": ["LGBTQ+ students", "LGBTQ+ students and staff allies"],
        "default_min_meetings": [4, 5],
    }


def test_scheme_names_are_unique_within_an_organisation_whatever_the_case(world: World) -> None:
    with pytest.raises(services.SchemeError, match="already has a scheme"):
        services.create_scheme(
            world.organisation,
            by=world.org_coordinator,
            name="pride reverse mentoring",
            centres="x",
        )


@pytest.mark.parametrize("name", ["PRIDE  Reverse\u00a0Mentoring", "Pride Révérse Mentoring"])
def test_scheme_names_are_unique_however_they_are_spelt(world: World, name: str) -> None:
    """Extra or no-break spaces and accents do not make another name, on creating or
    renaming."""
    with pytest.raises(services.SchemeError, match="already has a scheme"):
        services.create_scheme(world.organisation, by=world.org_coordinator, name=name, centres="x")
    second = services.create_scheme(
        world.organisation, by=world.org_coordinator, name="Second", centres="x"
    )
    with pytest.raises(services.SchemeError, match="already has a scheme"):
        services.update_scheme(
            second, by=world.org_coordinator, version=second.version,
            name=unicodedata.normalize("NFD", name),
        )  # fmt: skip


def test_adding_the_same_member_twice_keeps_one_membership(world: World) -> None:
    person = make_user()
    services.add_member(world.cohort, user=person, role=Role.MENTOR, by=world.coordinator)
    services.add_member(world.cohort, user=person, role=Role.MENTOR, by=world.coordinator)
    assert Membership.objects.filter(cohort=world.cohort, user=person).count() == 1


def test_a_person_holds_one_role_per_cohort(world: World) -> None:
    with pytest.raises(services.SchemeError, match="already in this cohort"):
        services.add_member(world.cohort, user=world.mentor, role=Role.MENTEE, by=world.coordinator)


def test_the_audit_chain_stays_intact_across_many_changes(world: World) -> None:
    cohort = make_cohort(world.scheme, label="2028/29", stage=Stage.PLANNING)
    for stage in [Stage.RECRUITING, Stage.TRAINING, Stage.MATCHING, Stage.RUNNING, Stage.CLOSED]:
        services.change_cohort_stage(cohort, to=stage, by=world.coordinator)
    assert verify_chain() == []
