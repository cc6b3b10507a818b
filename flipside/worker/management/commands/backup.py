"""Write an encrypted backup of the database, or check one without restoring it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from flipside.worker.backups import services
from flipside.worker.backups.sealed import BackupError


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of the whole database (key: BACKUP_ENCRYPTION_KEYS), or "
        "check one with --verify. Safe while the site runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="the file to write (default: flipside-<time>.backup)"
        )
        parser.add_argument(
            "--verify", type=Path, metavar="PATH", help="check this backup; restore nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["verify"]:
                manifest = services.verify_backup(options["verify"])
                self.stdout.write(f"{options['verify']} is intact: {_summary(manifest)}.")
                return
            output = options["output"] or Path(services.default_name())
            manifest = services.make_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = output.stat().st_size
        self.stdout.write(f"Backed up {_summary(manifest)} to {output} ({size:,} bytes).")


def _summary(manifest: dict[str, Any]) -> str:
    tables = manifest["tables"]
    rows = sum(table["rows"] for table in tables.values())
    return (
        f"{len(tables)} tables, {rows:,} rows, {services.VENDORS[manifest['vendor']]}, "
        f"made {manifest['created_at']}"
    )
