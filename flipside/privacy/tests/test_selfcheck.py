from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import World
from flipside.notifications.models import OutboxMessage
from flipside.privacy import audit
from flipside.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_selfcheck_passes_on_healthy_data(world: World) -> None:
    audit.record(world.coordinator, "a", world.cohort)
    out = StringIO()
    call_command("selfcheck", stdout=out)
    assert "All invariants hold." in out.getvalue()


def test_selfcheck_fails_on_a_tampered_audit_log(world: World) -> None:
    entry = audit.record(world.coordinator, "a", world.cohort)
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
