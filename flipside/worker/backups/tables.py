"""Every table's row count and checksum, and the migrations applied: what a backup's manifest
records and what a restore is checked against.

Each function takes a plain DB-API connection (``sqlite3`` or psycopg), not Django's, so the
figures come from exactly the data being copied: the backup's own SQLite copy, or the
PostgreSQL snapshot ``pg_dump`` reads. A table's checksum is the SHA-256 of its rows in
primary-key order, each row in a stable text form: on SQLite its values' types are only
integer, real, text, blob and null, each written one fixed way; on PostgreSQL the server's own
text form of the row, with the settings that shape it fixed for the session.
"""

from __future__ import annotations

import hashlib
from typing import Any

# Tables are read in batches so a large table never has to fit in memory.
BATCH = 2000


def summary(connection: Any, vendor: str) -> dict[str, dict[str, Any]]:
    """``{table: {"rows": n, "checksum": hex}}`` for every table of the database."""
    if vendor == "postgresql":
        _fix_text_forms(connection)
    return {name: _table(connection, vendor, name) for name in table_names(connection, vendor)}


def migrations(connection: Any) -> list[list[str]]:
    """The applied migrations, ``[app, name]`` in a stable order."""
    cursor = connection.cursor()
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[str(app), str(name)] for app, name in cursor.fetchall()]


def table_names(connection: Any, vendor: str) -> list[str]:
    cursor = connection.cursor()
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    else:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    return [str(row[0]) for row in cursor.fetchall()]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _key_columns(connection: Any, vendor: str, table: str) -> list[str]:
    """The primary key's columns, or every column when the table has no primary key."""
    cursor = connection.cursor()
    if vendor == "sqlite":
        cursor.execute(f"PRAGMA table_info({_quote(table)})")
        columns = cursor.fetchall()  # cid, name, type, notnull, default, pk position
        positions = sorted((column[5], column[1]) for column in columns if column[5])
        return [name for _position, name in positions] or [column[1] for column in columns]
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)",
        [_quote(table)],
    )
    keyed = [str(row[0]) for row in cursor.fetchall()]
    if keyed:
        return keyed
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        [_quote(table)],
    )
    return [str(row[0]) for row in cursor.fetchall()]


def _table(connection: Any, vendor: str, table: str) -> dict[str, Any]:
    order = ", ".join(_quote(column) for column in _key_columns(connection, vendor, table))
    if vendor == "sqlite":
        # Table and column names come from the database's own catalogue, quoted: no user input.
        query = f"SELECT * FROM {_quote(table)} ORDER BY {order}"  # noqa: S608  # nosec B608
    else:
        query = f"SELECT t::text FROM {_quote(table)} t ORDER BY {order}"  # noqa: S608  # nosec B608
    cursor = connection.cursor()
    cursor.execute(query)
    digest, rows = hashlib.sha256(), 0
    while batch := cursor.fetchmany(BATCH):
        for row in batch:
            digest.update(_row_text(row).encode("utf-8", "surrogatepass"))
        rows += len(batch)
    return {"rows": rows, "checksum": digest.hexdigest()}


def _row_text(row: tuple[Any, ...]) -> str:
    return "\x1f".join(_value_text(value) for value in row) + "\x1e"


def _value_text(value: Any) -> str:
    # Each of SQLite's storage classes (and PostgreSQL's one text column) has one form, marked
    # by its type, so the integer 1, the real 1.0 and the text "1" never look alike.
    if value is None:
        return "n"
    if isinstance(value, bytes | bytearray | memoryview):
        return "b" + bytes(value).hex()
    if isinstance(value, float):
        return "r" + repr(value)
    if isinstance(value, int):
        return "i" + str(value)
    return "t" + str(value).replace("\\", "\\\\").replace("\x1f", "\\u").replace("\x1e", "\\r")


def _fix_text_forms(connection: Any) -> None:
    """PostgreSQL writes dates, times, floats and bytes by the session's settings: fix them."""
    cursor = connection.cursor()
    for statement in (
        "SET TIME ZONE 'UTC'",
        "SET datestyle = 'ISO, YMD'",
        "SET intervalstyle = 'postgres'",
        "SET extra_float_digits = 1",
        "SET bytea_output = 'hex'",
    ):
        cursor.execute(statement)
