"""``manage.py backup`` and ``restore``: encrypted, checked table by table, refusing anything
that would lose data. Each test commits its data (backups read what is committed), on SQLite
and on PostgreSQL alike."""

from __future__ import annotations

import shutil
import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from conftest import World, make_user
from flipside.accounts.models import User
from flipside.lib import background
from flipside.privacy import crypto
from flipside.privacy.audit import verify_chain
from flipside.worker.backups import sealed, services
from flipside.worker.checks import backup_keys

pytestmark = pytest.mark.django_db(transaction=True)

KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _keys(settings: Any) -> None:
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("PostgreSQL's client tools (pg_dump, pg_restore) are not installed")
    settings.BACKUP_ENCRYPTION_KEYS = [KEY]


def backup(path: Path) -> str:
    out = StringIO()
    call_command("backup", "--output", str(path), stdout=out)
    return out.getvalue()


def restore(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("restore", str(path), *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def encrypted_values() -> dict[tuple[str, int], dict[str, Any]]:
    """Every value encrypted with the field keys, decrypted."""
    return {
        (label, row.pk): crypto.decrypt(getattr(row, column))
        for label, (model, column) in crypto.ENCRYPTED.items()
        for row in model._default_manager.all()
        if getattr(row, column)
    }


def test_the_demo_survives_backup_and_restore_into_an_empty_database(
    tmp_path: Path, settings: Any
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    counts, tables = row_counts(), services.describe_database()
    sealed_fields = encrypted_values()
    assert counts["accounts.User"] > 20 and sealed_fields

    said = backup(tmp_path / "demo.backup")
    assert f"{len(tables)} tables" in said
    call_command("flush", interactive=False)
    assert not User.objects.exists()

    said = restore(tmp_path / "demo.backup")

    assert "every table's row count and checksum match" in said
    assert row_counts() == counts
    assert services.describe_database() == tables
    assert verify_chain() == []
    assert encrypted_values() == sealed_fields  # and they still open with the field keys


def test_a_backup_file_shows_nothing_of_the_data_and_verifies_without_restoring(
    tmp_path: Path, world: World
) -> None:
    make_user("Zebedee Sentinel-Quokka", email="sentinel.quokka@example.ac.uk")
    said = backup(tmp_path / "site.backup")
    content = (tmp_path / "site.backup").read_bytes()
    assert content.startswith(sealed.MAGIC)
    for secret in [b"Sentinel-Quokka", b"sentinel.quokka", b"Faculty of Medicine", b"CREATE"]:
        assert secret not in content
    assert "Sentinel" not in said and "sentinel" not in said
    assert (tmp_path / "site.backup").stat().st_mode & 0o777 == 0o600

    make_user("Added After")
    out = StringIO()
    call_command("backup", "--verify", str(tmp_path / "site.backup"), stdout=out)
    assert "is intact" in out.getvalue()
    assert User.objects.filter(display_name="Added After").exists()


def test_restoring_over_data_needs_yes_and_then_replaces_everything(
    tmp_path: Path, world: World
) -> None:
    backup(tmp_path / "site.backup")
    tables = services.describe_database()
    make_user("Added After", email="added.after@example.ac.uk")

    with pytest.raises(CommandError, match="already holds data .*Nothing was restored"):
        restore(tmp_path / "site.backup")
    assert User.objects.filter(email="added.after@example.ac.uk").exists()

    restore(tmp_path / "site.backup", "--yes")
    assert not User.objects.filter(email="added.after@example.ac.uk").exists()
    assert services.describe_database() == tables


def test_a_backup_taken_while_people_write_is_one_consistent_state(
    tmp_path: Path, world: World
) -> None:
    writing, stop = threading.Event(), threading.Event()

    def write() -> None:
        try:
            while not stop.is_set():
                make_user()
                writing.set()
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        writing.wait(timeout=30)
        manifest = services.make_backup(tmp_path / "busy.backup")
    finally:
        stop.set()
        thread.join()
    assert User.objects.count() > manifest["tables"]["accounts_user"]["rows"]

    # The restore compares every table with the manifest: the dump and the figures must
    # describe one and the same moment, however busy the site was.
    restore(tmp_path / "busy.backup", "--yes")
    assert User.objects.count() == manifest["tables"]["accounts_user"]["rows"]


def tampered(path: Path, how: str) -> None:
    content = bytearray(path.read_bytes())
    if how == "manifest":
        content[len(sealed.MAGIC) + 40] ^= 1
    elif how == "data":
        content[len(content) // 2] ^= 1
    elif how == "truncated":
        del content[-200:]
    elif how == "extended":
        content += content[-200:]
    path.write_bytes(bytes(content))


def test_a_changed_backup_is_refused_and_the_database_is_left_as_it_was(
    tmp_path: Path, world: World
) -> None:
    backup(tmp_path / "site.backup")
    make_user("Added After")
    before = services.describe_database()
    for how in ["manifest", "data", "truncated", "extended"]:
        shutil.copy(tmp_path / "site.backup", tmp_path / how)
        tampered(tmp_path / how, how)

        with pytest.raises(CommandError, match="changed|damaged|incomplete|another key"):
            restore(tmp_path / how, "--yes")
        with pytest.raises(CommandError, match="changed|damaged|incomplete|another key"):
            call_command("backup", "--verify", str(tmp_path / how))
        assert services.describe_database() == before, how


def test_data_that_does_not_match_its_manifest_is_reported(tmp_path: Path, world: World) -> None:
    # Only someone holding the key could write such a file: the check catches a fault in
    # the copy itself, table by table.
    backup(tmp_path / "site.backup")
    with (tmp_path / "site.backup").open("rb") as source:
        reader = sealed.Reader(source)
        manifest, data = reader.manifest, list(reader.data())
    manifest["tables"]["accounts_user"]["rows"] += 1
    with (tmp_path / "wrong.backup").open("wb") as out:
        sealed.write(out, manifest, data)
    make_user("Added After")
    before = services.describe_database()

    if connection.vendor == "sqlite":  # the copy is checked before it is restored
        with pytest.raises(CommandError, match="does not match its manifest: accounts_user"):
            restore(tmp_path / "wrong.backup", "--yes")
        assert services.describe_database() == before
    else:  # a dump can only be counted once restored
        with pytest.raises(CommandError, match="differs from it in: accounts_user has"):
            restore(tmp_path / "wrong.backup", "--yes")


def test_a_backup_made_with_another_key_is_refused(
    tmp_path: Path, world: World, settings: Any
) -> None:
    backup(tmp_path / "site.backup")
    make_user("Added After")
    before = services.describe_database()
    settings.BACKUP_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match="cannot be opened with the keys"):
        restore(tmp_path / "site.backup", "--yes")
    assert services.describe_database() == before

    # Rotation: with the old key kept after the new one, the backup opens again.
    settings.BACKUP_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), KEY]
    restore(tmp_path / "site.backup", "--yes")
    assert not User.objects.filter(display_name="Added After").exists()


def test_a_backup_from_newer_code_is_refused(tmp_path: Path, world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('privacy', '9999_from_the_future', CURRENT_TIMESTAMP)"
        )
    backup(tmp_path / "newer.backup")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE name = '9999_from_the_future'")
    make_user("Added After")
    before = services.describe_database()

    with pytest.raises(CommandError, match=r"newer version .*privacy\.9999_from_the_future"):
        restore(tmp_path / "newer.backup", "--yes")
    assert services.describe_database() == before


def test_a_backup_of_an_older_database_says_to_migrate(tmp_path: Path, world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'ideas'")
    backup(tmp_path / "older.backup")
    said = restore(tmp_path / "older.backup", "--yes")
    assert "migrations behind this code: run `manage.py migrate`" in said
    call_command("migrate", "ideas", fake=True, verbosity=0)  # leave the database whole


def test_steps_registered_to_follow_a_restore_run_with_the_backup_time_and_must_succeed(
    tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "_RESTORE_STEPS", {})
    seen: dict[str, Any] = {}

    def keep() -> object:
        return User.objects.filter(display_name="Added After").count()

    def replay(made_at: Any, kept: object) -> str:
        seen.update(
            made_at=made_at, kept=kept, now=User.objects.filter(display_name="Added After").count()
        )
        return "Replayed 0 erasures."

    background.register_restore_step(key="test.replay", keep=keep, replay=replay)
    manifest = services.make_backup(tmp_path / "site.backup")
    make_user("Added After")

    said = restore(tmp_path / "site.backup", "--yes")

    assert "Replayed 0 erasures." in said
    assert seen["made_at"].isoformat() == manifest["created_at"]
    assert seen["kept"] == 1  # read before the restore replaced the database
    assert seen["now"] == 0  # and the replay saw the restored one

    def failing(made_at: Any, kept: object) -> str:
        raise ValueError("Could not erase sentinel.quokka@example.ac.uk")

    monkeypatch.setattr(background, "_RESTORE_STEPS", {})
    background.register_restore_step(key="test.replay", replay=failing)
    with pytest.raises(CommandError, match="step 'test.replay' .* failed .*Do not start") as error:
        restore(tmp_path / "site.backup", "--yes")
    assert "sentinel" not in str(error.value)


@pytest.mark.django_db  # refused before any data is read
def test_a_backup_is_not_written_over_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "site.backup").write_bytes(b"yesterday's backup")
    with pytest.raises(CommandError, match="already exists"):
        backup(tmp_path / "site.backup")
    assert (tmp_path / "site.backup").read_bytes() == b"yesterday's backup"
    assert list(tmp_path.iterdir()) == [tmp_path / "site.backup"]


@pytest.mark.django_db  # refused before any data is read
def test_without_a_key_no_backup_is_written(tmp_path: Path, settings: Any) -> None:
    settings.BACKUP_ENCRYPTION_KEYS = []
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEYS is not set"):
        backup(tmp_path / "site.backup")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db  # reads no data: no need to commit any
def test_a_backup_key_must_not_be_a_field_key(settings: Any) -> None:
    with override_settings(BACKUP_ENCRYPTION_KEYS=[settings.FIELD_ENCRYPTION_KEYS[0]]):
        assert [error.id for error in backup_keys()] == ["worker.E002"]
    with override_settings(BACKUP_ENCRYPTION_KEYS=["not-a-key"]):
        assert [error.id for error in backup_keys()] == ["worker.E001"]
    assert backup_keys() == []
