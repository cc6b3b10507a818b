"""Re-encrypt every encrypted column (equality records, journal entries: whatever the apps
registered with ``crypto.register_encrypted``) with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old one after it), restart,
run this command, then remove the old key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from flipside.privacy import crypto


class Command(BaseCommand):
    help = "Re-encrypt special-category data with the newest key."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        for model, field in crypto.ENCRYPTED.values():
            for pk in model._default_manager.values_list("pk", flat=True).iterator():
                with transaction.atomic():
                    row = model._default_manager.select_for_update().get(pk=pk)
                    setattr(row, field, crypto.rotate(getattr(row, field)))
                    row.save(update_fields=[field])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} records with the newest key.")
