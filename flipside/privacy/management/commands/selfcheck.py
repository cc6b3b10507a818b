"""Check the invariants that say nothing was lost or tampered with. Exit 1 if any fails."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from flipside.notifications import outbox
from flipside.notifications.models import OutboxMessage
from flipside.privacy.audit import verify_chain

STUCK_AFTER = datetime.timedelta(hours=1)


class Command(BaseCommand):
    help = "Verify the audit chain and the email outbox; exit 1 on any problem."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = []
        breaks = verify_chain()
        if breaks:
            problems.append(f"audit chain broken at entries {breaks[:20]}")
        counts = outbox.counts()
        total = OutboxMessage.objects.count()
        if sum(counts.values()) != total:
            problems.append(f"outbox: {total} messages but states add up to {sum(counts.values())}")
        stuck = OutboxMessage.objects.filter(
            status=OutboxMessage.Status.SENDING, lease_expires_at__lt=timezone.now() - STUCK_AFTER
        ).count()
        if stuck:
            problems.append(f"outbox: {stuck} messages claimed by a dead worker for over an hour")
        self.stdout.write(
            f"Audit entries chained: {'yes' if not breaks else 'NO'}. Outbox: "
            + ", ".join(f"{n} {state}" for state, n in counts.items())
        )
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write("All invariants hold.")
