"""What the coordinators' review page reads, in plain SQL: the lines of one page, each with
its mentor's name, whether their right to work is recorded, the staff partner's record of the
meeting, the rate's date under the cohort's policy, whoever decided it and its payment run's
status. Coordinators open the page over and over while they approve a month's time, so its
reads skip the ORM's compiling (decisions 0010 and 0012): one query for the page, read along
an index in the mentors' kept names (decision 0024), and the lines waiting for approval taken
from the cohort's kept pay figures (counted only for other filters)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import router

from flipside.accounts.models import User
from flipside.lib.sql import Listing, field_of, one_of, whole
from flipside.schemes.models import Cohort

from .kept import pay_figures
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


# What a page shows of its 50 lines: each looked up by its key, as subqueries of those rows
# (joined, PostgreSQL chose at times to read every meeting of the installation).
_SELECT = (
    "l.id, l.version, l.mentor_id, "
    "(SELECT u.display_name FROM accounts_user u WHERE u.id = l.mentor_id), "
    "l.kind, l.worked_on, l.description, l.hours, l.hourly, l.amount, l.holiday, l.status, "
    "l.message, l.payment_run_id, "
    "(SELECT r.status FROM payments_paymentrun r WHERE r.id = l.payment_run_id), "
    "(SELECT m.record FROM partnerships_meeting m WHERE m.id = l.meeting_id), "
    # The date the rate applies from under the cohort's policy (no settings: the default).
    "(SELECT CASE WHEN (SELECT s.policy FROM payments_paysettings s "
    "WHERE s.cohort_id = {cohort}) = '{payable}' THEN v.payable_from ELSE v.announced_on END "
    "FROM payments_ratevalue v WHERE v.id = l.rate_value_id), "
    "(SELECT d.display_name FROM accounts_user d WHERE d.id = l.decided_by_id), "
    # At most one record a person and organisation (one_employment_per_person).
    # looked up along that index (as EXISTS, PostgreSQL read the whole organisation's).
    "CASE WHEN (SELECT e.right_to_work_checked_on FROM payments_employment e "
    "WHERE e.organisation_id = {org} AND e.user_id = l.mentor_id) IS NOT NULL THEN 1 ELSE 0 END"
)

# The order of the page: the mentor's kept name (``Line.sort_name``), then their lines by date.
_ORDER = "l.sort_name, l.mentor_id, l.worked_on, l.id"
# One status's lines in that order, along the line_review index (decision 0024): the first
# ``limit`` of them from ``offset``, never the whole status sorted.
_STATUS_PAGE = (
    "SELECT * FROM (SELECT l.* FROM payments_line l WHERE l.cohort_id = {cohort} "
    "AND l.status = {status}{among} ORDER BY l.sort_name, l.mentor_id, l.worked_on, l.id "
    "LIMIT {limit} OFFSET {offset}) s{n}"
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
    """Reads a page along the line_review index, one status at a time, then joins the rest
    to those 50 rows only: the page costs the same for 100 waiting lines or 2,000."""

    def __init__(
        self, *, cohort_id: int, statuses: list[str], among: str, select: str, **rest: Any
    ) -> None:
        self.cohort_id, self.statuses, self.among = cohort_id, statuses, among
        where = (
            f"l.cohort_id = {whole(cohort_id)} AND l.status IN "
            f"({', '.join(one_of(s, Line.Status.values) for s in statuses)}){among}"
        )
        super().__init__(
            select=select,
            source=f"payments_line l WHERE {where}",
            order=_ORDER,
            row=_row,
            fields=_FIELDS,
            **rest,
        )

    def _status_page(self, status: str, n: int, limit: int, offset: int) -> str:
        return _STATUS_PAGE.format(
            cohort=whole(self.cohort_id), status=one_of(status, Line.Status.values),
            among=self.among, limit=whole(limit), offset=whole(offset), n=n,
        )  # fmt: skip

    def page_sql(self, start: int, stop: int) -> tuple[str, list[Any]]:
        # The bounds and the cohort are written into the statement (decision 0017's addendum).
        if len(self.statuses) == 1:
            rows = self._status_page(self.statuses[0], 0, stop - start, start)
            params = list(self.params)
        else:
            # Each status's first ``stop`` lines in order, merged, then the page cut from them.
            branches = [self._status_page(s, n, stop, 0) for n, s in enumerate(self.statuses)]
            rows = (
                f"SELECT * FROM ({' UNION ALL '.join(branches)}) merged "  # noqa: S608 - fixed fragments  # nosec B608
                f"ORDER BY {_ORDER.replace('l.', 'merged.')} "
                f"LIMIT {whole(stop - start)} OFFSET {whole(start)}"
            )
            params = list(self.params) * len(self.statuses)
        sql = f"SELECT {self.select} FROM ({rows}) l ORDER BY {_ORDER}"  # noqa: S608 - fixed fragments  # nosec B608
        return sql, params


def review_lines(
    cohort: Cohort, *, statuses: list[str], name: str = "", count: int | None = None
) -> Listing[ReviewLine]:
    """The cohort's lines in ``statuses`` (of mentors whose name holds ``name``, if given),
    by mentor's name, then date, a page at a time (for ``Paginator``). ``count``: how many
    there are, when already known (the kept figures' lines waiting for approval)."""
    using = router.db_for_read(Line)
    among, params = "", []
    if name:
        # The ORM's case-insensitive match (it differs between databases), compiled only
        # when someone searches.
        found = User.objects.filter(display_name__icontains=name).values("pk")
        sql, found_params = found.query.get_compiler(using).as_sql()
        among, params = f" AND l.mentor_id IN ({sql})", list(found_params)
    select = _SELECT.format(
        cohort=whole(cohort.pk),
        payable=Policy.PAYABLE.value,
        org=whole(cohort.scheme.organisation_id),
    )
    listing = _ReviewListing(
        cohort_id=cohort.pk, statuses=statuses, among=among, select=select, params=params,
        using=using,
    )  # fmt: skip
    if count is not None:
        listing._count = count
    return listing


def waiting_count(cohort: Cohort) -> int:
    """How many of the cohort's lines wait for approval (the figures kept for the cohort)."""
    return pay_figures([cohort.pk])[cohort.pk].waiting_lines
