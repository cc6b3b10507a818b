"""The pay figures kept between changes (``PayCount``, decision 0024): what marks them as no
longer holding, and what reads them, counting and keeping them again when they do not hold.

A cohort's figures are its lines waiting for approval and the amount approved but not yet in
a payment run. They change with its lines only: every save and delete of a line marks them
(``apps.py``), and so does every write of lines that sends no signal (``services``: a
decision, submitting a timesheet, collecting a run)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.db import router

from flipside.lib.kept import keep, mark_stale
from flipside.lib.sql import fetch, whole

from .models import Line, PayCount
from .money import pennies

_COHORT = "SELECT c.id AS id FROM schemes_cohort c WHERE c.id = %s"
HUNDRED = Decimal(100)


def changed(cohort_id: int, *, deleting: bool = False) -> None:
    """Something the cohort's pay figures count changed: its kept figures stop holding, in
    the caller's transaction. While rows are being deleted (``deleting``), only figures
    already kept are marked: the cohort itself may be going."""
    mark_stale(PayCount, _COHORT, [cohort_id], deleting=deleting)


class PayFigures(NamedTuple):
    waiting_lines: int
    approved_pence: int  # approved, with holiday pay, not yet in a payment run

    @property
    def approved(self) -> Decimal:
        return Decimal(self.approved_pence).scaleb(-2)  # pounds and pence: 37.00


# The kept rows of the cohorts asked for (a cohort without one is counted).
_KEPT_SQL = (
    "SELECT cohort_id, generation, counted_generation, waiting_lines, approved_pence "
    "FROM payments_paycount WHERE cohort_id IN ({cohorts})"
)

# What the figures count, as the columns of one row: lines waiting for approval (from the
# index on cohort and status alone), and the amount of those approved but not yet in a run
# (from the partial index that holds their amounts). The cohort and status are written into
# the statement (decision 0017's addendum).
_COUNTS_SQL = (
    "(SELECT COUNT(*) FROM payments_line WHERE cohort_id = {cohort} AND status = 'submitted'), "
    "(SELECT COALESCE(SUM(amount), 0) FROM payments_line WHERE cohort_id = {cohort} "
    "AND status = 'approved' AND payment_run_id IS NULL), "
    "(SELECT COALESCE(SUM(holiday), 0) FROM payments_line WHERE cohort_id = {cohort} "
    "AND status = 'approved' AND payment_run_id IS NULL)"
)
_COUNT_AND_GENERATION_SQL = (
    "SELECT kept.generation, {counts} FROM (SELECT 1 AS one) one "
    "LEFT JOIN payments_paycount kept ON kept.cohort_id = {cohort}"
)


def _pence(value: object) -> int:
    """A sum from the database in pence (SQLite sums decimals as floats)."""
    return int(pennies(Decimal(str(value or 0))) * HUNDRED)


def pay_figures(cohort_ids: Sequence[int]) -> dict[int, PayFigures]:
    """Each cohort's pay figures: one query while the figures kept for them hold, whatever
    their size; the cohorts whose figures do not hold are counted again (and kept)."""
    if not cohort_ids:
        return {}
    alias = router.db_for_read(Line)
    sql = _KEPT_SQL.format(cohorts=", ".join(whole(pk) for pk in cohort_ids))
    kept = {row[0]: row for row in fetch(sql, [], (), using=alias)}
    figures = {}
    for pk in cohort_ids:
        row = kept.get(pk)
        if row is not None and row[1] == row[2]:
            figures[pk] = PayFigures(int(row[3]), int(row[4]))
        else:
            figures[pk] = _count_and_keep(pk, alias)
    return figures


def count(cohort_id: int, alias: str | None = None) -> PayFigures:
    """The cohort's figures counted now: what its kept figures must agree with."""
    sql = "SELECT " + _COUNTS_SQL.format(cohort=whole(cohort_id))
    row = fetch(sql, [], (), using=alias or router.db_for_read(Line))[0]
    return PayFigures(int(row[0]), _pence(row[1]) + _pence(row[2]))


def _count_and_keep(cohort_id: int, alias: str) -> PayFigures:
    """Count the cohort's figures and keep them, unless something changed since the count
    began: the generation is read in the same statement as the counts (so from the same
    snapshot), and the figures are written only while it is still that generation. A cohort
    counted for the first time gets its row marked as not holding, and is kept from the next
    count on: a change made while counting (a line deleted with its mentor, say) marks only
    rows that exist (decision 0016's rule)."""
    cohort = whole(cohort_id)
    sql = _COUNT_AND_GENERATION_SQL.format(counts=_COUNTS_SQL.format(cohort=cohort), cohort=cohort)
    row = fetch(sql, [], (), using=alias)[0]
    generation = row[0]
    counted = PayFigures(int(row[1]), _pence(row[2]) + _pence(row[3]))
    keep(PayCount, cohort_id, generation,
         {"waiting_lines": counted.waiting_lines, "approved_pence": counted.approved_pence},
         using=alias)  # fmt: skip
    return counted
