"""``manage.py privacy_documents``: write docs/privacy/record-of-processing.md and
docs/privacy/dpia.md from the data inventory; with ``--check``, change nothing and fail if
the committed documents differ from what the inventory gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from flipside.privacy.documents import documents


class Command(BaseCommand):
    help = (
        "Write the record of processing and the DPIA's starting document from the data inventory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the documents differ from what the inventory gives.",
        )
        parser.add_argument(
            "--directory",
            default=str(Path(settings.BASE_DIR) / "docs" / "privacy"),
            help="Where the documents are (default: docs/privacy).",
        )

    def handle(self, *args: Any, check: bool, directory: str, **options: Any) -> None:
        folder = Path(directory)
        stale = []
        for name, text in documents().items():
            path = folder / name
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current == text:
                continue
            stale.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"Wrote {path}")
        if check and stale:
            names = ", ".join(str(p) for p in stale)
            raise CommandError(
                f"{names} no longer match the data inventory. Run: python manage.py "
                f"privacy_documents"
            )
        if not stale:
            self.stdout.write("The privacy documents match the data inventory.")
