"""A report's document is an operational record: deleted with its file 90 days after the
worker finished it, unless a hold covers its scheme or the person who asked for it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from flipside.privacy import retention
from flipside.privacy.models import DeletionRecord, LegalHold
from flipside.reports.models import ReportDocument

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2028, 3, 1, 12, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
Status = ReportDocument.Status


def document(world: Any, status: str, finished: datetime.datetime | None) -> ReportDocument:
    return ReportDocument.objects.create(
        cohort=world.cohort, kind="pdf", requested_by=world.coordinator, status=status,
        finished_at=finished, content=b"%PDF-" if status == Status.DONE else None,
    )  # fmt: skip


def outcome() -> retention.Outcome:
    return {o.rule.key: o for o in retention.run(NOW)}["reports.documents"]


def test_finished_documents_go_ninety_days_after_they_were_made(world: Any) -> None:
    old = document(world, Status.DONE, NOW - 91 * DAY)
    failed = document(world, Status.FAILED, NOW - 91 * DAY)
    recent = document(world, Status.DONE, NOW - 89 * DAY)
    waiting = document(world, Status.QUEUED, None)

    assert sorted(outcome().removed) == sorted([old.pk, failed.pk])
    assert sorted(ReportDocument.objects.values_list("pk", flat=True)) == sorted(
        [recent.pk, waiting.pk]
    )
    logged = DeletionRecord.objects.get(label="reports.ReportDocument")
    assert logged.count == 2 and logged.reason == "operations"


def test_a_hold_on_the_scheme_keeps_its_documents(world: Any) -> None:
    old = document(world, Status.DONE, NOW - 200 * DAY)
    LegalHold.objects.create(reason="Claim", scheme=world.scheme, placed_by=world.org_coordinator)
    assert outcome().held == [old.pk]
    assert ReportDocument.objects.filter(pk=old.pk).exists()
