from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from conftest import World
from flipside.privacy import crypto
from flipside.privacy.models import EqualityRecord
from flipside.privacy.services import save_equality_answers


def test_encrypted_data_reads_back_and_hides_its_content() -> None:
    token = crypto.encrypt({"ethnicity": "black", "note": "SENTINEL-ANSWER"})
    assert "SENTINEL" not in token and "black" not in token
    assert crypto.decrypt(token) == {"ethnicity": "black", "note": "SENTINEL-ANSWER"}


def test_tampered_data_is_refused() -> None:
    token = crypto.encrypt({"a": 1})
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered)


def test_data_under_an_unknown_key_is_refused(settings: Any) -> None:
    token = crypto.encrypt({"a": 1})
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_rotation_moves_every_record_to_the_new_key(world: World, settings: Any) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    save_equality_answers(
        world.mentor,
        world.cohort,
        answers={"disability": "yes"},
        consent=True,
        asked=["disability"],
    )
    new_key = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=StringIO())
    record = EqualityRecord.objects.get()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can now be removed
    assert crypto.decrypt(record.ciphertext) == {"disability": "yes"}
    assert Fernet(new_key.encode()).decrypt(record.ciphertext.encode())
