"""``manage.py retention``: remove what the retention schedule says is due now, as the daily
job does; with ``--dry-run``, say what is due and write nothing (not even the deletion log)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from flipside.privacy import retention


class Command(BaseCommand):
    help = "Delete, anonymise or minimise the records whose retention period is over."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what is due under each rule; change and log nothing.",
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        outcomes = retention.run(dry_run=dry_run)
        for outcome in outcomes:
            self.stdout.write(outcome.line())
        removed = sum(len(o.removed) for o in outcomes)
        held = sum(len(o.held) for o in outcomes)
        if dry_run:
            self.stdout.write(
                f"Dry run: {removed} rows would be removed, {held} held. Nothing changed."
            )
        else:
            self.stdout.write(f"{removed} rows removed, {held} held; the deletion log has the ids.")
