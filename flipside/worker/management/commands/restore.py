"""Put an encrypted backup back as the whole database, checking every table afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from flipside.worker.backups import services
from flipside.worker.backups.sealed import BackupError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`. Stop the site and workers first. "
        "Refuses a database that holds data unless --yes is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file")
        parser.add_argument(
            "--yes", action="store_true", help="replace a database that already holds data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restored = services.restore_backup(options["path"], replace=options["yes"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {restored.tables} tables ({restored.rows:,} rows) from the backup made "
            f"{restored.manifest['created_at']}; every table's row count and checksum match it."
        )
        for line in restored.steps:
            self.stdout.write(line)
        if restored.migrations_behind:
            self.stdout.write(
                f"The backup is {len(restored.migrations_behind)} migrations behind this code: "
                "run `manage.py migrate` before starting the site."
            )
