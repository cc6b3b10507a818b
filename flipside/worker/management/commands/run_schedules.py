"""Run the scheduled jobs that are due. Safe to call as often as you like (cron, systemd)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from flipside.notifications.schedules import run_due_jobs


class Command(BaseCommand):
    help = "Run due scheduled jobs once; each job runs at most once per slot."

    def handle(self, *args: Any, **options: Any) -> None:
        ran = run_due_jobs()
        self.stdout.write(f"Ran: {', '.join(ran)}" if ran else "Nothing was due.")
