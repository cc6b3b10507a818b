from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import connection
from django.db.models import Case, When
from django.test.utils import CaptureQueriesContext

from conftest import (
    World,
    bulk_members,
    join,
    make_cohort,
    make_organisation,
    make_scheme,
    make_user,
)
from flipside.accounts.models import User
from flipside.accounts.services import update_profile
from flipside.schemes.models import Membership, Role
from flipside.schemes.permissions import taking_part
from flipside.schemes.selectors import check_sort_names, cohort_people, cohorts_with_counts
from flipside.schemes.services import add_member

pytestmark = pytest.mark.django_db


def test_cohorts_with_counts_counts_each_cohorts_own_mentors_and_mentees(world: World) -> None:
    join(world.cohort, Role.MENTOR)
    join(world.other_cohort, Role.MENTOR)
    join(world.other_cohort, Role.MENTEE)
    later = make_cohort(
        world.scheme,
        label="2027/28",
        starts_on=world.cohort.starts_on.replace(year=2027),
        ends_on=world.cohort.ends_on.replace(year=2028),
    )

    with CaptureQueriesContext(connection) as queries:
        cohorts = cohorts_with_counts(schemes=[world.scheme.pk])
        names = [f"{c.scheme.name} {c.label}" for c in cohorts]
    assert len(queries) == 1  # the schemes' names come with the cohorts
    # Newest first within a scheme; observers and coordinators are not counted.
    assert names == ["Pride Reverse Mentoring 2027/28", "Pride Reverse Mentoring 2026/27"]
    assert [(c.pk, c.mentor_count, c.mentee_count) for c in cohorts] == [
        (later.pk, 0, 0),
        (world.cohort.pk, 2, 1),
    ]


def test_cohorts_with_counts_by_id_scheme_or_organisation(world: World) -> None:
    third = make_cohort(make_scheme(make_organisation(), name="Another Scheme"))
    by_org = cohorts_with_counts(organisations=[world.organisation.pk])
    assert [c.pk for c in by_org] == [world.cohort.pk]
    either = cohorts_with_counts(ids=[third.pk], schemes=[world.other_scheme.pk])
    # By scheme name: "Another Scheme" before "Elsewhere Scheme".
    assert [c.pk for c in either] == [third.pk, world.other_cohort.pk]
    assert cohorts_with_counts() == []


def test_a_scheme_loaded_with_its_cohort_reads_its_other_fields_when_asked(world: World) -> None:
    (cohort,) = cohorts_with_counts(ids=[world.cohort.pk])
    assert cohort.scheme.organisation_id == world.organisation.pk
    assert cohort.scheme.centres == world.scheme.centres  # a deferred field, loaded on use


def test_taking_part_lists_a_persons_memberships_as_a_participant(world: World) -> None:
    person = world.mentor
    join(world.other_cohort, Role.OBSERVER, person)
    coordinated = make_cohort(world.scheme, label="2030/31")
    join(coordinated, Role.COORDINATOR, person)
    join(world.other_cohort, Role.MENTEE)  # someone else's

    with CaptureQueriesContext(connection) as queries:
        memberships = taking_part(person)
        shown = [(m.role, str(m.cohort), m.cohort.stage, m.user.display_name) for m in memberships]
    assert len(queries) == 1
    assert shown == [
        ("mentor", "Pride Reverse Mentoring 2026/27", "running", "Mo Mentor"),
        ("observer", "Elsewhere Scheme 2026/27", "running", "Mo Mentor"),
    ]
    assert memberships[0].pk == Membership.objects.get(user=person, cohort=world.cohort).pk
    assert taking_part(world.coordinator) == []


def _people_by_the_orm(cohort: Any, **filters: Any) -> list[tuple[str, str, str]]:
    """The people page's order written with the ORM: student mentors, mentees, coordinators,
    then everyone else, each by name (ties by membership)."""
    rank = Case(
        When(role=Role.MENTOR, then=0),
        When(role=Role.MENTEE, then=1),
        When(role=Role.COORDINATOR, then=2),
        default=3,
    )
    found = Membership.objects.filter(cohort=cohort, **filters).order_by(
        rank, "user__display_name", "pk"
    )
    return list(found.values_list("role", "user__display_name", "user__email"))


def test_cohort_people_pages_follow_the_orms_order_across_roles_and_ties(world: World) -> None:
    randomly = random.Random(12)
    cohort = make_cohort(world.scheme)
    names = ["Ann", "ann", "Bo", "Émile", "Zed", "Ann", "Ç", "Zoë", "  ", "Bo "]
    for _ in range(70):
        join(cohort, randomly.choice(list(Role)), make_user(randomly.choice(names)))
    join(world.other_cohort, Role.MENTOR, make_user("Aaron"))  # another cohort's

    for filters in ({}, {"role": Role.MENTEE}, {"role": Role.OBSERVER}):
        expected = _people_by_the_orm(cohort, **filters)
        listing = cohort_people(cohort, **filters)
        assert len(listing) == len(expected)
        for size in (1, 7, 50):
            read = [
                (p.role, p.user__display_name, p.user__email)
                for start in range(0, len(expected) + size, size)
                for p in listing[start : start + size]
            ]
            assert read == expected, (filters, size)
    assert cohort_people(cohort)[500:550] == []


def test_cohort_people_finds_by_name_in_order(world: World) -> None:
    cohort = make_cohort(world.scheme)
    for k, role in enumerate([Role.MENTEE, Role.MENTOR, Role.OBSERVER, Role.MENTOR]):
        join(cohort, role, make_user(f"Sam {3 - k}"))
    join(cohort, Role.MENTOR, make_user("Alex"))

    found = cohort_people(cohort, q="sam")
    assert [p.user__display_name for p in found[0:50]] == ["Sam 0", "Sam 2", "Sam 3", "Sam 1"]
    assert len(found) == 4


def test_a_new_name_moves_the_person_in_the_cohorts_people(world: World) -> None:
    cohort = make_cohort(world.scheme)
    for name in ("Bea", "Cy", "Dee"):
        add_member(cohort, user=make_user(name), role=Role.MENTOR, by=world.coordinator)
    dee = Membership.objects.get(cohort=cohort, user__display_name="Dee").user

    update_profile(dee, display_name="Abe", pronouns="")

    assert [p.user__display_name for p in cohort_people(cohort)[0:50]] == ["Abe", "Bea", "Cy"]
    assert _people_by_the_orm(cohort) == [
        (p.role, p.user__display_name, p.user__email) for p in cohort_people(cohort)[0:50]
    ]


def test_a_page_of_people_reads_only_the_ranks_it_reaches(world: World) -> None:
    cohort = make_cohort(world.scheme)
    bulk_members(cohort, Role.MENTOR, 60, name="Mentor")
    bulk_members(cohort, Role.MENTEE, 60, name="Mentee")
    listing = cohort_people(cohort)
    assert len(listing) == 120

    with CaptureQueriesContext(connection) as queries:
        first = listing[0:50]
        second = listing[50:100]
    assert len(queries) == 2  # one statement a page, after the count
    assert "'mentee'" not in queries[0]["sql"] and "'mentee'" in queries[1]["sql"]
    assert [p.user__display_name for p in first][-1] == "Mentor 0049"
    assert [p.user__display_name for p in second][9:11] == ["Mentor 0059", "Mentee 0000"]


def test_selfcheck_finds_a_membership_whose_name_is_old(world: World) -> None:
    assert check_sort_names().problems == ()
    membership = Membership.objects.get(cohort=world.cohort, user=world.mentee)
    User.objects.filter(pk=world.mentee.pk).update(display_name="Renamed behind its back")

    verdict = check_sort_names()
    assert verdict.problems == (f"memberships with an old name: [{membership.pk}]",)
    assert "NO" in verdict.summary
