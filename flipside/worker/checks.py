"""System checks of the backup keys (``manage.py check`` runs them, and so does every start)."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


def backup_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    keys = list(getattr(settings, "BACKUP_ENCRYPTION_KEYS", []))
    errors: list[checks.CheckMessage] = []
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                checks.Error(
                    f"Key {number} of BACKUP_ENCRYPTION_KEYS is not a Fernet key.",
                    hint="Generate one with Fernet.generate_key() (see docs/deployment.md).",
                    id="worker.E001",
                )
            )
    if set(keys) & set(settings.FIELD_ENCRYPTION_KEYS):
        errors.append(
            checks.Error(
                "A key in BACKUP_ENCRYPTION_KEYS is also in FIELD_ENCRYPTION_KEYS.",
                hint="Backups need keys of their own, so that a backup and its key do not "
                "also open the encrypted fields inside it.",
                id="worker.E002",
            )
        )
    return errors
