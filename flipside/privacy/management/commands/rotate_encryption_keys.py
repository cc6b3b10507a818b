"""Re-encrypt every encrypted column (equality records, journal entries, concerns, access
needs: whatever the apps registered with ``crypto.register_encrypted``) with the newest key
in FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old one after it), restart,
run this command, then remove the old key. A record no configured key opens (tampered with,
or sealed with a key no longer listed) is named and left as it is; the others are still
re-encrypted, and the command then fails, so the old key is not removed by mistake.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from flipside.privacy import crypto


class Command(BaseCommand):
    help = "Re-encrypt special-category and confidential data with the newest key."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        unreadable = []
        for label, (model, field) in crypto.ENCRYPTED.items():
            for pk in model._default_manager.values_list("pk", flat=True).iterator():
                with transaction.atomic():
                    row = model._default_manager.select_for_update().get(pk=pk)
                    try:
                        setattr(row, field, crypto.rotate(getattr(row, field)))
                    except crypto.DecryptionError:
                        unreadable.append(f"{label} {pk} ({field})")
                        continue
                    row.save(update_fields=[field])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} records with the newest key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} records could not be decrypted with any configured key "
                "(tampered with, or sealed with a key no longer listed) and were left as they "
                "are: " + ", ".join(unreadable) + ". Keep the old keys until they are resolved."
            )
