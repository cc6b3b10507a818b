"""The plain SQL queries of the run, pairs and matching pages count and list what the ORM
queries they replaced did: only their own run's or cohort's rows, in the same order."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from conftest import World, bulk_members, join, make_user
from flipside.matching import selectors
from flipside.matching.models import Capacity, Pair, PairRule, Proposal, Run, Unmatched
from flipside.matching.services import edits
from flipside.matching.views.charts import BANDS
from flipside.schemes.models import Role

from .builders import many_pairs, many_proposals, matching_cohort

pytestmark = pytest.mark.django_db


def test_a_runs_rows_are_its_own_best_first_with_only_this_cohorts_locks(world: World) -> None:
    cohort, other = matching_cohort(world.scheme), matching_cohort(world.scheme)
    run = many_proposals(cohort, 4)  # scores 0, 1, 2, 3
    many_proposals(other, 3)
    earlier = Run.objects.create(cohort=cohort, number=2, status=Run.Status.DONE)
    first = run.proposals.get(score=3)
    Proposal.objects.create(run=earlier, mentor=first.mentor, mentee=first.mentee, score=99)
    Proposal.objects.filter(run=run, score=1).update(score=3)  # a tie: by id
    tied = list(run.proposals.filter(score=3).order_by("pk").values_list("pk", flat=True))
    never = run.proposals.get(score=2)
    PairRule.objects.create(cohort=cohort, mentor=first.mentor, mentee=first.mentee, kind="lock")
    PairRule.objects.create(cohort=cohort, mentor=never.mentor, mentee=never.mentee, kind="never")
    last = run.proposals.get(score=0)
    PairRule.objects.create(cohort=other, mentor=last.mentor, mentee=last.mentee, kind="lock")

    rows = selectors.proposal_rows(run)
    assert [r.pk for r in rows] == [*tied, never.pk, last.pk]
    assert [r.locked for r in rows] == [r.pk == first.pk for r in rows]
    assert {r.pk: r.mentor_name for r in rows}[first.pk] == first.mentor.display_name
    assert rows[-1].reasons == ["Both want to talk about racism", "Both are free on Monday morning"]
    assert rows[-1].warnings == []
    assert [r.pk for r in selectors.proposal_rows(run, offset=1, limit=2)] == [tied[1], never.pk]
    found = run.proposals.filter(score__lt=3)
    assert [r.pk for r in selectors.proposal_rows(run, among=found)] == [never.pk, last.pk]
    edits._totals(run)  # as every change to a run's pairs counts them again
    assert run.scores == {"3": 2, "2": 1, "0": 1}
    assert selectors.left_out(run, BANDS)[0] == [4, 0, 0, 0, 0]
    Proposal.objects.filter(run=run, score=2).update(score=100)
    Proposal.objects.filter(run=run, score=0).update(score=40)
    edits._totals(run)
    assert selectors.left_out(run, BANDS)[0] == [2, 0, 1, 0, 1]
    assert selectors.left_out(run, [(0, 39), (100, 100)])[0] == [2, 1]
    assert selectors.left_out(Run.objects.create(cohort=other, number=9), BANDS)[0] == [0] * 5


def test_a_runs_not_paired_lists_hold_only_its_own_people(world: World) -> None:
    cohort = matching_cohort(world.scheme)
    run = many_proposals(cohort, 1)
    other = Run.objects.create(cohort=cohort, number=2, status=Run.Status.DONE)
    zoe, amal, ben = make_user("Zoe"), make_user("Amal"), make_user("Ben")
    Unmatched.objects.create(run=run, user=zoe, role=Role.MENTOR, reason="taken", detail="x")
    Unmatched.objects.create(run=run, user=amal, role=Role.MENTEE, reason="not_ready")
    Unmatched.objects.create(run=run, user=ben, role=Role.MENTOR, reason="already_paired")
    Unmatched.objects.create(run=other, user=ben, role=Role.MENTOR, reason="taken")
    left = selectors.left_out(run, BANDS)[1]
    assert [(p.name, p.role, p.reason, p.detail) for p in left.not_paired] == [
        ("Amal", Role.MENTEE, "Not ready yet", ""),
        ("Zoe", Role.MENTOR, "Every possible partner went to a better overall pair", "x"),
    ]
    assert left.not_paired_count == 2
    assert [p.name for p in left.already_paired] == ["Ben"] and left.already_paired_count == 1
    empty = selectors.left_out(Run.objects.create(cohort=cohort, number=3), BANDS)
    assert empty == ([0] * 5, selectors.LeftOut([], 0, [], 0))
    assert selectors.left_out(run, []) == ([], left)


def test_the_pairs_pages_figures_and_rows_are_the_cohorts_own(world: World) -> None:
    cohort, other = matching_cohort(world.scheme), matching_cohort(world.scheme)
    assert selectors.pair_figures(cohort) == ({"active": 0, "ended": 0}, None, 0)
    many_pairs(cohort, 3, ended=2)
    many_pairs(other, 4)
    when = timezone.now() - datetime.timedelta(days=3)
    Run.objects.create(cohort=other, number=1, status=Run.Status.DONE, published_at=when)
    Run.objects.create(cohort=cohort, number=1, status=Run.Status.DONE)
    Run.objects.create(cohort=cohort, number=2, status=Run.Status.DONE, published_at=when)
    counts, published, unpaired = selectors.pair_figures(cohort)
    assert counts == {"active": 3, "ended": 2}
    assert published == selectors.Published(2, when)
    assert unpaired == 4  # the people of the two ended pairs
    assert selectors.pair_figures(other) == ({"active": 4, "ended": 0}, (1, when), 0)

    rows = selectors.pair_rows(cohort, counts=counts)
    expected = list(selectors.cohort_pairs(cohort).values_list("pk", flat=True))
    assert [r.pk for r in rows] == expected and len(rows) == 5
    assert all(timezone.is_aware(r.started_at) for r in rows)
    ended = selectors.pair_rows(cohort, counts=counts, status=Pair.Status.ENDED)
    assert [r.status for r in ended] == ["ended", "ended"]
    assert all(r.ended_at is not None and timezone.is_aware(r.ended_at) for r in ended)
    page = selectors.pair_rows(cohort, counts=counts, offset=4, limit=50)
    assert [r.pk for r in page] == expected[4:]
    named = selectors.cohort_pairs(cohort, q="Mentor 0001")
    assert [
        r.mentor__display_name for r in selectors.pair_rows(cohort, counts=counts, among=named)
    ] == ["Mentor 0001"]


def test_every_page_of_pairs_is_in_the_order_of_the_orm_across_statuses_ties_and_renames(
    world: World,
) -> None:
    from flipside.accounts.services import update_profile

    cohort, other = matching_cohort(world.scheme), matching_cohort(world.scheme)
    made = many_pairs(cohort, 6, ended=4)
    many_pairs(other, 3)
    # A mentor with two pairs, two mentors of one name (one of them with an ended pair),
    # and a rename that moves a mentor from last to first.
    Pair.objects.create(cohort=cohort, mentor=made[2].mentor, mentee=made[7].mentee, score=9)
    update_profile(made[5].mentor, display_name="Mentor 0002", pronouns="")
    update_profile(made[8].mentor, display_name="Mentor 0002", pronouns="")
    update_profile(made[9].mentor, display_name="Aaron", pronouns="")
    counts, _published, _unpaired = selectors.pair_figures(cohort)
    assert counts == {"active": 7, "ended": 4}
    for status in ("", Pair.Status.ACTIVE, Pair.Status.ENDED):
        found = selectors.cohort_pairs(cohort, status=status)
        expected = [(p.pk, p.mentor.display_name, p.mentee.display_name) for p in found]
        for limit in (1, 3, 4, 50):
            for offset in range(0, 13):
                rows = selectors.pair_rows(
                    cohort, counts=counts, status=status, offset=offset, limit=limit
                )
                got = [(r.pk, r.mentor__display_name, r.mentee__display_name) for r in rows]
                assert got == expected[offset : offset + limit], (status, limit, offset)


def test_people_without_a_partner_leave_out_the_active_pairs_and_other_cohorts(
    world: World,
) -> None:
    cohort, other = matching_cohort(world.scheme), matching_cohort(world.scheme)
    many_pairs(cohort, 2, ended=1)  # Mentor 0002 and Mentee 0002 only in an ended pair
    waiting = bulk_members(cohort, Role.MENTEE, 3, name="Waiting")
    waiting[0].is_active = False
    waiting[0].save()
    join(cohort, Role.OBSERVER, make_user("Observer"))
    bulk_members(other, Role.MENTOR, 2, name="Elsewhere")
    rows, count = selectors.unpaired_rows(cohort, limit=50)
    names = [(r.role, r.display_name) for r in rows]
    # Mentees first ("mentee" sorts before "mentor"), then by name.
    assert names == [
        (Role.MENTEE, "Mentee 0002"),
        (Role.MENTEE, "Waiting 0001"),
        (Role.MENTEE, "Waiting 0002"),
        (Role.MENTOR, "Mentor 0002"),
    ]
    assert count == 4
    assert selectors.unpaired_rows(cohort, limit=2) == (rows[:2], 4)
    # One more than shown is read; only then are they counted.
    assert selectors.unpaired_rows(cohort, limit=3) == (rows[:3], 4)
    assert selectors.unpaired_rows(cohort, limit=4) == (rows, 4)
    # Told how many there are (the kept figures), it reads only the rows it shows.
    assert selectors.pair_figures(cohort).unpaired == 4
    assert selectors.unpaired_rows(cohort, limit=2, count=4) == (rows[:2], 4)
    among = selectors.unpaired(cohort, q="waiting")
    assert selectors.unpaired_rows(cohort, among=among, limit=50) == (rows[1:3], 2)
    assert selectors.unpaired_rows(other, among=among, limit=50) == ([], 0)


def test_the_matching_pages_rules_capacities_and_runs_are_the_cohorts_own(
    world: World,
) -> None:
    cohort, other = matching_cohort(world.scheme), matching_cohort(world.scheme)
    assert selectors.overview(cohort) == selectors.Overview(
        [], [], selectors.RunFigures(0, [], None)
    )
    a, b, c = make_user("Ann"), make_user("Bo"), make_user("Cy")
    PairRule.objects.create(cohort=cohort, mentor=a, mentee=b, kind="lock", reason="<b>")
    PairRule.objects.create(cohort=cohort, mentor=c, mentee=b, kind="never")
    PairRule.objects.create(cohort=other, mentor=a, mentee=c, kind="never")
    assert [
        (r.kind, r.mentor_name, r.mentee_name, r.reason) for r in selectors.overview(cohort).rules
    ] == [
        ("lock", "Ann", "Bo", "<b>"),
        ("never", "Cy", "Bo", ""),
    ]
    Capacity.objects.create(cohort=cohort, user=c, partners=3)
    Capacity.objects.create(cohort=cohort, user=a, partners=2)
    Capacity.objects.create(cohort=other, user=b, partners=4)
    assert selectors.overview(cohort).capacities == [("Ann", 2), ("Cy", 3)]

    done = Run.Status.DONE
    first = Run.objects.create(cohort=cohort, number=1, status=done, published_at=timezone.now())
    Run.objects.create(cohort=cohort, number=2, status=Run.Status.FAILED)
    third = Run.objects.create(cohort=cohort, number=3, status=done, created_by=a)
    Run.objects.create(cohort=other, number=1, status=done, published_at=timezone.now())
    found = selectors.overview(cohort)
    assert found.runs == selectors.RunFigures(3, [(third.pk, 3), (first.pk, 1)], first.pk)
    assert [r.mentor_name for r in found.rules] == ["Ann", "Cy"]
    assert found.capacities == [("Ann", 2), ("Cy", 3)]
    runs = selectors.cohort_runs(cohort, limit=2)
    assert [(r.number, r.creator_name) for r in runs] == [(3, "Ann"), (2, None)]
    assert [r.number for r in selectors.cohort_runs(cohort, offset=2, limit=2)] == [1]
    published = selectors.published_run(cohort, first.pk)
    assert published is not None and published.published_at == first.published_at
    assert selectors.published_run(other, first.pk) is None


def test_a_cohorts_settings_are_read_as_saved_and_made_with_the_defaults_on_first_use(
    world: World,
) -> None:
    from flipside.matching.models import FirstContact, MatchingSettings
    from flipside.matching.services import settings_for

    cohort = matching_cohort(world.scheme)
    MatchingSettings.objects.filter(cohort=cohort).delete()
    made = settings_for(cohort)
    assert made.pk and made.weight_topics == 5 and made.version == 1
    when = timezone.now() - datetime.timedelta(days=2)
    MatchingSettings.objects.filter(pk=made.pk).update(
        weight_topics=9, require_meetable=False, first_contact=FirstContact.MENTEE,
        updated_at=when, updated_by=world.coordinator, version=4,
    )  # fmt: skip
    read, saved = settings_for(cohort), MatchingSettings.objects.get(pk=made.pk)
    names = [f.attname for f in MatchingSettings._meta.concrete_fields]
    assert [getattr(read, n) for n in names] == [getattr(saved, n) for n in names]
    assert read.updated_at == when and timezone.is_aware(read.updated_at)
    assert settings_for(matching_cohort(world.scheme)).pk != read.pk


def test_selfcheck_names_pairs_whose_mentor_is_not_a_mentor_of_their_cohort(world: World) -> None:
    from flipside.matching.checks import check_pair_mentors
    from flipside.schemes.models import Membership

    cohort = matching_cohort(world.scheme)
    made = many_pairs(cohort, 2)
    assert check_pair_mentors().problems == ()
    Membership.objects.filter(cohort=cohort, user=made[1].mentor).delete()
    verdict = check_pair_mentors()
    assert verdict.summary == "Pairs' mentors in their cohorts: NO"
    assert verdict.problems == (
        f"pairs whose mentor is not a mentor of their cohort: [{made[1].pk}]",
    )
