"""SQLite: a consistent copy by SQLite's online backup API, and a restore by the same API.

The copy is taken in one step, under one read transaction: in WAL mode writers carry on
meanwhile and the copy is the database as it was at one moment. A restore copies the
verified file back over the live database the same way, so the database file, its WAL and
its shared memory stay consistent (copying the file by hand could mix pages of two states).
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import IO, Any

from flipside.worker.backups import tables
from flipside.worker.backups.sealed import BackupError

READ = 1 << 20
TIMEOUT = 20  # seconds to wait for the site's writers, as the site's own connections do


def database_path(settings_dict: dict[str, Any]) -> Path:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError("This SQLite database lives in memory; there is no file to back up.")
    return Path(name)


def copy(database: Path, target: Path) -> None:
    """A consistent copy of ``database`` at ``target`` (a new file)."""
    if not database.exists():
        raise BackupError(f"There is no SQLite database at {database}.")
    with (
        closing(sqlite3.connect(database, timeout=TIMEOUT)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
        # The copy is one self-contained file, whatever journal mode the original uses.
        copy.execute("PRAGMA journal_mode=DELETE")


def describe(path: Path) -> tuple[dict[str, dict[str, Any]], list[list[str]]]:
    """The tables' counts and checksums and the applied migrations of the database at ``path``."""
    with closing(sqlite3.connect(path, timeout=TIMEOUT)) as connection:
        try:
            return tables.summary(connection, "sqlite"), tables.migrations(connection)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"The database in this backup cannot be read: {error}.") from error


def compressed(path: Path) -> Iterator[bytes]:
    packer = zlib.compressobj(6)
    with path.open("rb") as source:
        while chunk := source.read(READ):
            yield packer.compress(chunk)
    yield packer.flush()


def unpack(data: Iterator[bytes], out: IO[bytes]) -> None:
    unpacker = zlib.decompressobj()
    try:
        for chunk in data:
            out.write(unpacker.decompress(chunk))
        out.write(unpacker.flush())
    except zlib.error as error:
        raise BackupError("The database in this backup cannot be unpacked.") from error


def replace(database: Path, source: Path) -> None:
    """Make the database at ``database`` an exact copy of the one at ``source``."""
    with (
        closing(sqlite3.connect(source)) as origin,
        closing(sqlite3.connect(database, timeout=TIMEOUT)) as live,
    ):
        # The restored database keeps the live one's journal mode (WAL by default).
        mode = live.execute("PRAGMA journal_mode").fetchone()[0]
        origin.backup(live)
        live.execute(f"PRAGMA journal_mode={mode}")
