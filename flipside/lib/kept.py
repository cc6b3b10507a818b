"""Figures kept between changes (decisions 0015 and 0016): a row per cohort holding counts
that would otherwise be counted over the whole cohort on every page, with the generation of
the data they belong to and the generation they were counted at. A change to what they count
raises the generation in the changing transaction (``mark_stale``); the figures hold while
the two are equal, and the next reader counts again (and keeps what it counted only while the
generation is still the one it read with the counts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, models, router
from django.utils import timezone


class Kept(models.Model):
    """The bookkeeping of a table of kept figures; the table adds its ``cohort`` (its primary
    key) and its counts, each a non-null integer."""

    generation = models.PositiveBigIntegerField(default=0)
    counted_generation = models.PositiveBigIntegerField(null=True)
    counted_at = models.DateTimeField(null=True)

    class Meta:
        abstract = True


def mark_stale(
    model: type[Kept], cohorts: str, params: Sequence[Any], *, deleting: bool = False
) -> None:
    """The kept figures of the cohorts that ``cohorts`` selects (SQL with one column, ``id``)
    stop holding, in the caller's transaction: a cohort without a row gets one that does not
    hold. While rows are being deleted (``deleting``), only rows that exist are marked: the
    cohort itself may be going, and a row made for it would stop its deletion."""
    table = model._meta.db_table
    counts = [
        str(f.column)
        for f in model._meta.concrete_fields
        if not f.null and f.column not in ("cohort_id", "generation")
    ]
    alias = router.db_for_write(model)
    with connections[alias].cursor() as cursor:
        if deleting:
            cursor.execute(
                f"UPDATE {table} SET generation = generation + 1 "  # noqa: S608 - names from the model  # nosec B608
                f"WHERE cohort_id IN ({cohorts})",
                params,
            )
        else:
            cursor.execute(
                f"INSERT INTO {table} (cohort_id, generation, {', '.join(counts)}) "  # noqa: S608 - names from the model  # nosec B608
                f"SELECT changed.id, 1, {', '.join('0' for _ in counts)} "
                f"FROM ({cohorts}) changed WHERE 1 = 1 "
                f"ON CONFLICT (cohort_id) DO UPDATE SET generation = {table}.generation + 1",
                params,
            )


def keep(
    model: type[Kept], cohort_id: int, generation: int | None, counts: Mapping[str, int],
    *, using: str,
) -> None:  # fmt: skip
    """Keep what was just counted for the cohort (``counts``, by column), at ``generation``:
    the generation read in the same statement as the counts, so from the same snapshot. The
    counts are written only while the generation is still that one (a change since has raised
    it, and the next reader counts again). A cohort counted for the first time (no row:
    ``generation`` None) gets a row that does not hold yet, and is kept from its next count
    on: a change made while counting, such as a deletion, marks only rows that exist."""
    table = model._meta.db_table
    columns = list(counts)
    with connections[using].cursor() as cursor:
        if generation is None:
            cursor.execute(
                f"INSERT INTO {table} (cohort_id, generation, {', '.join(columns)}) "  # noqa: S608 - names from the model  # nosec B608
                f"VALUES (%s, 1, {', '.join('0' for _ in columns)}) "
                "ON CONFLICT (cohort_id) DO NOTHING",
                [cohort_id],
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET counted_generation = generation, "  # noqa: S608 - names from the model  # nosec B608
                f"{''.join(f'{c} = %s, ' for c in columns)}counted_at = %s "
                "WHERE cohort_id = %s AND generation = %s",
                [*counts.values(), timezone.now(), cohort_id, generation],
            )
