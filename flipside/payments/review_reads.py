"""What the coordinators' review page reads, in plain SQL: the lines of one page, each with
its mentor's name, whether their right to work is recorded, the staff partner's record of the
meeting, the rate's date under the cohort's policy, whoever decided it and its payment run's
status. Coordinators open the page over and over while they approve a month's time, so its
reads skip the ORM's compiling (decisions 0010 and 0012), one query for the page and one to
count it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import router

from flipside.accounts.models import User
from flipside.lib.sql import Listing, fetch, field_of, whole
from flipside.schemes.models import Cohort

from .models import Line, PaymentRun, Policy, RateValue


@dataclass(frozen=True)
class ReviewLine:
    """One line as the review table shows it."""

    id: int
    version: int
    mentor_id: int
    mentor_name: str
    kind: str
    worked_on: datetime.date
    description: str
    hours: Decimal
    hourly: Decimal | None
    amount: Decimal | None
    holiday: Decimal
    status: str
    message: str
    payment_run_id: int | None
    run_status: str | None
    meeting_record: str | None
    rate_from: datetime.date | None
    decided_by_name: str | None
    right_to_work: int  # 1 when the mentor's right-to-work check is recorded, else 0

    @property
    def paid(self) -> bool:
        return self.run_status == PaymentRun.Status.PAID


_SELECT = (
    "l.id, l.version, l.mentor_id, l.mentor_name, l.kind, l.worked_on, l.description, "
    "l.hours, l.hourly, l.amount, l.holiday, l.status, l.message, l.payment_run_id, "
    "r.status, m.record, "
    # The date the rate applies from under the cohort's policy (no settings: the default).
    "CASE WHEN (SELECT s.policy FROM payments_paysettings s WHERE s.cohort_id = {cohort}) "
    "= '{payable}' THEN v.payable_from ELSE v.announced_on END, d.display_name, "
    "CASE WHEN EXISTS (SELECT 1 FROM payments_employment e WHERE e.organisation_id = {org} "
    "AND e.user_id = l.mentor_id AND e.right_to_work_checked_on IS NOT NULL) "
    "THEN 1 ELSE 0 END"
)
_JOINS = (
    " LEFT JOIN payments_paymentrun r ON r.id = l.payment_run_id"
    " LEFT JOIN partnerships_meeting m ON m.id = l.meeting_id"
    " LEFT JOIN payments_ratevalue v ON v.id = l.rate_value_id"
    " LEFT JOIN accounts_user d ON d.id = l.decided_by_id"
)


def _line(name: str) -> Any:
    return field_of(Line, name)


_FIELDS = (
    None, None, None, None, None, _line("worked_on"), None, _line("hours"), _line("hourly"),
    _line("amount"), _line("holiday"), None, None, None, None, None,
    field_of(RateValue, "announced_on"), None, None,
)  # fmt: skip


def _row(*values: Any) -> ReviewLine:
    return ReviewLine(*values)


class _ReviewListing(Listing[ReviewLine]):
    """Sorts and cuts the page from the lines and their mentors' names alone, then joins the
    rest to those 50 rows only: joined first, every waiting line of a large cohort would be
    joined to its meeting, rate and run before all but a page of them were thrown away."""

    def __init__(self, *, condition: str, select: str, **rest: Any) -> None:
        self.condition = condition
        super().__init__(
            select=select,
            source=f"payments_line l JOIN accounts_user u ON u.id = l.mentor_id WHERE {condition}",
            counted=f"payments_line l WHERE {condition}",
            order="u.display_name, l.mentor_id, l.worked_on, l.id",
            row=_row,
            fields=_FIELDS,
            **rest,
        )

    def page_sql(self, start: int, stop: int) -> tuple[str, list[Any]]:
        sql = (
            f"SELECT {self.select} FROM ("  # noqa: S608 - fixed fragments and placeholders
            "SELECT l.*, u.display_name AS mentor_name FROM payments_line l "
            f"JOIN accounts_user u ON u.id = l.mentor_id WHERE {self.condition} "
            f"ORDER BY {self.order} LIMIT %s OFFSET %s) l{_JOINS} "
            "ORDER BY l.mentor_name, l.mentor_id, l.worked_on, l.id"
        )
        return sql, [*self.params, stop - start, start]


def review_lines(cohort: Cohort, *, statuses: list[str], name: str = "") -> Listing[ReviewLine]:
    """The cohort's lines in ``statuses`` (of mentors whose name holds ``name``, if given),
    by mentor's name, then date, a page at a time (for ``Paginator``)."""
    using = router.db_for_read(Line)
    where = [f"l.cohort_id = {whole(cohort.pk)}"]
    params: list[Any] = []
    where.append(f"l.status IN ({', '.join(['%s'] * len(statuses))})")
    params.extend(statuses)
    if name:
        # The ORM's case-insensitive match (it differs between databases), compiled only
        # when someone searches.
        found = User.objects.filter(display_name__icontains=name).values("pk")
        sql, found_params = found.query.get_compiler(using).as_sql()
        where.append(f"l.mentor_id IN ({sql})")
        params.extend(found_params)
    condition = " AND ".join(where)
    select = _SELECT.format(
        cohort=whole(cohort.pk),
        payable=Policy.PAYABLE.value,
        org=whole(cohort.scheme.organisation_id),
    )
    return _ReviewListing(condition=condition, select=select, params=params, using=using)


def waiting_count(cohort: Cohort) -> int:
    """How many of the cohort's lines wait for approval (along the cohort and status index)."""
    sql = "SELECT COUNT(*) FROM payments_line WHERE cohort_id = %s AND status = %s"
    return int(fetch(sql, [cohort.pk, Line.Status.SUBMITTED], (None,))[0][0])
