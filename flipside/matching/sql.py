"""Reading rows with plain SQL as the ORM would read them.

Pages that ask the same query on every request have it written once as plain SQL with bound
parameters (docs/decisions/0011-matching-pages-in-plain-sql.md): the ORM spent about 1 ms
compiling each. The values still go through the converters the ORM applies, so a datetime is
aware on SQLite as on PostgreSQL and a JSON column is decoded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import Field, Model

Converter = Callable[[Any, Any, Any], Any]


@lru_cache(maxsize=64)
def _steps(alias: str, fields: tuple[Field | None, ...]) -> tuple[tuple[int, Converter, Any], ...]:  # type: ignore[type-arg]
    connection = connections[alias]
    steps = []
    for position, field in enumerate(fields):
        if field is None:
            continue
        column = field.get_col(field.model._meta.db_table)
        for converter in connection.ops.get_db_converters(column) + field.get_db_converters(
            connection
        ):
            steps.append((position, converter, column))
    return tuple(steps)


def field(model: type[Model], name: str) -> Field:  # type: ignore[type-arg]
    return model._meta.get_field(name)  # type: ignore[return-value]


def fetch(
    alias: str,
    sql: str,
    params: Sequence[Any],
    fields: tuple[Field | None, ...],  # type: ignore[type-arg]
) -> list[list[Any]]:
    """The rows of ``sql``, each value converted as the ORM converts ``fields`` (one for each
    column; None for a column read as it comes, such as a count)."""
    connection = connections[alias]
    steps = _steps(alias, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        for position, converter, column in steps:
            row[position] = converter(row[position], column, connection)
    return rows
