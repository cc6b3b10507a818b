"""Authenticated encryption for special-category data, with rotatable keys.

Keys come from ``FIELD_ENCRYPTION_KEYS`` (comma-separated Fernet keys, newest first). Data is
encrypted with the first key; any listed key decrypts, so a new key can be added in front and
``manage.py rotate_encryption_keys`` re-encrypts everything before the old one is removed.
Fernet is AES-128-CBC with an HMAC-SHA256 tag: tampered data fails to decrypt.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

#: Every model with a column encrypted here, and that column: ``rotate_encryption_keys``
#: re-encrypts them all. Apps register theirs in ``AppConfig.ready()`` (``register_encrypted``),
#: so privacy learns no app of the cycle by name.
ENCRYPTED: dict[str, tuple[type[models.Model], str]] = {}


class DecryptionError(Exception):
    """The data was tampered with, or none of the configured keys opens it."""


def _fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


@functools.lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    # Built once per set of keys, not per value: erasure and key rotation open every value.
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, Any]:
    try:
        return dict(json.loads(_fernet().decrypt(token.encode())))
    except InvalidToken as error:
        raise DecryptionError("Cannot decrypt: tampered data or unknown key.") from error


def rotate(token: str) -> str:
    """The same data, encrypted with the newest key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("Cannot rotate: tampered data or unknown key.") from error


def generate_key() -> str:
    return Fernet.generate_key().decode()


def register_encrypted(model: type[models.Model], field: str = "ciphertext") -> None:
    """Declare a column encrypted with ``encrypt``, so key rotation reaches it."""
    ENCRYPTED[model._meta.label] = (model, field)
