"""Runs from the database to saved proposals, adjusting them, publishing and re-matching."""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from conftest import World, make_cohort, make_user, sent_mail
from flipside.matching import engine, loader, selectors, services
from flipside.matching.checks import check_run_scores
from flipside.matching.models import Capacity, Pair, PairRule, PastPair, Run, Unmatched
from flipside.matching.services import MatchingError, NeedsConfirmation, StaleRun, publication
from flipside.notifications.models import OutboxMessage
from flipside.privacy import audit
from flipside.recruitment.models import Application
from flipside.schemes.models import Role, Stage
from flipside.training import services as training
from flipside.training.models import AgreementAcceptance

from .builders import matching_cohort, mentee, mentor, programme, site


def computed(run: Run) -> Run:
    assert services.process_runs("test") == 1
    run.refresh_from_db()
    return run


def pairs_of(run: Run) -> set[tuple[str, str]]:
    return {
        (p.mentor.display_name, p.mentee.display_name)
        for p in run.proposals.select_related("mentor", "mentee")
    }


@pytest.fixture
def cohort(world: World) -> Any:
    """Three mentors and three mentees whose answers make one best pairing obvious."""
    cohort = matching_cohort(world.scheme)
    mentor(cohort, "Amal", topics=("Racism",), availability=("mon-am",), mode="online")
    mentor(cohort, "Bea", topics=("Names",), availability=("tue-pm",), mode="online")
    mentor(cohort, "Cai", topics=("Commuting",), availability=("wed-eve",), mode="online")
    mentee(cohort, "Prof Xu", topics=("Racism",), availability=("mon-am",), mode="online")
    mentee(cohort, "Dr Yates", topics=("Names",), availability=("tue-pm",), mode="online")
    mentee(cohort, "Dr Zola", topics=("Commuting",), availability=("wed-eve",), mode="online")
    return cohort


def test_a_run_waits_for_the_worker_then_saves_explained_pairs(world: World, cohort: Any) -> None:
    run = services.start_run(cohort, by=world.coordinator)
    assert run.status == Run.Status.QUEUED and not run.proposals.exists()
    run = computed(run)
    assert run.status == Run.Status.DONE and run.progress == 100
    assert pairs_of(run) == {("Amal", "Prof Xu"), ("Bea", "Dr Yates"), ("Cai", "Dr Zola")}
    assert run.matched == 3 and run.total_score == sum(p.score for p in run.proposals.all())
    assert [e.action for e in audit.entries_for(run)] == [
        "matching.run.started",
        "matching.run.finished",
    ]
    amal = run.proposals.get(mentor__display_name="Amal")
    assert any("racism" in reason for reason in amal.reasons)
    assert any("Monday morning" in reason for reason in amal.reasons)
    assert any("online" in reason for reason in amal.reasons)
    assert run.created_by == world.coordinator and run.solver


def test_a_double_submit_starts_one_run(world: World, cohort: Any) -> None:
    first = services.start_run(cohort, by=world.coordinator)
    second = services.start_run(cohort, by=world.coordinator)
    assert first.pk == second.pk and cohort.matching_runs.count() == 1


def test_runs_are_refused_before_the_matching_stage(world: World) -> None:
    cohort = make_cohort(world.scheme, stage=Stage.TRAINING)
    mentor(cohort)
    mentee(cohort)
    with pytest.raises(MatchingError, match="matching stage"):
        services.start_run(cohort, by=world.coordinator)


def test_nobody_ready_is_a_clear_refusal(world: World, cohort: Any) -> None:
    training.publish_agreement(cohort.scheme, body="Be kind.", by=world.coordinator)
    with pytest.raises(MatchingError, match="no ready student mentors"):
        services.start_run(cohort, by=world.coordinator)
    run = services.start_run(cohort, by=world.coordinator, include_unready=True)
    assert computed(run).matched == 3


def test_people_not_ready_are_left_out_and_listed(world: World, cohort: Any) -> None:
    rules = training.publish_agreement(cohort.scheme, body="Be kind.", by=world.coordinator)
    for user in cohort.memberships.exclude(user__display_name="Amal").values_list(
        "user", flat=True
    ):
        AgreementAcceptance.objects.create(user_id=user, version=rules)
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert "Amal" not in {m for m, _ in pairs_of(run)}
    left = run.unmatched.get(user__display_name="Amal")
    assert left.reason == Unmatched.Reason.NOT_READY
    assert left.detail == "Still to do: accept the ground rules."
    # Prof Xu's best partner is not ready, so Prof Xu goes unmatched: 2 mentors, 3 mentees.
    assert run.matched == 2
    assert run.unmatched.filter(role=Role.MENTEE, reason=Unmatched.Reason.TAKEN).count() == 1


def test_a_teaching_conflict_is_never_proposed(world: World) -> None:
    cohort = matching_cohort(world.scheme)
    mbbs = programme(cohort)
    mentor(cohort, "Student", study=(mbbs, 3), topics=("Racism",))
    mentee(cohort, "Teacher", teaching=((mbbs, 3),), topics=("Racism",))
    mentee(cohort, "Other", teaching=((mbbs, 4),))
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert pairs_of(run) == {("Student", "Other")}
    teacher = run.unmatched.get(user__display_name="Teacher")
    assert teacher.reason == Unmatched.Reason.CONFLICT
    assert "conflict of interest" in teacher.detail


def test_named_conflicts_either_way_are_never_proposed(world: World) -> None:
    cohort = matching_cohort(world.scheme)
    mentor(cohort, "Sam Student", conflicts="Dr. Jane  O'Neil\n")
    mentor(cohort, user=make_user("Tia Student", email="TIA@students.example"))
    mentee(cohort, "Jane O'Neil")
    mentee(cohort, "Ken Lee", conflicts="tia@students.example")
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert pairs_of(run) == {("Sam Student", "Ken Lee"), ("Tia Student", "Jane O'Neil")}


def test_named_conflicts_match_however_the_name_is_encoded_or_accented(world: World) -> None:
    """A conflict typed with decomposed accents (as some keyboards and pasted text give)
    names the person whose name was saved precomposed, and the other way round; so does a
    department name. Neither pair may be proposed, kept or published."""
    nfc = lambda text: unicodedata.normalize("NFC", text)  # noqa: E731
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    cohort = matching_cohort(world.scheme)
    services.update_settings(
        cohort, by=world.coordinator, version=services.settings_for(cohort).version,
        values={"avoid_same_department": True},
    )  # fmt: skip
    sam = mentor(cohort, "Sam Student", conflicts=nfd("Zoë BRONTË") + "\n")
    ines = mentor(cohort, nfd("Inês Araújo"), department=nfc("Cardiología"))
    zoe = mentee(cohort, nfc("Prof. Zoë Brontë"), department="Oncology")
    renee = mentee(cohort, "Renee Ng", conflicts=nfc("ines  araujo"))
    mentee(cohort, "Ken Lee", department=nfd("cardiología "))
    loaded = loader.load(cohort, settings=services.settings_for(cohort))
    i, j = loaded.mentor_index(), loaded.mentee_index()
    named = {
        (int(r), int(c))
        for (r, c), why in zip(loaded.problem.forbidden, loaded.problem.forbidden_why, strict=True)
        if why == engine.Forbid.NAMED
    }
    assert named == {(i[sam.pk], j[zoe.pk]), (i[ines.pk], j[renee.pk])}
    assert engine.check_pair(loaded.problem, i[ines.pk], 2) == [engine.Constraint.DEPARTMENT]
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert ("Sam Student", nfc("Prof. Zoë Brontë")) not in pairs_of(run)
    with pytest.raises(MatchingError, match="declared"):
        services.add_rule(
            cohort, mentor=sam, mentee=zoe, kind="lock", reason="", by=world.coordinator
        )


def test_past_pairs_are_not_repeated_even_after_the_earlier_cohort_is_deleted(
    world: World,
) -> None:
    earlier = matching_cohort(world.scheme, label="2025/26")
    a = mentor(earlier, "A", topics=("Racism",))
    b = mentor(earlier, "B")
    x = mentee(earlier, "X", topics=("Racism",))
    y = mentee(earlier, "Y")
    run = computed(services.start_run(earlier, by=world.coordinator))
    assert ("A", "X") in pairs_of(run)
    services.publish(run, by=world.coordinator, version=run.version)
    earlier.delete()
    assert PastPair.objects.count() == 2

    later = matching_cohort(world.scheme, label="2026/27b")
    for user, role in ((a, Role.MENTOR), (b, Role.MENTOR), (x, Role.MENTEE), (y, Role.MENTEE)):
        (mentor if role == Role.MENTOR else mentee)(later, user=user, topics=("Racism",))
    again = computed(services.start_run(later, by=world.coordinator))
    assert pairs_of(again) == {("A", "Y"), ("B", "X")}


def test_a_lock_is_kept_and_a_never_rule_obeyed(world: World, cohort: Any) -> None:
    users = {m.user.display_name: m.user for m in cohort.memberships.select_related("user")}
    services.add_rule(
        cohort, mentor=users["Amal"], mentee=users["Dr Zola"], kind="lock", reason="",
        by=world.coordinator,
    )  # fmt: skip
    services.add_rule(
        cohort, mentor=users["Bea"], mentee=users["Dr Yates"], kind="never", reason="Colleagues",
        by=world.coordinator,
    )  # fmt: skip
    run = computed(services.start_run(cohort, by=world.coordinator))
    found = pairs_of(run)
    assert ("Amal", "Dr Zola") in found and ("Bea", "Dr Yates") not in found
    assert run.proposals.get(mentor=users["Amal"]).source == "lock"


def test_a_lock_broken_by_a_later_conflict_fails_the_run_with_the_reason(
    world: World, cohort: Any
) -> None:
    users = {m.user.display_name: m.user for m in cohort.memberships.select_related("user")}
    services.add_rule(
        cohort, mentor=users["Amal"], mentee=users["Prof Xu"], kind="lock", reason="",
        by=world.coordinator,
    )  # fmt: skip
    Application.objects.filter(applicant=users["Amal"]).update(conflicts="Prof Xu")
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert run.status == Run.Status.FAILED
    assert "Amal" in run.error and "Prof Xu" in run.error and "declared" in run.error
    assert not run.proposals.exists()
    assert audit.entries_for(run).filter(action="matching.run.failed").count() == 1


def test_a_lock_that_breaks_a_rule_is_refused_when_made(world: World) -> None:
    cohort = matching_cohort(world.scheme)
    mbbs = programme(cohort)
    student = mentor(cohort, study=(mbbs, 2))
    teacher = mentee(cohort, teaching=((mbbs, 2),))
    with pytest.raises(MatchingError, match="conflict of interest"):
        services.add_rule(
            cohort, mentor=student, mentee=teacher, kind="lock", reason="", by=world.coordinator
        )
    assert not PairRule.objects.exists()


def test_capacity_lets_one_person_have_two_partners(world: World) -> None:
    cohort = matching_cohort(world.scheme)
    busy = mentor(cohort, "Busy")
    for name in ("P", "Q"):
        mentee(cohort, name)
    services.set_capacity(cohort, user=busy, partners=2, by=world.coordinator)
    assert Capacity.objects.get(user=busy).partners == 2
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert pairs_of(run) == {("Busy", "P"), ("Busy", "Q")}


def test_in_person_only_people_at_different_sites_are_not_paired(world: World) -> None:
    cohort = matching_cohort(world.scheme)
    north, south = site(cohort, "North Trust"), site(cohort, "South Trust")
    mentor(cohort, "North student", mode="in_person", at=north)
    mentee(cohort, "South consultant", mode="in_person", at=south)
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert run.matched == 0
    assert set(run.unmatched.values_list("reason", flat=True)) == {"conflict"}
    assert "no way to meet" in run.unmatched.first().detail  # type: ignore[union-attr]


def test_a_crashing_run_is_retried_then_reported(
    world: World, cohort: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(engine, "solve", crash)
    run = services.start_run(cohort, by=world.coordinator)
    for _attempt in range(services.MAX_ATTEMPTS - 1):
        assert computed(run).status == Run.Status.QUEUED
    run = computed(run)
    assert run.status == Run.Status.FAILED and "went wrong" in run.error
    monkeypatch.undo()
    again = services.rerun(run, by=world.coordinator)
    assert again.number == run.number + 1 and computed(again).status == Run.Status.DONE


def test_a_run_abandoned_by_a_dead_worker_is_taken_over(world: World, cohort: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    run = services.start_run(cohort, by=world.coordinator)
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.RUNNING, claimed_by="dead", claimed_until=timezone.now()
        - timedelta(seconds=1),
    )  # fmt: skip
    assert computed(run).status == Run.Status.DONE


def test_loading_takes_the_same_queries_for_a_bigger_cohort(
    world: World, django_assert_max_num_queries: Any
) -> None:
    def cohort_of(n: int) -> Any:
        cohort = matching_cohort(world.scheme)
        for k in range(n):
            mentor(cohort, f"m{k}", topics=("Racism", "Names"), conflicts="Nobody")
            mentee(cohort, f"e{k}", topics=("Racism",))
        return cohort

    settings = services.settings_for(small := cohort_of(2))
    with django_assert_max_num_queries(16) as small_queries:
        loader.load(small, settings=settings)
    big = cohort_of(12)
    big_settings = services.settings_for(big)
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        loader.load(big, settings=big_settings)


# --- Adjusting a draft ---------------------------------------------------------------------


def scores_counted(run: Run) -> dict[str, int]:
    return dict(Counter(str(p.score) for p in run.proposals.all()))


def test_swap_remove_and_add_by_hand(world: World, cohort: Any) -> None:
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert run.scores == scores_counted(run) and sum(run.scores.values()) == 3
    amal = run.proposals.get(mentor__display_name="Amal")
    bea = run.proposals.get(mentor__display_name="Bea")
    services.swap(run, amal, bea, by=world.coordinator, version=run.version)
    assert {("Amal", "Dr Yates"), ("Bea", "Prof Xu")} <= pairs_of(run)
    assert run.total_score == sum(p.score for p in run.proposals.all())
    assert run.scores == scores_counted(run)

    cai = run.proposals.get(mentor__display_name="Cai")
    services.remove_proposal(run, cai, by=world.coordinator, version=run.version)
    assert run.matched == 2
    assert set(run.unmatched.values_list("user__display_name", flat=True)) == {"Cai", "Dr Zola"}
    assert run.scores == scores_counted(run) and sum(run.scores.values()) == 2

    cai_user, zola = cai.mentor, cai.mentee
    added = services.add_proposal(
        run, mentor=cai_user, mentee=zola, by=world.coordinator, version=run.version
    )
    assert added.source == "manual" and run.matched == 3 and not run.unmatched.exists()
    assert run.scores == scores_counted(run)
    assert check_run_scores().problems == ()
    Run.objects.filter(pk=run.pk).update(scores={"100": 3})  # a change that escaped the count
    (problem,) = check_run_scores().problems
    assert problem.startswith(f"run {run.pk} keeps scores {{'100': 3}} but counts ")


def test_a_stale_page_changes_nothing(world: World, cohort: Any) -> None:
    run = computed(services.start_run(cohort, by=world.coordinator))
    old = run.version
    first = run.proposals.first()
    services.remove_proposal(run, first, by=world.coordinator, version=old)  # type: ignore[arg-type]
    second = run.proposals.first()
    with pytest.raises(StaleRun):
        services.remove_proposal(run, second, by=world.coordinator, version=old)  # type: ignore[arg-type]
    assert run.proposals.count() == 2


def test_adding_by_hand_refuses_a_conflict_and_asks_to_confirm_warnings(world: World) -> None:
    cohort = matching_cohort(world.scheme)
    mbbs = programme(cohort)
    student = mentor(cohort, "Student", study=(mbbs, 1), availability=("mon-am",))
    teacher = mentee(cohort, "Teacher", teaching=((mbbs, 1),))
    other = mentee(cohort, "Other", availability=("fri-eve",))
    run = computed(services.start_run(cohort, by=world.coordinator))
    services.remove_proposal(run, run.proposals.get(), by=world.coordinator, version=run.version)
    with pytest.raises(MatchingError, match="conflict of interest"):
        services.add_proposal(
            run, mentor=student, mentee=teacher, by=world.coordinator, version=run.version
        )
    with pytest.raises(NeedsConfirmation) as asked:
        services.add_proposal(
            run, mentor=student, mentee=other, by=world.coordinator, version=run.version
        )
    assert any("no weekly time" in w for w in asked.value.check.warnings)
    run.refresh_from_db()
    services.add_proposal(
        run, mentor=student, mentee=other, by=world.coordinator, version=run.version,
        confirmed=True,
    )  # fmt: skip
    assert pairs_of(run) == {("Student", "Other")}


# --- Publishing ----------------------------------------------------------------------------


def test_publishing_creates_pairs_and_introduces_everyone_once(world: World, cohort: Any) -> None:
    run = computed(services.start_run(cohort, by=world.coordinator))
    sent = services.publish(run, by=world.coordinator, version=run.version)
    assert sent == 6 and Pair.objects.filter(cohort=cohort).count() == 3
    with pytest.raises(MatchingError, match="has been published"):
        services.publish(run, by=world.coordinator, version=run.version)
    mail = [m for m in sent_mail() if "partner" in m.subject]
    assert len(mail) == 6
    to_amal = next(m for m in mail if "Prof Xu" in m.subject)
    assert "\u2068Prof Xu\u2069 will get in touch" in to_amal.body  # the name isolated
    with pytest.raises(MatchingError, match="published"):
        services.start_run(cohort, by=world.coordinator)


def test_a_proposal_that_now_breaks_a_rule_publishes_nothing(world: World, cohort: Any) -> None:
    run = computed(services.start_run(cohort, by=world.coordinator))
    Application.objects.filter(applicant__display_name="Prof Xu").update(conflicts="Amal")
    with pytest.raises(MatchingError, match="Nothing was published"):
        services.publish(run, by=world.coordinator, version=run.version)
    run.refresh_from_db()
    assert run.published_at is None
    assert not Pair.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_publishing_at_once_publish_once() -> None:
    world = World()
    cohort = matching_cohort(world.scheme)
    for k in range(3):
        mentor(cohort, f"m{k}")
        mentee(cohort, f"e{k}")
    run = computed(services.start_run(cohort, by=world.coordinator))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish(by: Any) -> None:
        try:
            barrier.wait()
            services.publish(run, by=by, version=run.version)
            outcomes.append("published")
        except MatchingError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=publish, args=(who,))
        for who in (world.coordinator, world.org_coordinator)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("published") == 1, outcomes
    assert Pair.objects.count() == 3
    assert OutboxMessage.objects.filter(kind="pair_introduction").count() == 6


# --- Re-matching ---------------------------------------------------------------------------


def test_rematching_suggests_free_partners_without_touching_other_pairs(
    world: World, cohort: Any
) -> None:
    spare = mentor(cohort, "Spare", topics=("Racism",), availability=("fri-am",), mode="online")
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert "Spare" not in {m for m, _ in pairs_of(run)}
    services.publish(run, by=world.coordinator, version=run.version)
    ended = Pair.objects.get(mentor__display_name="Amal")
    services.end_pair(ended, by=world.coordinator, reason="Amal is on leave")
    services.end_pair(ended, by=world.coordinator, reason="twice")  # idempotent
    ended.refresh_from_db()
    assert ended.status == Pair.Status.ENDED and ended.end_reason == "Amal is on leave"

    xu = ended.mentee
    candidates = selectors.rematch_candidates(cohort, user=xu)
    assert [c.user.display_name for c in candidates] == ["Spare"]
    assert candidates[0].reasons
    pair = services.create_pair(cohort, mentor=spare, mentee=xu, by=world.coordinator)
    assert pair.status == Pair.Status.ACTIVE
    assert Pair.objects.filter(cohort=cohort, status="active").count() == 3
    yates = Pair.objects.get(mentee__display_name="Dr Yates").mentee
    with pytest.raises(MatchingError, match="as many partners"):
        services.create_pair(cohort, mentor=spare, mentee=yates, by=world.coordinator)
    with pytest.raises(MatchingError, match="paired with each other before"):
        services.create_pair(cohort, mentor=ended.mentor, mentee=xu, by=world.coordinator)


# --- Capacity counts every active pair, wherever it came from ------------------------------


def active_partners(cohort: Any) -> Counter[str]:
    """How many active pairs each person is in."""
    rows = Pair.objects.filter(cohort=cohort, status=Pair.Status.ACTIVE)
    return Counter(
        name
        for pair in rows.select_related("mentor", "mentee")
        for name in (pair.mentor.display_name, pair.mentee.display_name)
    )


def test_a_run_leaves_out_people_already_paired_and_counts_spare_places(world: World) -> None:
    """Pairs kept from before proposals existed (as in the demo's running cohort) use up
    places: Amal and Prof Xu are full; Bea and Dr Yates may each have one more partner, but
    not each other again."""
    cohort = matching_cohort(world.scheme)
    amal = mentor(cohort, "Amal", topics=("Racism",), availability=("mon-am",))
    bea = mentor(cohort, "Bea", topics=("Names",), availability=("tue-pm",))
    mentor(cohort, "Cai", topics=("Commuting",))
    xu = mentee(cohort, "Prof Xu", topics=("Racism",), availability=("mon-am",))
    yates = mentee(cohort, "Dr Yates", topics=("Names",), availability=("tue-pm",))
    mentee(cohort, "Dr Zola", topics=("Racism", "Names"), availability=("mon-am", "tue-pm"))
    mentee(cohort, "Dr Wu", topics=("Names",), availability=("tue-pm",))
    Pair.objects.create(cohort=cohort, mentor=amal, mentee=xu)
    Pair.objects.create(cohort=cohort, mentor=bea, mentee=yates)
    services.set_capacity(cohort, user=bea, partners=2, by=world.coordinator)
    services.set_capacity(cohort, user=yates, partners=2, by=world.coordinator)

    run = computed(services.start_run(cohort, by=world.coordinator))
    found = pairs_of(run)
    assert not {p for p in found if "Amal" in p or "Prof Xu" in p}
    assert ("Bea", "Dr Yates") not in found
    assert sum(1 for m, _ in found if m == "Bea") == 1
    assert run.mentors_considered == 2 and run.mentees_considered == 3
    left = {u.user.display_name: u for u in run.unmatched.filter(reason="already_paired")}
    assert set(left) == {"Amal", "Prof Xu"}
    assert "Prof Xu" in left["Amal"].detail and "Amal" in left["Prof Xu"].detail

    services.publish(run, by=world.coordinator, version=run.version)
    assert active_partners(cohort)["Amal"] == 1 and active_partners(cohort)["Prof Xu"] == 1
    places = {"Bea": 2, "Dr Yates": 2}
    assert all(n <= places.get(name, 1) for name, n in active_partners(cohort).items())
    assert active_partners(cohort)["Bea"] == 2 and run.matched == 2


def test_a_kept_pair_that_is_already_running_needs_no_place(world: World) -> None:
    cohort = matching_cohort(world.scheme)
    amal, bea = mentor(cohort, "Amal"), mentor(cohort, "Bea")
    xu, yates = mentee(cohort, "Prof Xu"), mentee(cohort, "Dr Yates")
    Pair.objects.create(cohort=cohort, mentor=amal, mentee=xu)
    PairRule.objects.create(cohort=cohort, mentor=amal, mentee=xu, kind="lock")
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert pairs_of(run) == {("Bea", "Dr Yates")}
    PairRule.objects.create(cohort=cohort, mentor=amal, mentee=yates, kind="lock")
    again = computed(services.rerun(run, by=world.coordinator))
    assert again.status == Run.Status.FAILED
    assert "Amal" in again.error and "as many partners" in again.error
    assert bea  # (Bea stays free for the next run)


def test_publishing_counts_pairs_made_since_the_run_and_publishes_nothing(
    world: World, cohort: Any
) -> None:
    run = computed(services.start_run(cohort, by=world.coordinator))
    amal = run.proposals.get(mentor__display_name="Amal").mentor
    spare = mentee(cohort, "Dr Spare", topics=("Racism",), availability=("mon-am",))
    services.create_pair(cohort, mentor=amal, mentee=spare, by=world.coordinator)
    with pytest.raises(MatchingError, match="would have 2 partners but may have 1") as refused:
        services.publish(run, by=world.coordinator, version=run.version)
    assert "Nothing was published" in str(refused.value) and "Amal" in str(refused.value)
    run.refresh_from_db()
    assert run.published_at is None
    assert active_partners(cohort) == {"Amal": 1, "Dr Spare": 1}


def test_adding_by_hand_counts_pairs_that_are_running(world: World, cohort: Any) -> None:
    run = computed(services.start_run(cohort, by=world.coordinator))
    cai = run.proposals.get(mentor__display_name="Cai")
    services.remove_proposal(run, cai, by=world.coordinator, version=run.version)
    Pair.objects.create(cohort=cohort, mentor=cai.mentor, mentee=mentee(cohort, "Dr New"))
    check = services.check_manual_pair(run, mentor=cai.mentor, mentee=cai.mentee)
    assert check.refusals == ["Cai already has as many partners as allowed"]
    with pytest.raises(MatchingError, match="Cai already has as many partners"):
        services.add_proposal(
            run, mentor=cai.mentor, mentee=cai.mentee, by=world.coordinator, version=run.version
        )


def race(*actions: Callable[[], Any]) -> list[str]:
    """Run the actions in threads released at the same moment: "done" or the refusal each."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def attempt(action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            action()
            outcomes.append("done")
        except MatchingError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def two_mentors_one_mentee() -> tuple[World, Any, Any, Any, Any]:
    world = World()
    cohort = matching_cohort(world.scheme)
    first, second = mentor(cohort, "First"), mentor(cohort, "Second")
    return world, cohort, first, second, mentee(cohort, "Prof Xu")


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_pairing_one_person_at_once_give_them_one_partner() -> None:
    world, cohort, first, second, xu = two_mentors_one_mentee()
    outcomes = race(
        lambda: services.create_pair(cohort, mentor=first, mentee=xu, by=world.coordinator),
        lambda: services.create_pair(cohort, mentor=second, mentee=xu, by=world.org_coordinator),
    )
    assert sorted(outcomes) == ["Prof Xu already has as many partners as allowed.", "done"]
    assert active_partners(cohort)["Prof Xu"] == 1


@pytest.mark.django_db(transaction=True)
def test_publishing_while_someone_is_paired_by_hand_never_exceeds_a_capacity() -> None:
    world, cohort, first, second, xu = two_mentors_one_mentee()
    run = computed(services.start_run(cohort, by=world.coordinator))
    assert pairs_of(run) == {("First", "Prof Xu")} or pairs_of(run) == {("Second", "Prof Xu")}
    other = second if run.proposals.get().mentor == first else first
    outcomes = race(
        lambda: services.publish(run, by=world.coordinator, version=run.version),
        lambda: services.create_pair(cohort, mentor=other, mentee=xu, by=world.org_coordinator),
    )
    assert outcomes.count("done") == 1, outcomes
    assert active_partners(cohort)["Prof Xu"] == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writing transaction at a time, so the race cannot happen there",
)
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_two_pairings_at_once_do_exceed_a_capacity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The control for the test above: with the lock taken out and both counts made before
    either pair is saved, the race is real, so the test above cannot pass by accident."""
    world, cohort, first, second, xu = two_mentors_one_mentee()
    both_counted = threading.Barrier(2, timeout=10)
    count = publication.active_load

    def count_then_wait(cohort: Any) -> Counter[int]:
        found = count(cohort)
        both_counted.wait()
        return found

    monkeypatch.setattr(publication, "lock_pairs", lambda cohort: None)
    monkeypatch.setattr(publication, "active_load", count_then_wait)
    outcomes = race(
        lambda: services.create_pair(cohort, mentor=first, mentee=xu, by=world.coordinator),
        lambda: services.create_pair(cohort, mentor=second, mentee=xu, by=world.org_coordinator),
    )
    assert outcomes == ["done", "done"]
    assert active_partners(cohort)["Prof Xu"] == 2
