"""Coordinators' review: approve (never before a right-to-work check, priced again, once even
when many coordinators press at once), query and reject with a message; lines in a payment
run are frozen; nobody else decides."""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction

from conftest import World, join
from flipside.payments.models import Employment, Line, PaymentRun, Timesheet
from flipside.payments.services import PayError
from flipside.payments.services import timesheets as services
from flipside.payments.tests.test_timesheets import NOW, employ, pay, submitted, work
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db
D = datetime.date
Status = Line.Status


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def approve(line: Line, by: Any) -> Line:
    return services.approve_line(line, by=by, version=line.version)


def in_run(world: World, line: Line, number: int = 3) -> PaymentRun:
    run = PaymentRun.objects.create(
        cohort=world.cohort, number=number, created_by=world.coordinator
    )
    Line.objects.filter(pk=line.pk).update(payment_run=run)
    line.refresh_from_db()
    return run


# --- Approving --------------------------------------------------------------------------------


def test_approval_needs_the_mentors_right_to_work_recorded(world: World) -> None:
    line = submitted(world, D(2026, 6, 1))
    with pytest.raises(PayError, match="Mo Mentor has no right-to-work check recorded") as caught:
        approve(line, world.coordinator)
    assert "employment record" in str(caught.value)
    employ(world, checked=False)
    with pytest.raises(PayError, match="no right-to-work check"):
        approve(line, world.coordinator)
    line.refresh_from_db()
    assert line.status == Status.SUBMITTED
    Employment.objects.filter(user=world.mentor).update(right_to_work_checked_on=D(2025, 9, 1))
    assert approve(line, world.coordinator).status == Status.APPROVED


def test_approval_prices_the_line_again_and_is_audited(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1), "2")
    assert (line.amount, line.holiday) == (Decimal("29.60"), Decimal("0.00"))
    pay(world, holiday_pay=True)  # changed after the mentor submitted
    done = approve(line, world.cohort_coordinator)
    assert (done.status, done.amount, done.holiday) == (
        Status.APPROVED, Decimal("29.60"), Decimal("3.57")
    )  # fmt: skip
    assert done.decided_by == world.cohort_coordinator and done.decided_at is not None
    entry = AuditEntry.objects.get(action="payments.line.approved")
    assert entry.details["amount"] == "29.60" and entry.actor == world.cohort_coordinator


def test_a_second_approval_is_told_the_line_was_decided(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1))
    approve(line, world.coordinator)
    with pytest.raises(PayError, match="already decided: approved by Cora Coordinator"):
        approve(line, world.org_coordinator)
    assert AuditEntry.objects.filter(action="payments.line.approved").count() == 1


def test_a_decision_on_a_line_that_changed_since_the_page_was_drawn_is_refused(
    world: World,
) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1))
    seen = line.version
    Line.objects.filter(pk=line.pk).update(version=seen + 1)
    with pytest.raises(services.LineConflict, match="changed since the page was drawn"):
        services.approve_line(line, by=world.coordinator, version=seen)
    with pytest.raises(services.LineConflict):
        services.reject_line(line, by=world.coordinator, version=seen, message="No")


def test_drafts_are_not_for_review(world: World) -> None:
    employ(world)
    line = work(world, D(2026, 6, 1))
    with pytest.raises(PayError, match="has not been submitted"):
        approve(line, world.coordinator)


def test_only_the_cohorts_coordinators_decide(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1))
    for person in (world.mentee, world.mentor, world.observer, world.outsider, world.nobody):
        with pytest.raises(PayError):
            approve(line, person)
        with pytest.raises(PayError):
            services.query_line(line, by=person, version=line.version, message="Why?")
    line.refresh_from_db()
    assert line.status == Status.SUBMITTED


def test_nobody_approves_their_own_time(world: World) -> None:
    # A scheme coordinator who is also a student mentor in one of its cohorts.
    join(world.cohort, Role.MENTOR, world.coordinator)
    employ(world, world.coordinator)
    line = work(world, D(2026, 6, 1), mentor=world.coordinator)
    timesheet = Timesheet.objects.get(pk=line.timesheet_id)
    services.submit_timesheet(timesheet, by=world.coordinator, version=timesheet.version)
    line.refresh_from_db()
    with pytest.raises(PayError, match="Another coordinator must decide on your own time"):
        approve(line, world.coordinator)
    assert approve(line, world.cohort_coordinator).status == Status.APPROVED


def test_a_page_of_lines_is_approved_each_on_its_own(world: World) -> None:
    employ(world)
    ours = [submitted(world, D(2026, 6, day)) for day in (1, 2)]
    other_mentor = join(world.cohort, Role.MENTOR)
    theirs = work(world, D(2026, 6, 3), mentor=other_mentor)
    Line.objects.filter(pk=theirs.pk).update(status=Status.SUBMITTED)
    foreign = work(world, D(2026, 6, 4), mentor=world.outsider, cohort=world.other_cohort)
    chosen = {line.pk: line.version for line in [*ours, theirs, foreign]}
    approved, problems = services.approve_lines(world.cohort, chosen, by=world.coordinator)
    assert sorted(line.pk for line in approved) == sorted(line.pk for line in ours)
    assert len(problems) == 1 and "right-to-work" in problems[0]
    foreign.refresh_from_db()
    assert foreign.status == Status.DRAFT  # another cohort's line is ignored


# --- Querying and rejecting -------------------------------------------------------------------


def test_a_query_goes_back_to_the_mentor_who_changes_and_submits_again(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1), "3")
    with pytest.raises(PayError, match="Write a message"):
        services.query_line(line, by=world.coordinator, version=line.version, message="  ")
    queried = services.query_line(line, by=world.coordinator, version=line.version,
                                  message="Was this 2 hours?")  # fmt: skip
    assert (queried.status, queried.message) == (Status.QUERIED, "Was this 2 hours?")
    timesheet = Timesheet.objects.get(pk=line.timesheet_id)
    assert timesheet.status == Timesheet.Status.OPEN
    changed = services.change_line(queried, by=world.mentor, version=queried.version, hours="2")
    timesheet.refresh_from_db()
    services.submit_timesheet(timesheet, by=world.mentor, version=timesheet.version)
    changed.refresh_from_db()
    assert changed.status == Status.SUBMITTED
    assert approve(changed, world.coordinator).amount == Decimal("29.60")


def test_a_rejection_says_why_and_is_final(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1))
    with pytest.raises(PayError, match="Write a message"):
        services.reject_line(line, by=world.coordinator, version=line.version, message="")
    rejected = services.reject_line(line, by=world.coordinator, version=line.version,
                                    message="Not agreed work")  # fmt: skip
    assert (rejected.status, rejected.message) == (Status.REJECTED, "Not agreed work")
    with pytest.raises(PayError, match="already decided: rejected"):
        approve(rejected, world.coordinator)
    with pytest.raises(PayError, match="can no longer be changed"):
        services.change_line(rejected, by=world.mentor, version=rejected.version, hours="1")
    assert AuditEntry.objects.filter(action="payments.line.rejected").count() == 1


def test_an_approval_not_yet_paid_can_still_be_queried(world: World) -> None:
    employ(world)
    line = approve(submitted(world, D(2026, 6, 1)), world.coordinator)
    queried = services.query_line(line, by=world.org_coordinator, version=line.version,
                                  message="Wrong date?")  # fmt: skip
    assert queried.status == Status.QUERIED


# --- Frozen once in a payment run -------------------------------------------------------------


def test_a_line_in_a_payment_run_is_frozen(world: World) -> None:
    employ(world)
    line = approve(submitted(world, D(2026, 6, 1)), world.coordinator)
    in_run(world, line, number=3)
    frozen = "already in payment run 3; add a correction instead"
    with pytest.raises(PayError, match=frozen):
        services.query_line(line, by=world.coordinator, version=line.version, message="?")
    with pytest.raises(PayError, match=frozen):
        services.reject_line(line, by=world.coordinator, version=line.version, message="No")
    with pytest.raises(PayError, match=frozen):
        services.change_line(line, by=world.mentor, version=line.version, hours="1")
    with pytest.raises(PayError, match=frozen):
        services.remove_line(line, by=world.mentor)
    line.refresh_from_db()
    assert (line.status, line.hours) == (Status.APPROVED, Decimal(2))


# --- Many coordinators at once (PostgreSQL) ---------------------------------------------------

TRIES = 50


def _race(attempt: Any) -> list[str]:
    barrier, outcomes = threading.Barrier(TRIES), []

    def run() -> None:
        try:
            with time_machine.travel(NOW, tick=False):
                barrier.wait()
                attempt()
            outcomes.append("approved")
        except PayError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(TRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_fifty_coordinators_approving_at_once_approve_once(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1))
    outcomes = _race(lambda: services.approve_line(line, by=world.coordinator,
                                                   version=line.version))  # fmt: skip
    assert outcomes.count("approved") == 1 and outcomes.count("refused") == TRIES - 1
    assert AuditEntry.objects.filter(action="payments.line.approved").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_control_without_the_lock_approves_many_times(world: World) -> None:
    """The same race with a naive read-check-write: many approvals get through, so the test
    above passes because of the lock, not by luck."""
    line = submitted(world, D(2026, 6, 1))

    def naive() -> None:
        with transaction.atomic():
            seen = Line.objects.get(pk=line.pk)
            if seen.status != Status.SUBMITTED:
                raise PayError("already decided")
            time.sleep(0.05)  # the time a real approval spends pricing and checking
            Line.objects.filter(pk=line.pk).update(status=Status.APPROVED)

    outcomes = _race(naive)
    assert outcomes.count("approved") > 1
