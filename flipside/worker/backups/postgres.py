"""PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, with Django's connection settings.

The manifest's counts and checksums are read in a repeatable-read transaction whose snapshot
``pg_dump`` is given (``--snapshot``), so they describe exactly the data in the dump, however
busy the site is. The password reaches the tools in their environment (``PGPASSWORD``), never
on a command line another user could read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import psycopg

from flipside.worker.backups import tables
from flipside.worker.backups.sealed import BackupError

READ = 1 << 20
# Connection options from DATABASES[...]["OPTIONS"] that libpq's tools read from variables.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed. Install PostgreSQL's client tools, of the server's "
            "major version or newer (Debian: apt-get install postgresql-client)."
        )
    return found


def environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for the database in ``settings_dict``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
    }
    for option, variable in _LIBPQ_OPTIONS.items():
        values[variable] = (settings_dict.get("OPTIONS") or {}).get(option)
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def connect(settings_dict: dict[str, Any]) -> psycopg.Connection[Any]:
    env = environment(settings_dict)
    return psycopg.connect(
        dbname=env.get("PGDATABASE", ""),
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
        sslmode=env.get("PGSSLMODE"),
        autocommit=True,
    )


@contextmanager
def snapshot(settings_dict: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """A read-only repeatable-read transaction: its exported snapshot's id and its connection,
    held open for as long as ``pg_dump`` needs the snapshot."""
    with connect(settings_dict) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            row = connection.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None  # noqa: S101 - the function always returns one row
            yield str(row[0]), connection
        finally:
            connection.execute("ROLLBACK")


def describe(connection: Any) -> tuple[dict[str, dict[str, Any]], list[list[str]]]:
    return tables.summary(connection, "postgresql"), tables.migrations(connection)


def dump(settings_dict: dict[str, Any], snapshot_id: str) -> Iterator[bytes]:
    """The custom-format dump of the database as the snapshot sees it, as it is produced."""
    command = [tool("pg_dump"), "--format=custom", f"--snapshot={snapshot_id}",
               "--no-owner", "--no-privileges"]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, the tool found on PATH
        command, env=environment(settings_dict), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None  # noqa: S101 - piped above
    try:
        while chunk := process.stdout.read(READ):
            yield chunk
    finally:
        process.stdout.close()
        _, errors = process.communicate()
    if process.returncode != 0:
        raise BackupError(f"pg_dump failed: {_first_line(errors)}")


def restore(settings_dict: dict[str, Any], archive: Path) -> None:
    """Replace what the archive holds in the database, in one transaction: all or nothing."""
    command = [tool("pg_restore"), "--clean", "--if-exists", "--single-transaction",
               "--exit-on-error", "--no-owner", "--no-privileges",
               f"--dbname={settings_dict['NAME']}", str(archive)]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - fixed arguments, the tool found on PATH
        command, env=environment(settings_dict), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed and changed nothing: {_first_line(done.stderr)}")


def check_archive(archive: Path, settings_dict: dict[str, Any]) -> None:
    """``pg_restore --list`` reads the archive's table of contents without a database."""
    done = subprocess.run(  # noqa: S603 - fixed arguments, the tool found on PATH
        [tool("pg_restore"), "--list", str(archive)],
        env=environment(settings_dict),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"The dump in this backup cannot be read: {_first_line(done.stderr)}")


def write_to(data: Iterator[bytes], out: IO[bytes]) -> None:
    for chunk in data:
        out.write(chunk)


def _first_line(errors: bytes) -> str:
    """The tools' first error line. Their DETAIL and CONTEXT lines can quote a row's values,
    which must not reach a terminal or a log, so only an ``error:`` line is passed on."""
    lines = errors.decode(errors="replace").strip().splitlines()
    wanted = [line for line in lines if "error:" in line and "DETAIL" not in line]
    return (wanted or lines or ["no message"])[0][:300]
