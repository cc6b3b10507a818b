from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World, join, make_cohort, make_organisation, make_scheme
from flipside.schemes.models import Membership, Role
from flipside.schemes.permissions import taking_part
from flipside.schemes.selectors import cohorts_with_counts

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
