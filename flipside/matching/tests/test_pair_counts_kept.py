"""The pairs page's figures kept between changes (decision 0016): every change the product
makes to pairs, memberships and people is counted again, whichever way it is made, a count
that races a change is never kept, and the people without a partner are listed whenever
there are any."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import update_last_login
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from conftest import bulk_members, change_sequences, join, make_cohort, make_user
from flipside.accounts.services import update_profile
from flipside.matching import checks, selectors, services
from flipside.matching.models import Pair, PairCount, Run
from flipside.matching.services import MatchingError
from flipside.matching.views.pairs import UNPAIRED_SHOWN, _unpaired
from flipside.schemes import services as schemes
from flipside.schemes.models import Cohort, Role, Stage

from .builders import many_pairs, person

pytestmark = pytest.mark.django_db


def fresh(cohort: Cohort) -> selectors.PairFigures:
    """The figures as the ORM counts them now."""
    pairs = Pair.objects.filter(cohort=cohort)
    counts = {s: pairs.filter(status=s).count() for s in Pair.Status.values}
    published = Run.objects.filter(cohort=cohort, published_at__isnull=False).first()
    return selectors.PairFigures(
        counts,
        published and selectors.Published(published.number, published.published_at),
        selectors.unpaired(cohort).count(),
    )


def people(cohort: Cohort, role: str | None = None) -> list[Any]:
    found = cohort.memberships.select_related("user").order_by("pk")
    return [m.user for m in (found.filter(role=role) if role else found)]


def someone(cohort: Cohort, pick: int, role: str | None = None) -> Any:
    found = people(cohort, role)
    return found[pick % len(found)] if found else None


# Each change to what the pairs page counts, as the product makes it (through the services
# where there is one).
def joins(cohort: Cohort, by: Any, pick: int) -> None:
    person(cohort, (Role.MENTOR, Role.MENTEE)[pick % 2])


def added(cohort: Cohort, by: Any, pick: int) -> None:
    role = (Role.MENTOR, Role.MENTEE, Role.OBSERVER)[pick % 3]
    schemes.add_member(cohort, user=make_user(), role=role, by=by)


def published(cohort: Cohort, by: Any, pick: int) -> None:
    try:
        run = services.start_run(cohort, by=by, include_unready=True)
        services.process_runs("test")
        run.refresh_from_db()
        services.publish(run, by=by, version=run.version)
    except MatchingError:
        pass  # already published, or nobody on a side


def paired_by_hand(cohort: Cohort, by: Any, pick: int) -> None:
    waiting = {row.user_id for row in selectors.unpaired(cohort)}
    mentors = [u for u in people(cohort, Role.MENTOR) if u.pk in waiting]
    mentees = [u for u in people(cohort, Role.MENTEE) if u.pk in waiting]
    if mentors and mentees:
        mentor, mentee = mentors[pick % len(mentors)], mentees[pick % len(mentees)]
        try:
            services.create_pair(cohort, mentor=mentor, mentee=mentee, by=by)
        except MatchingError:
            pass  # paired before, say


def pair_ended(cohort: Cohort, by: Any, pick: int) -> None:
    active = list(Pair.objects.filter(cohort=cohort, status=Pair.Status.ACTIVE).order_by("pk"))
    if active:  # changed in one statement, without a signal
        services.end_pair(active[pick % len(active)], by=by, reason="Moved away")


def deactivated(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        user.is_active = False
        user.save()


def reactivated(cohort: Cohort, by: Any, pick: int) -> None:
    inactive = [u for u in people(cohort) if not u.is_active]
    if inactive:
        user = inactive[pick % len(inactive)]
        user.is_active = True
        user.save(update_fields=["is_active"])


def deleted(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        user.delete()


def renamed(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        update_profile(user, display_name=f"Renamed {pick}", pronouns="")


def signs_in(cohort: Cohort, by: Any, pick: int) -> None:
    user = someone(cohort, pick)
    if user is not None:
        update_last_login(None, user)


def many_join(cohort: Cohort, by: Any, pick: int) -> None:
    bulk_members(cohort, (Role.MENTOR, Role.MENTEE)[pick % 2], 1 + pick % 3)


CHANGES = [
    joins, added, published, paired_by_hand, pair_ended, deactivated, reactivated, deleted,
    renamed, signs_in, many_join,
]  # fmt: skip


def started_cohort() -> tuple[Cohort, Any]:
    """A cohort at the matching stage with two mentors and two mentees, and a coordinator."""
    cohort = make_cohort(stage=Stage.MATCHING)
    for pick in range(4):
        joins(cohort, None, pick)
    return cohort, make_user("Coordinator")


def assert_page_agrees(cohort: Cohort) -> None:
    """The figures are the fresh ones, and the page lists the people without a partner."""
    figures = selectors.pair_figures(Cohort.objects.get(pk=cohort.pk))
    assert figures == fresh(cohort)
    listed = _unpaired(cohort, figures, q="")
    expected = list(selectors.unpaired(cohort)) if sum(figures.counts.values()) else []
    assert [r.user_id for r in listed["unpaired"]] == [m.user_id for m in expected[:UNPAIRED_SHOWN]]
    assert listed["unpaired_count"] == len(expected)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(change_sequences(CHANGES, max_size=10))
def test_kept_figures_follow_every_change_to_what_the_pairs_page_counts(
    db: Any, changes: list[tuple[Any, int]]
) -> None:
    cohort, coordinator = started_cohort()
    selectors.pair_figures(cohort)  # the first count marks the row; the second keeps it
    for change, pick in changes:
        selectors.pair_figures(cohort)  # counted and kept before each change

        change(cohort, coordinator, pick)

        assert_page_agrees(cohort)


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__)
def test_each_change_is_counted_again(change: Any) -> None:
    cohort, coordinator = started_cohort()
    published(cohort, coordinator, 0)
    pair_ended(cohort, coordinator, 0)
    joins(cohort, coordinator, 0)
    deactivated(cohort, coordinator, 3)
    for _ in range(2):
        selectors.pair_figures(cohort)
    kept = PairCount.objects.get(cohort=cohort)
    assert kept.counted_generation == kept.generation

    change(cohort, coordinator, 1)

    cohort = Cohort.objects.get(pk=cohort.pk)
    assert_page_agrees(cohort)


def test_held_figures_are_read_in_one_query_and_a_change_costs_two_more() -> None:
    cohort, coordinator = started_cohort()
    published(cohort, coordinator, 0)
    PairCount.objects.filter(cohort=cohort).delete()  # never counted, as after the migration
    with CaptureQueriesContext(connection) as first:
        selectors.pair_figures(cohort)
    with CaptureQueriesContext(connection) as second:
        selectors.pair_figures(cohort)
    with CaptureQueriesContext(connection) as held:
        figures = selectors.pair_figures(cohort)
    assert figures == fresh(cohort)
    assert (len(first), len(second), len(held)) == (3, 3, 1)  # read, counted, marked or kept
    kept = PairCount.objects.get(cohort=cohort)
    assert (kept.active, kept.ended, kept.unpaired) == (2, 0, 0)


def test_a_count_that_races_a_change_is_not_kept() -> None:
    cohort, coordinator = started_cohort()
    selectors.pair_figures(cohort)
    joins(cohort, coordinator, 0)  # counted again on the next view
    counting = selectors.fetch

    def racing(sql: str, *args: Any, **kwargs: Any) -> Any:
        rows = counting(sql, *args, **kwargs)
        if "kept.generation, (SELECT COUNT" in sql:  # counted: now someone joins
            join(cohort, Role.MENTEE)
        return rows

    selectors.fetch = racing  # type: ignore[assignment]
    try:
        raced = selectors.pair_figures(cohort)
    finally:
        selectors.fetch = counting
    kept = PairCount.objects.get(cohort=cohort)

    assert raced.unpaired == 5  # as it was when counted
    assert kept.counted_generation != kept.generation  # but not kept as holding
    assert selectors.pair_figures(cohort).unpaired == 6


def test_a_cohort_counted_for_the_first_time_is_kept_from_its_second_count() -> None:
    # A person deleted while the first count runs marks only rows that exist: the first
    # count leaves the row marked as not holding.
    cohort, _ = started_cohort()
    PairCount.objects.filter(cohort=cohort).delete()  # never counted, as after the migration
    assert selectors.pair_figures(cohort).unpaired == 4
    kept = PairCount.objects.get(cohort=cohort)
    assert kept.counted_generation is None
    assert selectors.pair_figures(cohort).unpaired == 4
    kept = PairCount.objects.get(cohort=cohort)
    assert kept.counted_generation == kept.generation and kept.unpaired == 4


def test_a_deleted_person_leaves_their_partner_without_one() -> None:
    cohort = make_cohort(stage=Stage.RUNNING)
    pair = many_pairs(cohort, 2)[0]
    for _ in range(2):
        assert selectors.pair_figures(cohort).unpaired == 0

    pair.mentor.delete()

    assert_page_agrees(cohort)
    assert selectors.pair_figures(cohort).unpaired == 1


def test_a_deleted_cohort_takes_its_figures_with_it() -> None:
    cohort = make_cohort(stage=Stage.RUNNING)
    many_pairs(cohort, 2, ended=1)
    for _ in range(2):
        selectors.pair_figures(cohort)

    cohort.delete()

    assert not PairCount.objects.filter(cohort_id=cohort.pk).exists()


def test_selfcheck_reports_kept_figures_that_no_longer_agree() -> None:
    cohort = make_cohort(stage=Stage.RUNNING)
    many_pairs(cohort, 2)
    for _ in range(2):
        selectors.pair_figures(cohort)
    assert checks.check_kept_pair_counts().problems == ()

    # A change that escaped the signals and services: a pair ended in one statement.
    Pair.objects.filter(cohort=cohort).update(status=Pair.Status.ENDED, ended_at=timezone.now())

    problems = checks.check_kept_pair_counts().problems
    assert len(problems) == 1
    assert f"cohort {cohort.pk}" in problems[0]


def test_the_cohort_page_reads_the_kept_pair_figures_while_they_hold_and_keeps_its_counts() -> None:
    from flipside.matching import offers

    cohort = make_cohort(stage=Stage.RUNNING)
    pairs = many_pairs(cohort, 3, ended=1)

    def section_figures(queries: int | None = None) -> tuple[int, int]:
        fresh = Cohort.objects.get(pk=cohort.pk)
        with CaptureQueriesContext(connection) as asked:
            offers.coordinator_steps([fresh])
            (part,) = offers.cohort_sections(fresh, can_manage=True)
        if queries is not None:
            assert len(asked) == queries
        return part.data.active, part.data.ended

    assert section_figures() == (3, 1)  # nothing kept yet: counted
    assert section_figures() == (3, 1)  # counted again, and kept from now on
    kept = PairCount.objects.get(cohort=cohort)
    assert kept.counted_generation == kept.generation
    # While they hold, the kept figures are what the page shows, read with the next step
    # (made visible here by writing a figure no count would give).
    PairCount.objects.filter(cohort=cohort).update(active=42)
    assert section_figures(queries=1) == (42, 1)

    services.end_pair(pairs[0], reason="Moved away", by=make_user())

    assert section_figures() == (2, 2)  # the change marked them stale: counted again
    assert section_figures(queries=1) == (2, 2)  # and kept by the page that counted
