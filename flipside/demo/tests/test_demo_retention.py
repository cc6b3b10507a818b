"""Retention over the demo: the first run removes what is already due (the paid lines'
descriptions, the journals of the pair that ended early last winter), keeps the money adding
up, and leaves nothing overdue; the second finds nothing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from flipside.lib.background import invariants
from flipside.privacy import retention
from flipside.privacy.models import DeletionRecord

pytestmark = pytest.mark.django_db


def test_retention_over_the_demo_removes_what_is_due_then_finds_nothing(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    due = {o.rule.key: o.eligible for o in retention.run(dry_run=True)}
    assert not DeletionRecord.objects.exists()

    first = {o.rule.key: o for o in retention.run()}

    assert {key: o.eligible for key, o in first.items()} == due
    assert first["payments.minimise_paid_lines"].removed  # the closed year was paid
    records = DeletionRecord.objects.all()
    assert sum(r.eligible for r in records) == sum(due.values())
    assert all(r.eligible == r.count + r.held for r in records)
    assert sum(o.eligible for o in retention.run()) == 0
    problems = [p for i in invariants() for p in i.check().problems]
    assert problems == []
