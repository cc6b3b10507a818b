"""The applications list's plain SQL (``review_selectors.ApplicationList``) against the ORM's
``call_applications``, which the review page's "previous" and "next" and the download use:
the same applications, in the same order, for every sort and filter."""

from __future__ import annotations

import datetime
import random

import pytest

from conftest import World, make_user
from flipside.recruitment import permissions
from flipside.recruitment import review_selectors as selectors
from flipside.recruitment.models import Application, Review
from flipside.schemes.models import Role

from .review_builders import make_rubric, open_call, submitted

pytestmark = pytest.mark.django_db

Status = Application.Status
NOW = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize("blind", [False, True])
def test_the_list_agrees_with_the_orm_for_every_sort_and_filter(world: World, blind: bool) -> None:
    call = open_call(world.cohort, blind_review=blind)
    other_call = open_call(world.cohort, Role.MENTEE)
    pick = random.Random(12)
    names = ["Ann", "ann", "Bo", "", "Cy", "Ann"]
    states = [s for s in Status if s != Status.DRAFT]
    for n in range(24):
        hours = pick.choice([0, 0, 1, 2, 5])  # ties, broken by id
        application = submitted(
            call,
            make_user(pick.choice(names) or None),
            status=pick.choice(states),
            submitted_at=NOW - datetime.timedelta(hours=hours),
            statement=f"About placements {n}",
        )
        for reviewer in pick.sample(
            [world.coordinator, world.cohort_coordinator], pick.randint(0, 2)
        ):
            Review.objects.create(
                application=application, reviewer=reviewer, total=pick.randint(0, 9)
            )
    submitted(call, status=Status.DRAFT)  # drafts are never listed
    submitted(other_call, hopes="About placements elsewhere")

    for sort in selectors.SORTS:
        for filters in ({}, {"status": Status.SUBMITTED}, {"q": "placements 1"}, {"q": "ann"}):
            expected = list(
                selectors.call_applications(
                    world.coordinator, call, sort=sort, **filters
                ).values_list("pk", flat=True)
            )
            found = selectors.ApplicationList(call, sort=sort, **filters)
            assert [row.pk for row in found[0:100]] == expected, (sort, filters)
            assert found.count() == len(expected)
            assert [row.pk for row in found[3:8]] == expected[3:8]


def test_rows_carry_review_figures_and_hide_names_under_blind_review(world: World) -> None:
    make_rubric(world.scheme)
    call = open_call(world.cohort, blind_review=True)
    application = submitted(call, make_user("Hidden Name", email="hidden@example.ac.uk"))
    Review.objects.create(application=application, reviewer=world.coordinator, total=4)
    Review.objects.create(application=application, reviewer=world.cohort_coordinator, total=5)
    submitted(call, submitted_at=NOW)
    rows = selectors.ApplicationList(call, sort="oldest")[0:50]
    assert [(r.label, r.email, r.review_count, r.average) for r in rows] == [
        (f"Applicant {rows[0].pk}", "", 0, None),
        (f"Applicant {application.pk}", "", 2, 4.5),
    ]
    assert rows[1].submitted_at is not None and rows[1].submitted_at.tzinfo is not None


def test_figures_count_submitted_applications_of_the_call_only(world: World) -> None:
    """The list reads them with its call (``get_listed_call``), in the same query."""
    call = open_call(world.cohort)
    for status in (Status.SUBMITTED, Status.SUBMITTED, Status.ACCEPTED, Status.WITHDRAWN):
        submitted(call, status=status)
    submitted(call, status=Status.DRAFT)
    submitted(open_call(world.cohort, Role.MENTEE), status=Status.SUBMITTED)
    _, counts, out_of = permissions.get_listed_call(world.coordinator, call.pk)
    assert counts == {"submitted": 2, "accepted": 1, "withdrawn": 1}
    assert out_of == 0
    make_rubric(world.scheme)
    make_rubric(world.other_scheme)
    assert permissions.get_listed_call(world.coordinator, call.pk).out_of == (
        selectors.rubric_total(call)
    )
    assert selectors.rubric_total(call) > 0


def test_an_empty_call_has_no_rows_and_no_counts(world: World) -> None:
    call = open_call(world.cohort)
    assert selectors.ApplicationList(call)[0:50] == []
    assert selectors.ApplicationList(call).count() == 0
    assert permissions.get_listed_call(world.coordinator, call.pk).counts == {}
