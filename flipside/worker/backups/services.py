"""Making, verifying and restoring encrypted backups of the whole database.

A backup is made while the site runs: SQLite's online backup API or ``pg_dump`` reads one
consistent state, and the manifest sealed with it records, for that same state, every
table's row count and checksum and the migrations applied. A restore opens and checks the
whole file before it touches the database (a wrong key, a changed byte or a missing end
changes nothing), refuses a backup made by newer code or into a database that holds data
unless told to replace it, puts the backup back, counts and checksums every table again, and
then runs the steps apps register to follow a restore (``lib.background.RestoreStep``).
"""

from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from flipside.lib import background
from flipside.privacy.models import AuditChainHead
from flipside.worker.backups import postgres, sqlite
from flipside.worker.backups.sealed import FORMAT, BackupError, Reader, write

VENDORS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Restored:
    """What a restore did, for the operator: no data, only names and numbers."""

    manifest: dict[str, Any]
    tables: int
    rows: int
    migrations_behind: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


def default_name(now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    return f"flipside-{now.astimezone(datetime.UTC):%Y-%m-%dT%H%M%SZ}.backup"


def make_backup(output: Path, *, using: str = "default") -> dict[str, Any]:
    """Write an encrypted backup of the database to ``output`` (which must not exist yet) and
    return its manifest. The file appears only once complete, readable by its owner alone."""
    settings_dict, vendor = _database(using)
    if output.exists():
        raise BackupError(f"{output} already exists; choose another name.")
    with _private_directory() as work, _new_file(output) as out:
        if vendor == "sqlite":
            copy = work / "copy.sqlite3"
            sqlite.copy(sqlite.database_path(settings_dict), copy)
            found, applied = sqlite.describe(copy)
            manifest = _manifest(vendor, found, applied, compressed=True)
            write(out, manifest, sqlite.compressed(copy))
        else:
            with postgres.snapshot(settings_dict) as (snapshot_id, connection):
                found, applied = postgres.describe(connection)
                manifest = _manifest(vendor, found, applied, compressed=False)
                write(out, manifest, postgres.dump(settings_dict, snapshot_id))
    return manifest


def verify_backup(path: Path, *, using: str = "default") -> dict[str, Any]:
    """Open and check the whole backup without restoring it; its manifest."""
    settings_dict, _vendor = _database(using)
    with _opened(path) as reader, _private_directory() as work:
        payload = _unpack(reader, work)
        _check_payload(reader.manifest, payload, settings_dict)
        return reader.manifest


def restore_backup(path: Path, *, replace: bool = False, using: str = "default") -> Restored:
    """Put the backup at ``path`` back as the whole database (see the module's docstring)."""
    settings_dict, vendor = _database(using)
    with _opened(path) as reader, _private_directory() as work:
        manifest = reader.manifest
        _check_vendor(manifest, vendor)
        behind = _check_migrations(manifest)
        payload = _unpack(reader, work)
        _check_payload(manifest, payload, settings_dict)
        held = _rows_held(using)
        if held and not replace:
            raise BackupError(
                f"This database already holds data ({held}); restoring would replace all of it. "
                "Nothing was restored. Run again with --yes to replace it."
            )
        kept = {step.key: step.keep() if step.keep else None for step in background.restore_steps()}
        connections[using].close()
        if vendor == "sqlite":
            sqlite.replace(sqlite.database_path(settings_dict), payload)
        else:
            postgres.restore(settings_dict, payload)
    differences = _compare(manifest["tables"], _describe_live(settings_dict, vendor)[0])
    if differences:
        raise BackupError(
            "The backup was restored, but the database now differs from it in: "
            + "; ".join(differences)
            + ". Do not start the site: restore again, or from another backup."
        )
    restored = Restored(
        manifest=manifest,
        tables=len(manifest["tables"]),
        rows=sum(table["rows"] for table in manifest["tables"].values()),
        migrations_behind=behind,
    )
    made_at = datetime.datetime.fromisoformat(manifest["created_at"])
    for step in background.restore_steps():
        try:
            restored.steps.append(step.replay(made_at, kept[step.key]))
        except Exception as error:
            # Its message may quote data: the operator gets the step and the kind of failure.
            raise BackupError(
                f"The backup was restored, but the step {step.key!r} that must follow it "
                f"failed ({type(error).__name__}). Do not start the site: restore again once "
                "the cause is fixed."
            ) from error
    return restored


def describe_database(using: str = "default") -> dict[str, dict[str, Any]]:
    """Every table's row count and checksum in the database now (as a manifest records them)."""
    settings_dict, vendor = _database(using)
    return _describe_live(settings_dict, vendor)[0]


# ---------------------------------------------------------------------------------------------


def _database(using: str) -> tuple[dict[str, Any], str]:
    connection = connections[using]
    if connection.vendor not in VENDORS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return dict(connection.settings_dict), connection.vendor


def _manifest(
    vendor: str, found: dict[str, Any], applied: list[list[str]], *, compressed: bool
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "vendor": vendor,
        "payload": "sqlite-database" if vendor == "sqlite" else "pg_dump-custom",
        "compressed": compressed,
        "created_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "migrations": applied,
        "tables": found,
    }


@contextmanager
def _private_directory() -> Iterator[Path]:
    # The decrypted database lies here until it is restored: readable by this user only,
    # and removed however the restore ends.
    with tempfile.TemporaryDirectory(prefix="flipside-backup-") as name:
        os.chmod(name, 0o700)
        yield Path(name)


@contextmanager
def _new_file(output: Path) -> Iterator[IO[bytes]]:
    """``output`` written under a temporary name and renamed once complete, mode 0600."""
    partial = output.with_name(output.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if output.exists():
            raise BackupError(f"{output} appeared while the backup was made; it was kept.")
        partial.rename(output)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _opened(path: Path) -> Iterator[Reader]:
    try:
        source = path.open("rb")
    except OSError as error:
        raise BackupError(f"Cannot open {path}: {error.strerror}.") from error
    with source:
        yield Reader(source)


def _unpack(reader: Reader, work: Path) -> Path:
    """The backup's database (SQLite) or dump (PostgreSQL), decrypted into ``work`` once
    every frame has passed its check."""
    payload = work / ("restore.sqlite3" if reader.manifest["vendor"] == "sqlite" else "dump")
    with payload.open("xb") as out:
        if reader.manifest.get("compressed"):
            sqlite.unpack(reader.data(), out)
        else:
            postgres.write_to(reader.data(), out)
    return payload


def _check_payload(manifest: dict[str, Any], payload: Path, settings_dict: dict[str, Any]) -> None:
    if manifest["vendor"] == "sqlite":
        differences = _compare(manifest["tables"], sqlite.describe(payload)[0])
        if differences:
            raise BackupError(
                "The database in this backup does not match its manifest: " + "; ".join(differences)
            )
    else:
        postgres.check_archive(payload, settings_dict)


def _check_vendor(manifest: dict[str, Any], vendor: str) -> None:
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"This is a backup of a {VENDORS.get(manifest['vendor'], manifest['vendor'])} "
            f"database; this site uses {VENDORS[vendor]}. Nothing was restored."
        )


def _check_migrations(manifest: dict[str, Any]) -> list[str]:
    """Refuse a backup made by newer code; the migrations the backup is behind, if any."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, name in manifest["migrations"]}
    ahead = sorted(applied - known)
    if ahead:
        names = ", ".join(f"{app}.{name}" for app, name in ahead[:5])
        more = f" and {len(ahead) - 5} more" if len(ahead) > 5 else ""
        raise BackupError(
            f"This backup was made by a newer version of Flipside: it has migrations this "
            f"code does not know ({names}{more}). Upgrade the code first. Nothing was restored."
        )
    return sorted(f"{app}.{name}" for app, name in known - applied)


def _rows_held(using: str) -> str:
    """What the database holds beyond what ``migrate`` puts in an empty one, in words."""
    ignored = {
        "django_migrations",
        ContentType._meta.db_table,
        Permission._meta.db_table,
        AuditChainHead._meta.db_table,
    }
    connection = connections[using]
    with connection.cursor() as cursor:
        held = []
        for table in connection.introspection.table_names(cursor):
            if table in ignored:
                continue
            # A table name from the database's own catalogue, quoted: no user input.
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608  # nosec B608
            if count := cursor.fetchone()[0]:
                held.append((table, count))
    if not held:
        return ""
    people = dict(held).get(get_user_model()._meta.db_table, 0)
    rows = sum(count for _table, count in held)
    return f"{people:,} people, {rows:,} rows in {len(held)} tables"


def _describe_live(
    settings_dict: dict[str, Any], vendor: str
) -> tuple[dict[str, Any], list[list[str]]]:
    if vendor == "sqlite":
        return sqlite.describe(sqlite.database_path(settings_dict))
    with postgres.connect(settings_dict) as connection:
        return postgres.describe(connection)


def _compare(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    differences = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None:
            differences.append(f"{table} is not in the backup")
        elif got is None:
            differences.append(f"{table} is missing")
        elif want["rows"] != got["rows"]:
            differences.append(f"{table} has {got['rows']} rows, not {want['rows']}")
        elif want["checksum"] != got["checksum"]:
            differences.append(f"{table} has the same number of rows but different data")
    return differences
