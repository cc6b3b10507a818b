"""Readiness counted by the database agrees with each person's readiness, in one query."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import bulk_members, join, make_cohort
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.training import readiness
from flipside.training.models import (
    AgreementAcceptance,
    AgreementVersion,
    Booking,
    HandbookAcknowledgement,
    HandbookVersion,
    ReadinessOverride,
    TrainingSession,
)

pytestmark = pytest.mark.django_db

AUDIENCES = ["mentors", "mentees", "both"]
ATTENDANCE = [None, *Booking.Attendance.values]

sessions_strategy = st.lists(
    st.fixed_dictionaries(
        {"audience": st.sampled_from(AUDIENCES), "required": st.booleans(),
         "cancelled": st.booleans()}
    ),
    max_size=3,
)  # fmt: skip
person_strategy = st.fixed_dictionaries(
    {
        "role": st.sampled_from([Role.MENTOR, Role.MENTEE]),
        "attendance": st.lists(st.sampled_from(ATTENDANCE), min_size=3, max_size=3),
        "acknowledged": st.none() | st.integers(min_value=1, max_value=3),
        "accepted": st.none() | st.integers(min_value=1, max_value=2),
        "override": st.booleans(),
    }
)


def per_person_counts(cohort: Cohort) -> list[tuple[str, int, int]]:
    everyone = readiness.cohort_readiness(cohort)
    return [
        (role, sum(r.ready for r in everyone if r.membership.role == role),
         sum(r.membership.role == role for r in everyone))
        for role in (Role.MENTOR, Role.MENTEE)
    ]  # fmt: skip


# Random cohorts: their sessions, handbook versions and ground rules (and, with each test,
# their people).
RANDOM_COHORTS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
COHORT_RULES: dict[str, Any] = {
    "sessions": sessions_strategy,
    "handbook": st.lists(st.booleans(), max_size=3),
    "agreements": st.integers(min_value=0, max_value=2),
}


def build(
    sessions: list[dict[str, Any]],
    handbook: list[bool],
    agreements: int,
    people: list[dict[str, Any]],
) -> Cohort:
    cohort = make_cohort(stage=Stage.TRAINING)
    scheme = cohort.scheme
    # A sibling cohort where everyone trained and was let through: none of it may count here.
    sibling = make_cohort(scheme, stage=Stage.TRAINING)
    elsewhere = TrainingSession.objects.create(
        cohort=sibling, title="Elsewhere", audience="both", required=True,
        starts_at=timezone.now(),
    )  # fmt: skip
    made = [
        TrainingSession.objects.create(
            cohort=cohort,
            title=f"Session {n}",
            audience=s["audience"],
            required=s["required"],
            starts_at=timezone.now() - datetime.timedelta(days=1),
            cancelled_at=timezone.now() if s["cancelled"] else None,
        )
        for n, s in enumerate(sessions)
    ]
    versions = [
        HandbookVersion.objects.create(scheme=scheme, number=n, body="Be kind.", significant=sig)
        for n, sig in enumerate(handbook, 1)
    ]
    rules = [
        AgreementVersion.objects.create(scheme=scheme, number=n, body="Rules")
        for n in range(1, agreements + 1)
    ]
    for person in people:
        user = join(cohort, person["role"])
        Booking.objects.create(session=elsewhere, user=user, attendance="present")
        ReadinessOverride.objects.create(cohort=sibling, user=user, reason="Elsewhere")
        for session, attendance in zip(made, person["attendance"], strict=False):
            if attendance is not None:
                Booking.objects.create(session=session, user=user, attendance=attendance)
        if person["acknowledged"] is not None and person["acknowledged"] <= len(versions):
            version = versions[person["acknowledged"] - 1]
            HandbookAcknowledgement.objects.create(user=user, version=version)
        if person["accepted"] is not None and person["accepted"] <= len(rules):
            version = rules[person["accepted"] - 1]
            AgreementAcceptance.objects.create(user=user, version=version)
        if person["override"]:
            ReadinessOverride.objects.create(cohort=cohort, user=user, reason="Trained before")
    return cohort


@RANDOM_COHORTS
@given(**COHORT_RULES, people=st.lists(person_strategy, max_size=6))
def test_database_counts_agree_with_each_persons_readiness(
    db: Any,
    sessions: list[dict[str, Any]],
    handbook: list[bool],
    agreements: int,
    people: list[dict[str, Any]],
) -> None:
    cohort = build(sessions, handbook, agreements, people)

    assert readiness.readiness_counts(cohort) == per_person_counts(cohort)
    by_person = {r.user.pk for r in readiness.cohort_readiness(cohort) if r.ready}
    assert readiness.ready_user_ids(cohort) == by_person


def test_counts_name_each_role_with_ready_and_total() -> None:
    cohort = build(
        [{"audience": "mentors", "required": True, "cancelled": False}],
        [],
        0,
        [
            {"role": Role.MENTOR, "attendance": ["present"], "acknowledged": None,
             "accepted": None, "override": False},
            {"role": Role.MENTOR, "attendance": ["absent"], "acknowledged": None,
             "accepted": None, "override": False},
            {"role": Role.MENTOR, "attendance": [None], "acknowledged": None,
             "accepted": None, "override": True},
            {"role": Role.MENTEE, "attendance": [None], "acknowledged": None,
             "accepted": None, "override": False},
        ],
    )  # fmt: skip

    mentors, mentees = readiness.readiness_counts(cohort)

    assert (mentors.role, mentors.ready, mentors.total) == (Role.MENTOR, 2, 3)
    assert (mentees.role, mentees.ready, mentees.total) == (Role.MENTEE, 1, 1)


def published_cohort_with(size: int) -> Cohort:
    cohort = build(
        [{"audience": "both", "required": True, "cancelled": False}], [True, False], 1, []
    )
    session = TrainingSession.objects.get(cohort=cohort)
    for user in bulk_members(cohort, Role.MENTOR, size // 2) + bulk_members(
        cohort, Role.MENTEE, size - size // 2
    ):
        Booking.objects.create(session=session, user=user, attendance="present")
    return cohort


def test_counting_who_is_ready_costs_one_query_for_3_and_for_60_people() -> None:
    small, large = published_cohort_with(3), published_cohort_with(60)
    used = []
    for cohort in (small, large):
        cohort = Cohort.objects.get(pk=cohort.pk)
        with CaptureQueriesContext(connection) as queries:
            readiness.ready_user_ids(cohort)
        used.append(len(queries))

    assert used == [1, 1]


def test_counts_cost_three_queries_to_count_then_one_while_they_hold_for_3_and_60() -> None:
    small, large = published_cohort_with(3), published_cohort_with(60)
    for cohort in (small, large):
        cohort = Cohort.objects.get(pk=cohort.pk)
        with CaptureQueriesContext(connection) as counting:
            first = readiness.readiness_counts(cohort)
        with CaptureQueriesContext(connection) as reading:
            again = readiness.readiness_counts(cohort)

        # Read, counted and kept; then only read, without touching what the rule reads.
        assert (len(counting), len(reading)) == (3, 1)
        assert "training_booking" not in reading[0]["sql"]
        assert again == first == per_person_counts(cohort)


# --- The compiled rule is kept per cohort; the answer never is --------------------------------


def trained_cohort_with(size: int) -> Cohort:
    """A cohort whose only requirement is one training session, which ``size`` people
    attended: half student mentors, half staff mentees."""
    cohort = build([{"audience": "both", "required": True, "cancelled": False}], [], 0, [])
    session = TrainingSession.objects.get(cohort=cohort)
    for user in bulk_members(cohort, Role.MENTOR, size // 2) + bulk_members(
        cohort, Role.MENTEE, size - size // 2
    ):
        Booking.objects.create(session=session, user=user, attendance="present")
    return cohort


def test_counts_follow_the_data_after_the_rule_was_compiled_for_the_cohort() -> None:
    cohort = trained_cohort_with(0)
    session = TrainingSession.objects.get(cohort=cohort)
    student, staff = join(cohort, Role.MENTOR), join(cohort, Role.MENTEE)
    assert readiness.readiness_counts(cohort) == [(Role.MENTOR, 0, 1), (Role.MENTEE, 0, 1)]
    assert readiness.ready_user_ids(cohort) == set()

    Booking.objects.create(session=session, user=student, attendance="present")
    ReadinessOverride.objects.create(cohort=cohort, user=staff, reason="Trained before")

    assert readiness.readiness_counts(cohort) == [(Role.MENTOR, 1, 1), (Role.MENTEE, 1, 1)]
    assert readiness.ready_user_ids(cohort) == {student.pk, staff.pk}


def test_each_cohort_is_counted_by_its_own_rule_whichever_was_counted_first() -> None:
    trained = trained_cohort_with(4)
    waiting = trained_cohort_with(0)
    someone = join(waiting, Role.MENTEE)
    # Nothing is required in this cohort, so its one mentor is ready without the training
    # the other cohort of the same scheme requires.
    untrained = make_cohort(trained.scheme, stage=Stage.TRAINING)
    mentor = join(untrained, Role.MENTOR)

    for _ in range(2):
        assert readiness.readiness_counts(trained) == [(Role.MENTOR, 2, 2), (Role.MENTEE, 2, 2)]
        assert readiness.readiness_counts(waiting) == [(Role.MENTOR, 0, 0), (Role.MENTEE, 0, 1)]
        assert readiness.readiness_counts(untrained) == [(Role.MENTOR, 1, 1), (Role.MENTEE, 0, 0)]
        assert readiness.ready_user_ids(waiting) == set()
        assert readiness.ready_user_ids(untrained) == {mentor.pk}
        assert len(readiness.ready_user_ids(trained)) == 4
    assert someone.pk not in readiness.ready_user_ids(trained)


def test_the_rule_is_compiled_once_per_cohort_and_scheme() -> None:
    cohort = trained_cohort_with(2)
    assert readiness.readiness_counts(cohort) == [(Role.MENTOR, 1, 1), (Role.MENTEE, 1, 1)]
    compiled = readiness._counting_sql.cache_info()

    # Someone joins: the cohort is counted again, by the SQL compiled before.
    join(cohort, Role.MENTOR)
    counts = readiness.readiness_counts(Cohort.objects.get(pk=cohort.pk))
    assert counts == [(Role.MENTOR, 1, 2), (Role.MENTEE, 1, 1)]
    assert readiness._counting_sql.cache_info().hits == compiled.hits + 1

    # Moved to a scheme with a handbook nobody has read, the cohort counts by that scheme's.
    cohort.scheme = make_cohort().scheme
    cohort.save()
    HandbookVersion.objects.create(scheme=cohort.scheme, number=1, body="Be kind.")
    assert readiness.readiness_counts(cohort) == [(Role.MENTOR, 0, 2), (Role.MENTEE, 0, 1)]
    assert readiness._counting_sql.cache_info().misses == compiled.misses + 1


# --- Each person's checks: the query is kept per cohort and number of people, the answer never


def test_each_persons_checks_follow_the_data_and_the_people_asked_about() -> None:
    cohort = trained_cohort_with(0)
    session = TrainingSession.objects.get(cohort=cohort)
    first, second = join(cohort, Role.MENTOR), join(cohort, Role.MENTEE)
    other = trained_cohort_with(2)  # another scheme, where both attended
    members = list(cohort.memberships.filter(role__in=readiness.PARTICIPANT_ROLES).order_by("pk"))

    def trained(cohort: Cohort, memberships: list[Any]) -> dict[int, bool | None]:
        return {r.user.pk: r.trained for r in readiness.readiness_of_members(cohort, memberships)}

    assert trained(cohort, members) == {first.pk: False, second.pk: False}
    Booking.objects.create(session=session, user=second, attendance="present")
    ReadinessOverride.objects.create(cohort=cohort, user=first, reason="Trained before")
    # The same number of people, asked about in the other order, then in another cohort.
    found = readiness.readiness_of_members(cohort, members[::-1])
    assert [(r.user.pk, r.trained, r.ready) for r in found] == [
        (second.pk, True, True),
        (first.pk, False, True),
    ]
    assert found[1].override == ReadinessOverride.objects.get(user=first)
    others = list(other.memberships.order_by("pk"))
    assert set(trained(other, others).values()) == {True}
    assert trained(cohort, members[:1]) == {first.pk: False}
    assert readiness.readiness_of_members(cohort, []) == []


def test_each_persons_checks_cost_one_query_and_one_more_for_whoever_was_let_through() -> None:
    cohort = trained_cohort_with(4)
    members = list(cohort.memberships.all())
    used = []
    for let_through in (False, True):
        if let_through:
            ReadinessOverride.objects.create(cohort=cohort, user=members[0].user, reason="ok")
        with CaptureQueriesContext(connection) as queries:
            readiness.readiness_of_members(cohort, members)
        used.append(len(queries))
    assert used == [1, 2]


# --- Each person's checks, per row and for a whole cohort, against the rule written out ------


def expected_checks(
    sessions: list[dict[str, Any]],
    handbook: list[bool],
    agreements: int,
    person: dict[str, Any],
) -> tuple[bool | None, bool | None, bool | None, bool]:
    """The rule, written out for the data ``build`` made: (trained, handbook, agreement,
    ready). The sibling cohort's session and override never count."""
    role = person["role"]

    def counts(session: dict[str, Any]) -> bool:
        return (
            session["required"]
            and not session["cancelled"]
            and (session["audience"] in ("both", f"{role}s"))
        )

    trained = (
        any(
            counts(s) and attendance == "present"
            for s, attendance in zip(sessions, person["attendance"], strict=False)
        )
        if any(counts(s) for s in sessions)
        else None
    )
    read = None
    if handbook:
        significant = [n for n, sig in enumerate(handbook, 1) if sig]
        needed = max(significant) if significant else 1
        version = person["acknowledged"]
        read = version is not None and needed <= version <= len(handbook)
    accepted = person["accepted"] == agreements if agreements else None
    complete = all(check is not False for check in (trained, read, accepted))
    return trained, read, accepted, complete or person["override"]


@RANDOM_COHORTS
@given(**COHORT_RULES, people=st.lists(person_strategy, min_size=1, max_size=6))
def test_each_persons_checks_follow_the_rule_read_per_row_or_for_the_whole_cohort(
    db: Any,
    sessions: list[dict[str, Any]],
    handbook: list[bool],
    agreements: int,
    people: list[dict[str, Any]],
) -> None:
    cohort = build(sessions, handbook, agreements, people)
    members = list(cohort.memberships.order_by("pk"))
    expected = {
        m.user_id: expected_checks(sessions, handbook, agreements, person)
        for m, person in zip(members, people, strict=True)
    }

    def found(rows: list[readiness.Readiness]) -> dict[int, Any]:
        return {r.user.pk: (r.trained, r.handbook, r.agreement, r.ready) for r in rows}

    whole = readiness.cohort_readiness(cohort)  # sets, as counting uses
    each = readiness.readiness_of_members(cohort, members)  # a subquery per person
    page = readiness.readiness_of_checked(
        cohort, readiness.with_checks(cohort, readiness.participants(cohort))
    )
    listed = readiness.readiness_of_checked(cohort, readiness.readiness_list(cohort)[:50])
    assert found(whole) == found(each) == found(page) == found(listed) == expected
    assert readiness.ready_among(cohort, expected) == {u for u, e in expected.items() if e[3]}


def test_a_page_reads_its_people_and_their_checks_in_one_query() -> None:
    cohort = trained_cohort_with(60)
    cohort = Cohort.objects.get(pk=cohort.pk)
    people = readiness.with_checks(cohort, readiness.participants(cohort))
    readiness.readiness_of_checked(cohort, people[:50])  # compiled
    with CaptureQueriesContext(connection) as queries:
        rows = readiness.readiness_of_checked(cohort, people[:50])
    assert len(queries) == 1
    assert len(rows) == 50 and all(r.trained and r.ready for r in rows)


def test_ready_among_answers_for_the_people_asked_about_in_their_own_cohort() -> None:
    cohort = trained_cohort_with(4)
    other = trained_cohort_with(2)
    ready = sorted(m.user_id for m in cohort.memberships.all())
    elsewhere = [m.user_id for m in other.memberships.all()]
    untrained = join(cohort, Role.MENTOR)
    observer = join(cohort, Role.OBSERVER)  # not a participant: never ready to be paired

    assert readiness.ready_among(cohort, [untrained.pk, ready[0]]) == {ready[0]}
    # The same number of people again, compiled once: the answer is about these people.
    assert readiness.ready_among(cohort, [ready[2], ready[1]]) == {ready[1], ready[2]}
    assert readiness.ready_among(cohort, [untrained.pk, observer.pk]) == set()
    assert readiness.ready_among(cohort, [*elsewhere, ready[3], ready[3]]) == {ready[3]}
    assert readiness.ready_among(other, [ready[0], *elsewhere]) == set(elsewhere)
    assert readiness.ready_among(cohort, []) == set()


# --- The readiness list, a page at a time along the index --------------------------------------


def named_cohort(names: dict[str, list[str]]) -> Cohort:
    """A cohort whose only requirement is one session, attended by every other person."""
    cohort = build([{"audience": "both", "required": True, "cancelled": False}], [], 0, [])
    session = TrainingSession.objects.get(cohort=cohort)
    for role, people in names.items():
        for n, name in enumerate(people):
            user = join(cohort, role)
            user.display_name = name
            user.save()
            Membership.objects.filter(user=user).update(sort_name=name)
            if n % 2 == 0:
                Booking.objects.create(session=session, user=user, attendance="present")
    return cohort


@pytest.mark.parametrize(
    "filters",
    [{}, {"role": Role.MENTOR}, {"role": Role.MENTEE}, {"readiness": "ready"},
     {"readiness": "not_ready"}, {"q": "an"}, {"q": "AN", "role": Role.MENTEE},
     {"q": "zz"}],
    ids=repr,
)  # fmt: skip
@pytest.mark.parametrize("per_page", [1, 2, 3, 7, 50])
def test_the_list_reads_the_orm_order_page_by_page(filters: dict[str, str], per_page: int) -> None:
    cohort = named_cohort(
        {
            Role.MENTOR: ["Zara", "ann", "Anna", "Bo", "Ann", "Émile"],
            Role.MENTEE: ["Dr Ann", "Dana", "Ann", "Cy"],
        }
    )
    cohort = Cohort.objects.get(pk=cohort.pk)
    orm = readiness.readiness_of_checked(
        cohort, readiness.with_checks(cohort, readiness.participants(cohort, **filters))
    )
    expected = [(r.membership.pk, r.user.display_name, r.membership.role, r.ready) for r in orm]

    listing = readiness.readiness_list(cohort, counts=readiness.readiness_counts(cohort), **filters)
    pages = [
        readiness.readiness_of_checked(cohort, listing[start : start + per_page])
        for start in range(0, len(expected) + per_page, per_page)
    ]
    read = [(r.membership.pk, r.user.display_name, r.membership.role, r.ready)
            for page in pages for r in page]  # fmt: skip

    assert len(listing) == len(expected)
    assert read == expected
    assert expected[:1] == [] or expected[0][2] == (filters.get("role") or Role.MENTOR)


def test_a_page_of_the_list_costs_one_query_for_4_and_for_60_people() -> None:
    used = []
    for size in (4, 60):
        cohort = Cohort.objects.get(pk=trained_cohort_with(size).pk)
        counts = readiness.readiness_counts(cohort)
        listing = readiness.readiness_list(cohort, counts=counts)
        listing[:50]  # the checks' SQL compiled for the cohort
        with CaptureQueriesContext(connection) as queries:
            rows = readiness.readiness_of_checked(
                cohort, readiness.readiness_list(cohort, counts=counts)[:50]
            )
            assert len(rows) == min(size, 50)
        used.append(len(queries))
    assert used == [1, 1]
