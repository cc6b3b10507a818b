from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import World
from flipside.lib import background
from flipside.notifications.models import OutboxMessage
from flipside.privacy import audit
from flipside.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_selfcheck_passes_on_healthy_data(world: World) -> None:
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    out = StringIO()
    call_command("selfcheck", stdout=out)
    assert "All invariants hold." in out.getvalue()


def test_selfcheck_fails_on_a_tampered_audit_log(world: World) -> None:
    entry = audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    AuditEntry.objects.filter(pk=entry.pk).update(action="b")
    with pytest.raises(CommandError, match="audit chain broken"):
        call_command("selfcheck", stdout=StringIO())


def test_selfcheck_fails_on_email_abandoned_by_a_dead_worker(world: World) -> None:
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    OutboxMessage.objects.create(
        kind="invitation", to="a@example.ac.uk", subject="s", body_text="b", message_id="<1@t>",
        status="sending", claimed_by="dead", lease_expires_at=long_ago,
    )  # fmt: skip
    with pytest.raises(CommandError, match="dead worker"):
        call_command("selfcheck", stdout=StringIO())


def test_selfcheck_reports_each_registered_invariant_in_order(world: World) -> None:
    out = StringIO()
    call_command("selfcheck", stdout=out)
    first_line = out.getvalue().splitlines()[0]
    assert re.fullmatch(
        r"Cohorts' people kept in name order: yes\. Audit entries chained: yes\. "
        r"Rows overdue for retention: 0\. "
        r"Outbox: \d+ pending, \d+ sending, \d+ sent, \d+ failed\. "
        r"Readiness: \d+ cohorts' counts kept\. Pairs' mentors in their cohorts: yes\. "
        r"Pairs page: \d+ cohorts' figures kept\. Runs' scores counted: yes\. "
        r"Pairs' meeting facts: \d+ pairs' kept\. "
        r"Pairs' statuses: \d+ cohorts' counts kept\. "
        r"Pay adds up: yes \(\d+ approved lines, \d+ payment runs checked\)\. "
        r"Pay figures: \d+ cohorts' kept\. "
        r"Survey responses counted and unnamed: yes",
        first_line,
    )


def test_selfcheck_fails_when_any_registered_invariant_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> background.Verdict:
        return background.Verdict("Widgets: 2", ("widgets: 1 lost", "widgets: 1 doubled"))

    monkeypatch.setattr(background, "_INVARIANTS", dict(background._INVARIANTS))
    background.register_invariant(key="widgets", check=broken)
    out = StringIO()
    with pytest.raises(CommandError, match="^widgets: 1 lost; widgets: 1 doubled$"):
        call_command("selfcheck", stdout=out)
    assert out.getvalue().rstrip().endswith(". Widgets: 2")


def test_selfcheck_fails_on_rows_left_past_their_retention_period(world: World) -> None:
    long_ago = timezone.now() - datetime.timedelta(days=800)
    OutboxMessage.objects.create(
        kind="invitation", to="a@example.ac.uk", subject="s", body_text="b", message_id="<1@t>",
        status="sent", sent_at=long_ago,
    )  # fmt: skip
    with pytest.raises(CommandError, match="notifications.outbox: 1 rows overdue"):
        call_command("selfcheck", stdout=StringIO())
    call_command("retention", stdout=StringIO())
    call_command("selfcheck", stdout=StringIO())
