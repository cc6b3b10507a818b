"""An email's envelope is deleted a year after it was sent or gave up, unless its person is
held; a scheduled job's run 90 days after it started."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest

from conftest import World
from flipside.notifications.models import DeliveryAttempt, OutboxMessage
from flipside.privacy import retention
from flipside.privacy.models import DeletionRecord, LegalHold

pytestmark = pytest.mark.django_db

SENT = datetime.datetime(2027, 3, 10, 12, tzinfo=datetime.UTC)
DUE = SENT + datetime.timedelta(days=365)
DAY = datetime.timedelta(days=1)


def message(world: World, n: int, **values: object) -> OutboxMessage:
    return OutboxMessage.objects.create(
        kind="stage_changed", to=f"p{n}@example.ac.uk", scheme=world.scheme, subject="Update",
        message_id=f"<{n}@test>", **values,
    )  # fmt: skip


def outcome(now: datetime.datetime) -> retention.Outcome:
    return {o.rule.key: o for o in retention.run(now)}["notifications.outbox"]


def test_envelopes_go_a_year_after_sending_or_giving_up(world: World) -> None:
    sent = message(world, 1, status="sent", sent_at=SENT)
    failed = message(world, 2, status="failed", created_at=SENT - 5 * DAY)
    DeliveryAttempt.objects.create(
        message=failed, worker="w", started_at=SENT, finished_at=SENT, succeeded=False
    )
    pending = message(world, 3, status="pending", created_at=SENT - 5 * DAY)

    assert outcome(DUE - DAY).eligible == 0
    removed = outcome(DUE + DAY)

    assert sorted(removed.removed) == sorted([sent.pk, failed.pk])
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [pending.pk]
    assert not DeliveryAttempt.objects.exists()
    assert DeletionRecord.objects.get(label="notifications.OutboxMessage").count == 2


def test_a_held_persons_emails_are_kept_and_counted(world: World) -> None:
    held = message(world, 1, status="sent", sent_at=SENT, user=world.mentor)
    LegalHold.objects.create(user=world.mentor, reason="Complaint", placed_by=None)
    result = outcome(DUE + DAY)
    assert (result.removed, result.held) == ([], [held.pk])
    assert OutboxMessage.objects.filter(pk=held.pk).exists()


def test_scheduled_runs_go_ninety_days_after_they_started_and_the_slot_guard_still_holds() -> None:
    from django.core.management import call_command

    from flipside.notifications.models import ScheduledRun

    old = ScheduledRun.objects.create(job="example.job", slot=SENT, started_at=SENT)
    recent = ScheduledRun.objects.create(
        job="example.job", slot=SENT + 80 * DAY, started_at=SENT + 80 * DAY
    )
    found = {o.rule.key: o for o in retention.run(SENT + 91 * DAY)}
    assert found["notifications.scheduled_runs"].removed == [old.pk]
    assert list(ScheduledRun.objects.values_list("pk", flat=True)) == [recent.pk]
    # Today's jobs still run once a slot: only old slots' records went.
    call_command("run_schedules", stdout=StringIO())
    second = StringIO()
    call_command("run_schedules", stdout=second)
    assert second.getvalue().strip() == "Nothing was due."
