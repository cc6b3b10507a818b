"""Check the invariants that say nothing was lost or tampered with (each app registers its
own: the audit chain, the email outbox…). Exit 1 if any fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from flipside.lib import background


class Command(BaseCommand):
    help = "Verify every registered invariant (audit chain, email outbox…); exit 1 on any problem."

    def handle(self, *args: Any, **options: Any) -> None:
        verdicts = [invariant.check() for invariant in background.invariants()]
        self.stdout.write(". ".join(verdict.summary for verdict in verdicts))
        problems = [problem for verdict in verdicts for problem in verdict.problems]
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write("All invariants hold.")
