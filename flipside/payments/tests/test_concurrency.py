"""Paid exactly once: fifty coordinators collecting the same approved lines at the same moment
put each line in exactly one run. The control takes the lock away and shows lines counted
twice, so the first test cannot pass by accident.

PostgreSQL only: SQLite runs one writing transaction at a time, so the race cannot happen
there (and ``select_for_update`` does nothing)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from conftest import World, bulk_members
from flipside.payments.checks import check_money
from flipside.payments.models import Line, PaymentRun
from flipside.payments.services import PayError
from flipside.payments.services import runs as services
from flipside.payments.services.rates import pay_settings_of

from .test_runs import make_line

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writing transaction at a time, so the race cannot happen there",
    ),
    pytest.mark.django_db(transaction=True),
]
ATTEMPTS = 50
NOTHING = "There are no approved lines waiting to be paid."


def waiting_cohort() -> tuple[World, Decimal]:
    """A cohort with 20 approved lines of 5 students waiting; their total."""
    world = World()
    people = [world.mentor, *bulk_members(world.cohort, "mentor", 4, name="Student")]
    for n in range(20):
        make_line(world.cohort, people[n % 5], hours=f"{n % 7 + 1}.25")
    pay_settings_of(world.cohort)  # made before the race, as any earlier page would
    total = Line.objects.filter(cohort=world.cohort).aggregate(n=Sum("amount"))["n"]
    return world, total


def race(attempts: int, action: Callable[[], Any]) -> list[str]:
    """Run ``action`` in ``attempts`` threads released at the same moment: "done" or the
    refusal of each."""
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            action()
            outcomes.append("done")
        except PayError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def counted_in_runs(world: World) -> Decimal:
    """The sum of the cohort's runs' totals: what payroll would be asked to pay."""
    found = PaymentRun.objects.filter(cohort=world.cohort).aggregate(n=Sum("amount"))["n"]
    return found or Decimal(0)


def test_fifty_coordinators_collecting_at_once_pay_every_line_exactly_once() -> None:
    world, total = waiting_cohort()
    coordinators = [world.coordinator, world.org_coordinator, world.cohort_coordinator]

    outcomes = race(
        ATTEMPTS,
        lambda: services.collect_run(
            world.cohort, by=coordinators[threading.get_ident() % len(coordinators)]
        ),
    )

    assert outcomes.count("done") == 1, outcomes
    assert outcomes.count(NOTHING) == ATTEMPTS - 1
    run = PaymentRun.objects.get(cohort=world.cohort)
    assert not Line.objects.filter(cohort=world.cohort, payment_run__isnull=True).exists()
    assert run.lines.count() == 20
    assert counted_in_runs(world) == run.amount == total
    assert check_money().problems == ()


def test_without_the_lock_collecting_at_once_counts_lines_twice() -> None:
    """The control: the same race with ``_locked=False`` (read the lines, then take them
    whatever happened meanwhile). Tried a few times, as a race may not show every time; it
    must show at least once, or the test above proves nothing."""
    for _try in range(5):
        world, total = waiting_cohort()
        outcomes = race(
            ATTEMPTS,
            lambda world=world: services.collect_run(  # type: ignore[misc]
                world.cohort, by=world.coordinator, _locked=False
            ),
        )
        assert not Line.objects.filter(cohort=world.cohort, payment_run__isnull=True).exists()
        if counted_in_runs(world) > total:
            break
    else:
        pytest.fail("Fifty unlocked collections never counted a line twice in five tries.")
    assert outcomes.count("done") > 1, outcomes
    # The selfcheck notices: a run's kept totals no longer match the lines it holds.
    assert any("kept as" in problem for problem in check_money().problems)


def test_coordinators_exporting_one_run_at_once_export_it_once() -> None:
    from flipside.privacy.models import AuditEntry

    world, _total = waiting_cohort()
    run = services.collect_run(world.cohort, by=world.coordinator)
    outcomes = race(20, lambda: services.export_run(run, by=world.coordinator))
    assert outcomes == ["done"] * 20  # each is shown the exported run
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.EXPORTED and run.version == 2
    assert AuditEntry.objects.filter(action="payments.run.exported").count() == 1
