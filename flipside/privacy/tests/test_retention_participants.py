"""Participant records two years after the cohort closes: each person whose every cohort
closed the scheme's period ago is anonymised as an erasure would (names replaced everywhere,
figures kept), in batches; a legal hold keeps them, counted; a person still in a later
cohort, or coordinating a scheme, is kept; the second run finds nobody."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from conftest import World, join, make_cohort
from flipside.lib.dates import add_months
from flipside.privacy import audit, erasure, retention
from flipside.privacy.models import AuditEntry, DeletionRecord, LegalHold
from flipside.schemes.models import Membership, Role, Stage

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2029, 6, 15, 12, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
TWO_YEARS_AGO = add_months(NOW, -24)


def close(cohort: object, at: datetime.datetime) -> None:
    type(cohort).objects.filter(pk=cohort.pk).update(  # type: ignore[attr-defined]
        stage=Stage.CLOSED, stage_changed_at=at
    )


def participants(outcomes: list[retention.Outcome]) -> retention.Outcome:
    return next(o for o in outcomes if o.rule.key == "privacy.participants")


def test_people_whose_cohorts_all_closed_two_years_ago_are_anonymised(world: World) -> None:
    close(world.cohort, TWO_YEARS_AGO - DAY)
    # The mentee also takes part in a later cohort, still running: kept.
    join(make_cohort(world.scheme, label="2028/29"), Role.MENTEE, world.mentee)
    # The observer's records are under a legal hold: kept, and counted as held.
    LegalHold.objects.create(user=world.observer, reason="Complaint", placed_by=world.coordinator)
    # Someone else's record that names the mentor in free text.
    with time_machine.travel(NOW - DAY, tick=False):  # recent enough for the audit log to keep
        audit.record(
            world.coordinator, "schemes.scheme.updated", world.scheme, note="Mo Mentor left"
        )

    outcome = participants(retention.run(NOW))

    assert sorted(outcome.removed) == sorted([world.mentor.pk, world.cohort_coordinator.pk])
    assert outcome.held == [world.observer.pk]
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == erasure.ERASED_NAME
    assert erasure.is_erased(world.mentor)
    world.mentee.refresh_from_db()
    assert world.mentee.display_name == "Prof Mena Mentee"
    world.coordinator.refresh_from_db()
    assert world.coordinator.display_name == "Cora Coordinator"  # coordinates the scheme
    # Figures kept: the memberships stay, now of an erased person.
    assert Membership.objects.filter(cohort=world.cohort).count() == 4
    # The name is gone from other people's records, and the chain still verifies.
    notes = [e.details.get("note") for e in AuditEntry.objects.filter(details__has_key="note")]
    assert notes == [f"{erasure.ERASED_NAME} left"]
    assert audit.verify_chain() == []
    record = DeletionRecord.objects.get(label="accounts.User", reason="participant")
    assert (record.count, record.held, record.eligible) == (2, 1, 3)
    # Idempotent: nobody new is due.
    again = participants(retention.run(NOW))
    assert (again.removed, again.held) == ([], [world.observer.pk])


def test_a_day_before_the_period_ends_nobody_is_due(world: World) -> None:
    close(world.cohort, TWO_YEARS_AGO + DAY)
    assert participants(retention.run(NOW, dry_run=True)).eligible == 0
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Mo Mentor"


def test_erasing_many_takes_batches_and_leaves_the_erased_and_the_held(world: World) -> None:
    people = [world.mentor.pk, world.mentee.pk, world.observer.pk]
    erasure.erase(world.mentee, by=world.org_coordinator, reference="ER-1")
    LegalHold.objects.create(user=world.observer, reason="Claim", placed_by=world.coordinator)
    before = AuditEntry.objects.filter(action=erasure.ERASED_ACTION).count()

    assert erasure.erase_many(people, by=None, reference="batch") == [world.mentor.pk]
    assert AuditEntry.objects.filter(action=erasure.ERASED_ACTION).count() == before + 1
    assert erasure.erase_many(people, by=None, reference="batch") == []
