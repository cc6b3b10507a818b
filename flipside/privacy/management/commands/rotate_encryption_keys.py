"""Re-encrypt every equality record with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old one after it), restart,
run this command, then remove the old key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from flipside.privacy import crypto
from flipside.privacy.models import EqualityRecord


class Command(BaseCommand):
    help = "Re-encrypt special-category data with the newest key."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        for pk in EqualityRecord.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                record = EqualityRecord.objects.select_for_update().get(pk=pk)
                record.ciphertext = crypto.rotate(record.ciphertext)
                record.save(update_fields=["ciphertext"])
            rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} records with the newest key.")
