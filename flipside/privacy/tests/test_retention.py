"""The retention job: schedules within bounds, the audit log deleted from its oldest end with
the chain still whole, holds, the dry run, the deletion log and selfcheck's overdue check."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from conftest import World, make_scheme
from flipside.lib import background
from flipside.lib.dates import add_months
from flipside.privacy import audit, retention
from flipside.privacy.models import AuditChainHead, AuditEntry, DeletionRecord, LegalHold
from flipside.privacy.models import RetentionSchedule as Schedule

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2029, 6, 15, 12, tzinfo=datetime.UTC)
TWO_YEARS_AGO = datetime.datetime(2027, 6, 15, 12, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def entry_at(when: datetime.datetime, actor: object, scheme: object) -> AuditEntry:
    with time_machine.travel(when, tick=False):
        return audit.record(actor, "schemes.scheme.updated", scheme)


def test_months_are_calendar_months_and_pay_goes_after_the_tax_year_and_six_more() -> None:
    assert add_months(NOW, -24) == TWO_YEARS_AGO
    end_of_march = datetime.datetime(2027, 3, 31, tzinfo=datetime.UTC)
    assert add_months(end_of_march, -1).date() == datetime.date(2027, 2, 28)
    # Paid on 1 May 2020: its tax year ends 5 April 2021, so it may go from 6 April 2027.
    assert retention.tax_year_cutoff(datetime.date(2027, 4, 5), 6) < datetime.date(2020, 5, 1)
    assert retention.tax_year_cutoff(datetime.date(2027, 4, 6), 6) >= datetime.date(2020, 5, 1)
    assert retention.tax_year_cutoff(datetime.date(2027, 4, 6), 6) < datetime.date(2021, 4, 6)


def test_the_model_defaults_are_the_schedule_defaults_and_pay_cannot_go_below_six_years() -> None:
    scheme = make_scheme()
    row = Schedule.objects.create(scheme=scheme)
    assert {p.field: getattr(row, p.field) for p in retention.PERIODS} == {
        p.field: p.default for p in retention.PERIODS
    }
    payments = retention.PERIOD_BY_FIELD["payments_years"]
    assert payments.minimum == payments.default == 6
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.filter(pk=row.pk).update(payments_years=5)


def test_old_audit_entries_go_from_the_oldest_end_and_the_chain_still_verifies(
    world: World,
) -> None:
    old = entry_at(TWO_YEARS_AGO - DAY, world.coordinator, world.scheme)
    also_old = entry_at(TWO_YEARS_AGO - DAY / 2, world.coordinator, world.scheme)
    kept = entry_at(TWO_YEARS_AGO + DAY, world.coordinator, world.scheme)

    outcomes = {o.rule.key: o for o in retention.run(NOW)}

    audit_outcome = outcomes["privacy.audit_log"]
    assert (audit_outcome.removed, audit_outcome.held) == ([old.pk, also_old.pk], [])
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    assert AuditChainHead.objects.get().start_hash == kept.prev_hash
    assert audit.verify_chain() == []
    record = DeletionRecord.objects.get(label="privacy.AuditEntry")
    assert (record.ids, record.count, record.eligible, record.reason) == (
        [old.pk, also_old.pk],
        2,
        2,
        "audit",
    )
    # Idempotent: a second run finds nothing due and writes nothing.
    again = {o.rule.key: o for o in retention.run(NOW)}
    assert again["privacy.audit_log"].eligible == 0
    assert DeletionRecord.objects.count() == 1


def test_removing_an_old_entry_by_hand_still_breaks_the_chain(world: World) -> None:
    first = entry_at(TWO_YEARS_AGO - DAY, world.coordinator, world.scheme)
    entry_at(TWO_YEARS_AGO + DAY, world.coordinator, world.scheme)
    AuditEntry.objects.filter(pk=first.pk).delete()
    assert audit.verify_chain() != []


def test_a_hold_on_a_person_keeps_their_entry_and_every_later_one(world: World) -> None:
    old = entry_at(TWO_YEARS_AGO - 3 * DAY, world.coordinator, world.scheme)
    held = entry_at(TWO_YEARS_AGO - 2 * DAY, world.org_coordinator, world.scheme)
    after = entry_at(TWO_YEARS_AGO - DAY, world.coordinator, world.scheme)
    LegalHold.objects.create(user=world.org_coordinator, reason="Tribunal", placed_by=world.nobody)

    outcome = {o.rule.key: o for o in retention.run(NOW)}["privacy.audit_log"]

    assert (outcome.removed, outcome.held) == ([old.pk], [held.pk, after.pk])
    assert set(AuditEntry.objects.values_list("pk", flat=True)) >= {held.pk, after.pk}
    assert audit.verify_chain() == []
    record = DeletionRecord.objects.get(label="privacy.AuditEntry")
    assert (record.count, record.held, record.eligible, record.held_ids) == (
        1,
        2,
        3,
        [held.pk, after.pk],
    )


def test_the_audit_log_is_kept_as_long_as_the_longest_schedule_asks(world: World) -> None:
    old = entry_at(TWO_YEARS_AGO - DAY, world.coordinator, world.scheme)
    Schedule.objects.create(scheme=world.other_scheme, audit_months=36)
    outcome = {o.rule.key: o for o in retention.run(NOW)}["privacy.audit_log"]
    assert outcome.eligible == 0
    assert AuditEntry.objects.filter(pk=old.pk).exists()


def test_a_dry_run_says_what_is_due_and_writes_nothing_not_even_the_log(world: World) -> None:
    old = entry_at(TWO_YEARS_AGO - DAY, world.coordinator, world.scheme)
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("retention", "--dry-run", stdout=out)
    assert "privacy.audit_log: 1 eligible, 1 deleted, 0 held" in out.getvalue()
    assert "Nothing changed" in out.getvalue()
    assert AuditEntry.objects.filter(pk=old.pk).exists()
    assert not DeletionRecord.objects.exists()

    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("retention", stdout=out)
    assert "privacy.audit_log: 1 eligible, 1 deleted, 0 held" in out.getvalue()
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert DeletionRecord.objects.count() == 1


def test_the_job_runs_daily_and_selfcheck_reports_rows_overdue_unless_held(world: World) -> None:
    job = next(j for j in background.scheduled_jobs() if j.name == "privacy.retention")
    assert job.every == DAY
    check = next(i for i in background.invariants() if i.key == "retention").check
    entry_at(TWO_YEARS_AGO - DAY, world.coordinator, world.scheme)
    with time_machine.travel(NOW, tick=False):
        assert check().problems == ()  # one day late: within the job's grace
    with time_machine.travel(NOW + 2 * DAY, tick=False):
        assert check().problems == ("privacy.audit_log: 1 rows overdue",)
        hold = LegalHold.objects.create(user=world.coordinator, reason="Claim", placed_by=None)
        assert check().problems == ()
        hold.delete()
        job.run(NOW + 2 * DAY)
        assert check().problems == ()


def test_equality_answers_go_two_years_after_the_cohort_closes(world: World) -> None:
    from flipside.privacy.models import EqualityRecord
    from flipside.schemes.models import Stage

    closed = datetime.datetime(2027, 6, 20, 12, tzinfo=datetime.UTC)
    world.cohort.stage, world.cohort.stage_changed_at = Stage.CLOSED, closed
    world.cohort.save()
    answers = EqualityRecord.objects.create(
        user=world.mentor, cohort=world.cohort, consented_at=closed, notice_version="1",
        ciphertext="x",
    )  # fmt: skip
    held = EqualityRecord.objects.create(
        user=world.mentee, cohort=world.cohort, consented_at=closed, notice_version="1",
        ciphertext="y",
    )  # fmt: skip
    LegalHold.objects.create(user=world.mentee, reason="Claim", placed_by=None)
    due = closed + datetime.timedelta(days=730)

    assert {o.rule.key: o for o in retention.run(due - DAY)}[
        "privacy.equality_answers"
    ].eligible == 0
    outcome = {o.rule.key: o for o in retention.run(due + DAY)}["privacy.equality_answers"]

    assert (outcome.removed, outcome.held) == ([answers.pk], [held.pk])
    assert list(EqualityRecord.objects.values_list("pk", flat=True)) == [held.pk]


def test_an_old_entry_written_after_a_newer_one_waits_so_the_chain_has_no_gap(
    world: World,
) -> None:
    first = entry_at(TWO_YEARS_AGO - 3 * DAY, world.coordinator, world.scheme)
    recent = entry_at(TWO_YEARS_AGO + DAY, world.coordinator, world.scheme)
    late = entry_at(TWO_YEARS_AGO - 2 * DAY, world.coordinator, world.scheme)  # clock behind

    outcome = {o.rule.key: o for o in retention.run(NOW)}["privacy.audit_log"]

    assert outcome.removed == [first.pk]
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk, late.pk]
    assert audit.verify_chain() == []


def _tax_year_end(day: datetime.date) -> datetime.date:
    """The 5 April that ends the tax year ``day`` falls in, counted the long way."""
    end = datetime.date(day.year, 4, 5)
    return end if day <= end else datetime.date(day.year + 1, 4, 5)


@given(
    paid=st.dates(datetime.date(2000, 1, 1), datetime.date(2060, 12, 31)),
    today=st.dates(datetime.date(2000, 1, 1), datetime.date(2080, 12, 31)),
    years=st.integers(6, 10),
)
def test_a_payment_is_due_exactly_once_its_tax_year_and_the_years_after_are_over(
    paid: datetime.date, today: datetime.date, years: int
) -> None:
    end = _tax_year_end(paid)
    kept_until = end.replace(year=end.year + years)
    assert (paid <= retention.tax_year_cutoff(today, years)) == (today > kept_until)
