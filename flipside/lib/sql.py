"""Reading rows with plain SQL as the ORM would read them.

Queries that run on every request are written once as plain SQL with bound parameters
(decisions 0007, 0010): the ORM spent about 1 ms of Python compiling each, more than the
database took to answer. The values still go through the converters the ORM applies, so a
datetime is aware on SQLite as on PostgreSQL and a JSON column is decoded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Field, Model

Converter = Callable[[Any, Any, Any], Any]
M = TypeVar("M", bound=Model)


@lru_cache(maxsize=256)
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


def fetch(
    sql: str,
    params: Sequence[Any] | Mapping[str, Any],
    fields: tuple[Field | None, ...],  # type: ignore[type-arg]
    *,
    using: str = "default",
) -> list[list[Any]]:
    """The rows of ``sql``, each value converted as the ORM converts ``fields`` (one for each
    column; None for a column read as it comes, such as a count or a name)."""
    connection = connections[using]
    steps = _steps(using, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [list(row) for row in cursor.fetchall()]
    if steps:
        for row in rows:
            for position, converter, column in steps:
                row[position] = converter(row[position], column, connection)
    return rows


def field_of(model: type[Model], name: str) -> Field:  # type: ignore[type-arg]
    """The model's field ``name``: ``fetch`` converts a column's values as this field's."""
    return model._meta.get_field(name)  # type: ignore[return-value]


def columns(model: type[Model], alias: str) -> str:
    """Every column of ``model`` in the model's order, for a query's select list: the rows
    ``instances`` builds from."""
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


def fields_of(*models: type[Model]) -> tuple[Field, ...]:  # type: ignore[type-arg]
    return tuple(f for model in models for f in model._meta.concrete_fields)


def instances(row: Sequence[Any], *models: type[Model], using: str = "default") -> tuple[Any, ...]:
    """Whole instances of ``models`` from a row that selected ``columns(model, ...)`` of each,
    in turn."""
    built, start = [], 0
    for model in models:
        fields = model._meta.concrete_fields
        names = [f.attname for f in fields]
        built.append(model.from_db(using, names, list(row[start : start + len(fields)])))
        start += len(fields)
    return tuple(built)


def partial(model: type[M], values: Mapping[str, Any], *, using: str = "default") -> M:
    """An instance of ``model`` as loaded from the database with these columns (by attname:
    ``scheme_id``, not ``scheme``), for a related row a query read a few columns of; every
    column not given is deferred, so reading one loads it rather than giving a wrong default."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
    # from_db takes the values in the model's field order.
    return model.from_db(using, names, [values[n] for n in names])


def whole(value: int) -> str:
    """A whole number written into a statement rather than passed as a parameter: for the
    values a statement's plan turns on (the cohort a page walks along an index, the page's
    bounds). PostgreSQL keeps one plan for a statement it has prepared (decision 0017),
    made without knowing its parameters' values, and for "this cohort's rows in name order,
    50 of them" that plan sorted the whole cohort; with the values in the statement it walks
    the index and stops after 50 (decision 0017's addendum)."""
    return str(int(value))


def one_of(value: str, choices: Iterable[str]) -> str:
    """A value from a fixed set of the code's own (a role, a status), quoted for a
    statement, for the same reason as ``whole``; anything else is refused."""
    if value not in set(choices) or "'" in value:
        raise ValueError(f"not one of the choices: {value!r}")
    return f"'{value}'"


T = TypeVar("T")


def reached(sizes: Sequence[int], start: int, stop: int) -> list[tuple[int, int, int]]:
    """For a list made of groups of these sizes, one after another (a cohort's people by
    role, its pairs by status), the groups that rows ``start`` to ``stop`` reach: each as
    (its index, how many of its rows, from which of its rows). A page read this way takes
    each group's rows along an index with ``LIMIT`` and ``OFFSET``."""
    found, before = [], 0
    for index, size in enumerate(sizes):
        first, last = max(start - before, 0), min(stop - before, size)
        if last > first:
            found.append((index, last - first, first))
        before += size
    return found


class Listing(Sequence[T]):
    """A long list read a page at a time with plain SQL, for ``Paginator``: ``count()`` counts
    the rows of ``source`` (``FROM ... WHERE ...``); a slice reads those rows only, in
    ``order``, each made by ``row`` from the values of ``select`` (converted as ``fields``
    say, as ``fetch`` does)."""

    def __init__(
        self,
        *,
        select: str,
        source: str,
        params: Sequence[Any],
        order: str,
        row: Callable[..., T],
        fields: tuple[Field | None, ...] = (),  # type: ignore[type-arg]
        counted: str = "",
        using: str = "default",
    ) -> None:
        self.select, self.source, self.params, self.order = select, source, list(params), order
        self.row, self.fields, self.using = row, fields, using
        # What to count, when fewer tables than ``source`` joins give the same number of rows
        # (the same parameters, in the same order).
        self.counted = counted or source
        self._count: int | None = None

    def count(self) -> int:  # type: ignore[override]
        if self._count is None:
            sql = f"SELECT COUNT(*) FROM {self.counted}"  # noqa: S608 - fixed fragments  # nosec B608
            self._count = int(fetch(sql, self.params, (None,), using=self.using)[0][0])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if index.step or start < 0 or stop is None or stop < start:
            raise ValueError("a listing is read in forward slices with an end")
        sql, params = self.page_sql(start, stop)
        rows = fetch(sql, params, self.fields, using=self.using)
        return [self.row(*values) for values in rows]

    def page_sql(self, start: int, stop: int) -> tuple[str, list[Any]]:
        """The statement that reads rows ``start`` to ``stop`` (and its parameters): a listing
        that reads its order along an index in its own way says so here."""
        sql = (
            f"SELECT {self.select} FROM {self.source} ORDER BY {self.order} "  # noqa: S608  # nosec B608
            "LIMIT %s OFFSET %s"
        )
        return sql, [*self.params, stop - start, start]
