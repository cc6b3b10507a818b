"""Readiness counts kept between changes: every change to what the rule reads is counted
again, whichever way it is made, and a count that races a change is never kept."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from conftest import change_sequences, join, make_cohort, make_user
from flipside.schemes import services as schemes
from flipside.schemes.models import Cohort, Role, Stage
from flipside.training import readiness, services
from flipside.training.models import (
    Booking,
    HandbookAcknowledgement,
    ReadinessCount,
    ReadinessOverride,
    TrainingSession,
)
from flipside.training.tests.test_readiness_counts import per_person_counts

pytestmark = pytest.mark.django_db


def started_cohort() -> tuple[Cohort, Any]:
    """A cohort with a required session held yesterday, a significant handbook and ground
    rules, and a coordinator; nobody in it yet."""
    cohort = make_cohort(stage=Stage.TRAINING)
    coordinator = make_user("Coordinator")
    TrainingSession.objects.create(
        cohort=cohort, title="Mentoring", audience="both", required=True,
        starts_at=timezone.now() - datetime.timedelta(days=1),
    )  # fmt: skip
    services.publish_handbook(
        cohort.scheme, title="Handbook", body="Be kind.", significant=True, summary="First.",
        by=coordinator,
    )  # fmt: skip
    services.publish_agreement(cohort.scheme, body="We listen.", by=coordinator)
    return cohort, coordinator


def members(cohort: Cohort) -> list[Any]:
    return [m.user for m in cohort.memberships.select_related("user").order_by("pk")]


def someone(cohort: Cohort, pick: int) -> Any:
    people = members(cohort)
    return people[pick % len(people)] if people else None


def session_of(cohort: Cohort) -> TrainingSession:
    return TrainingSession.objects.filter(cohort=cohort).order_by("pk").first()  # type: ignore[return-value]


# Each change a coordinator, a participant or the system makes to what readiness reads, as
# the product makes it (through the services where there is one).
def joins(cohort: Cohort, by: Any, pick: int) -> None:
    role = (Role.MENTOR, Role.MENTEE)[pick % 2]
    schemes.add_member(cohort, user=make_user(), role=role, by=by)


def attends(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        Booking.objects.update_or_create(
            session=session_of(cohort), user=user, defaults={"attendance": "present"}
        )


def booking_removed(cohort: Cohort, by: Any, pick: int) -> None:
    bookings = list(Booking.objects.filter(session__cohort=cohort).order_by("pk"))
    if bookings:
        bookings[pick % len(bookings)].delete()


def reads_handbook(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        services.acknowledge_handbook(services.current_handbook(cohort.scheme), user=user)  # type: ignore[arg-type]


def accepts_rules(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        services.accept_agreement(services.current_agreement(cohort.scheme), user=user)  # type: ignore[arg-type]


def new_handbook(cohort: Cohort, by: Any, pick: int) -> None:
    services.publish_handbook(
        cohort.scheme, title="Handbook", body=f"Version {pick}", significant=pick % 2 == 0,
        summary="Changed.", by=by,
    )  # fmt: skip


def new_rules(cohort: Cohort, by: Any, pick: int) -> None:
    services.publish_agreement(cohort.scheme, body=f"Rules {pick}", by=by)


def let_through(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        services.override_readiness(cohort, user=user, reason="Trained last year", by=by)


def no_longer_let_through(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        services.remove_readiness_override(cohort, user=user, by=by)


def session_changed(cohort: Cohort, by: Any, pick: int) -> None:
    session = session_of(cohort)
    if session.cancelled_at is None:  # changed in one statement, without a signal
        services.update_session(
            session, by=by, version=session.version, required=not session.required,
            audience=("mentors", "mentees", "both")[pick % 3],
        )  # fmt: skip


def session_cancelled(cohort: Cohort, by: Any, pick: int) -> None:
    services.cancel_session(session_of(cohort), by=by)


CHANGES = [
    joins, attends, booking_removed, reads_handbook, accepts_rules, new_handbook, new_rules,
    let_through, no_longer_let_through, session_changed, session_cancelled,
]  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(change_sequences(CHANGES, max_size=12))
def test_kept_counts_follow_every_change_to_what_readiness_reads(
    db: Any, changes: list[tuple[Any, int]]
) -> None:
    cohort, coordinator = started_cohort()
    for change, pick in changes:
        readiness.readiness_counts(cohort)  # counted and kept before each change

        change(cohort, coordinator, pick)

        assert readiness.readiness_counts(Cohort.objects.get(pk=cohort.pk)) == per_person_counts(
            cohort
        ), change.__name__


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__)
def test_each_change_is_counted_again(change: Any) -> None:
    cohort, coordinator = started_cohort()
    for pick in range(4):
        joins(cohort, coordinator, pick)
        attends(cohort, coordinator, pick)
    reads_handbook(cohort, coordinator, 0)  # the change below is made to the second person
    let_through(cohort, coordinator, 1)
    readiness.readiness_counts(cohort)

    change(cohort, coordinator, 1)

    cohort = Cohort.objects.get(pk=cohort.pk)
    with CaptureQueriesContext(connection) as queries:
        counts = readiness.readiness_counts(cohort)
    assert counts == per_person_counts(cohort)
    assert len(queries) == 3  # read, counted by the rule, kept


def test_a_count_that_races_a_change_is_not_kept() -> None:
    cohort, coordinator = started_cohort()
    student = join(cohort, Role.MENTOR)
    counting = readiness.fetch

    def racing(sql: str, *args: Any, **kwargs: Any) -> Any:
        rows = counting(sql, *args, **kwargs)
        if "LEFT JOIN" in sql:  # the count has been read: now someone is let through
            ReadinessOverride.objects.create(cohort=cohort, user=student, reason="Trained")
        return rows

    readiness.fetch = racing  # type: ignore[assignment]
    try:
        raced = readiness.readiness_counts(cohort)
    finally:
        readiness.fetch = counting
    kept = ReadinessCount.objects.get(cohort=cohort)

    assert raced == [(Role.MENTOR, 0, 1), (Role.MENTEE, 0, 0)]  # as it was when counted
    assert kept.counted_generation != kept.generation  # but not kept as holding
    assert readiness.readiness_counts(cohort) == [(Role.MENTOR, 1, 1), (Role.MENTEE, 0, 0)]


def test_a_cohort_without_a_row_is_counted_twice_before_its_counts_are_kept() -> None:
    cohort, _ = started_cohort()
    join(cohort, Role.MENTOR)
    ReadinessCount.objects.filter(cohort=cohort).delete()  # as a cohort made before they were

    first = readiness.readiness_counts(cohort)
    made = ReadinessCount.objects.get(cohort=cohort)
    assert made.counted_generation is None  # a deletion racing this count could not mark it
    second = readiness.readiness_counts(cohort)
    kept = ReadinessCount.objects.get(cohort=cohort)

    assert first == second == [(Role.MENTOR, 0, 1), (Role.MENTEE, 0, 0)]
    assert kept.counted_generation == kept.generation
    assert (kept.mentors, kept.mentors_ready) == (1, 0)


def test_a_deleted_person_leaves_the_counts_of_their_cohorts() -> None:
    cohort, _ = started_cohort()
    staying, leaving = join(cohort, Role.MENTOR), join(cohort, Role.MENTOR)
    HandbookAcknowledgement.objects.create(
        user=leaving, version=services.current_handbook(cohort.scheme)
    )
    assert readiness.readiness_counts(cohort) == [(Role.MENTOR, 0, 2), (Role.MENTEE, 0, 0)]

    leaving.delete()

    assert readiness.readiness_counts(cohort) == [(Role.MENTOR, 0, 1), (Role.MENTEE, 0, 0)]
    assert staying.memberships.count() == 1


def test_a_deleted_cohort_takes_its_counts_with_it() -> None:
    cohort, _ = started_cohort()
    join(cohort, Role.MENTOR)
    readiness.readiness_counts(cohort)

    cohort.delete()

    assert not ReadinessCount.objects.filter(cohort_id=cohort.pk).exists()


def test_selfcheck_reports_kept_counts_that_no_longer_agree() -> None:
    cohort, _ = started_cohort()
    join(cohort, Role.MENTOR)
    readiness.readiness_counts(cohort)
    assert readiness.check_kept_counts().problems == ()

    # A change that escaped the signals and services: a row written in one statement.
    ReadinessCount.objects.filter(cohort=cohort).update(mentors=5)

    problems = readiness.check_kept_counts().problems
    assert len(problems) == 1
    assert f"cohort {cohort.pk}" in problems[0]
