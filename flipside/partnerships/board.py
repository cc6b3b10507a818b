"""Reads of the coordinators' progress board, the nudges and the offers to the home pages.

A pair's status is computed by the database (``_STATUS_SQL``) with the same rules as
``progress.status_of``, so the board can filter, sort, page and count by status in a fixed
number of queries, whatever the number of pairs. Every figure is the pair's kept facts
(``PairFacts``, worked out again whenever a meeting or pause changes), so counting a cohort
by status reads one row per pair; and the counts themselves are kept per cohort between
changes (``StatusCount``, decision 0019), so the pages that show them read one row.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from flipside.lib.kept import mark_stale
from flipside.lib.sql import Listing, fetch, field_of, one_of, whole
from flipside.matching.models import Pair
from flipside.schemes.models import Cohort, Role

from .models import PairFacts, StatusCount
from .progress import NO_CONTACT_AFTER, STATUSES, expected_by
from .selectors import london_today

# Worst first: the order of "sort by status".
STATUS_ORDER = ("at_risk", "behind", "no_contact", "on_track", "paused", "ended")
NEEDS_NUDGE = ("behind", "at_risk", "no_contact")
SORTS = ("name", "held", "status", "contact")


def expected_for(cohort: Cohort, today: datetime.date | None = None) -> int:
    return expected_by(
        today or london_today(),
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        minimum=cohort.min_meetings,
    )


# A pair's status (``progress.status_of``) in plain SQL over its kept facts (decisions 0010
# and 0018), for the pages that read it on every view: the cohort and home pages count every
# cohort's pairs by it, and the board pages through them; building and compiling the ORM's
# form of these rules cost more than running them. ``{expected}`` is the number of meetings
# expected by today (a placeholder, or a CASE over the cohorts); the parameters are the
# no-contact cut-off, then ``expected``'s twice.
_STATUS_SQL = """CASE
            WHEN p.status = 'ended' THEN 'ended'
            WHEN f.paused THEN 'paused'
            WHEN COALESCE(f.held, 0) = 0 AND COALESCE(f.contacts, 0) = 0
                AND p.started_at <= %s THEN 'no_contact'
            WHEN COALESCE(f.held, 0) >= {expected} THEN 'on_track'
            WHEN COALESCE(f.held, 0) = {expected} - 1 THEN 'behind'
            ELSE 'at_risk'
        END"""

_BOARD_STATUS = _STATUS_SQL.format(expected="%s")

# Each group also gives the earliest start among its pairs that have had no contact yet but
# are not "no contact" yet (paired less than two weeks): two weeks after it, the counts change
# by the clock alone.
_TALLY_SQL = """
    SELECT p.cohort_id, {status}, COUNT(*),
        MIN(CASE WHEN p.status = 'active' AND NOT COALESCE(f.paused, FALSE)
            AND COALESCE(f.held, 0) = 0 AND COALESCE(f.contacts, 0) = 0
            AND p.started_at > %s THEN p.started_at END)
    FROM matching_pair p
    LEFT JOIN partnerships_pairfacts f ON f.pair_id = p.id
    WHERE p.cohort_id IN ({cohorts})
    GROUP BY 1, 2
"""


class Tally(NamedTuple):
    counts: dict[str, int]  # pairs by status, every status present
    fresh_until: datetime.datetime | None  # when the clock alone changes them, if it will


def tally(
    cohorts: Mapping[int, Cohort], *, today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[int, Tally]:  # fmt: skip
    """The cohorts' pairs counted by status now, over the pairs' kept facts, in one query
    (every cohort given, with zeros)."""
    found = {pk: Tally(dict.fromkeys(STATUSES, 0), None) for pk in cohorts}
    if not cohorts:
        return found
    today, now = today or london_today(), now or timezone.now()
    expected = "CASE p.cohort_id " + " ".join("WHEN %s THEN %s" for _ in cohorts) + " END"
    sql = _TALLY_SQL.format(
        status=_STATUS_SQL.format(expected=expected), cohorts=", ".join("%s" for _ in cohorts)
    )
    by_cohort = [v for pk, c in cohorts.items() for v in (pk, expected_for(c, today))]
    cutoff = now - NO_CONTACT_AFTER
    params: list[Any] = [cutoff, *by_cohort, *by_cohort, cutoff, *cohorts]
    fields = (None, None, None, field_of(Pair, "started_at"))
    for cohort_id, board_status, n, youngest in fetch(sql, params, fields):
        counts, until = found[int(cohort_id)]
        counts[str(board_status)] = int(n)
        if youngest is not None:
            at = youngest + NO_CONTACT_AFTER
            until = at if until is None else min(until, at)
        found[int(cohort_id)] = Tally(counts, until)
    return found


# The kept counts of the cohorts (decision 0019), with the generations they are checked
# against.
_KEPT_SQL = """
    SELECT c.id, k.generation, k.counted_generation, k.pair_generation,
        COALESCE(pc.generation, 0), k.expected, k.fresh_until, {counts}
    FROM schemes_cohort c
    LEFT JOIN partnerships_statuscount k ON k.cohort_id = c.id
    LEFT JOIN matching_paircount pc ON pc.cohort_id = c.id
    WHERE c.id IN ({cohorts})
"""
_KEPT_COUNTS = ", ".join(f"k.{key}" for key in STATUSES)


Stale = dict[int, tuple[int | None, int]]  # cohort: (its generation, matching's), as read


def kept_counts(
    cohorts: Mapping[int, Cohort], *, today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> tuple[dict[int, dict[str, int]], Stale]:  # fmt: skip
    """The cohorts' kept counts that hold, and the generations of those that do not, in
    one query."""
    today, now = today or london_today(), now or timezone.now()
    holding: dict[int, dict[str, int]] = {}
    stale: Stale = {}
    if not cohorts:
        return holding, stale
    sql = _KEPT_SQL.format(counts=_KEPT_COUNTS, cohorts=", ".join("%s" for _ in cohorts))
    fields = (None,) * 6 + (field_of(StatusCount, "fresh_until"),) + (None,) * len(STATUSES)
    for row in fetch(sql, list(cohorts), fields):
        pk, generation, counted, pair_generation, pairs_now, expected, until, *counts = row
        holds = (
            generation is not None and counted == generation and pair_generation == pairs_now
            and expected == expected_for(cohorts[pk], today) and (until is None or now < until)
        )  # fmt: skip
        if holds:
            holding[pk] = dict(zip(STATUSES, map(int, counts), strict=True))
        else:
            stale[pk] = (generation, int(pairs_now))
    return holding, stale


def status_counts_of(cohorts: Mapping[int, Cohort]) -> dict[int, dict[str, int]]:
    """How many of each cohort's pairs have each status: the kept counts where they hold
    (one query for every cohort), counted again, and kept, where they do not."""
    today, now = london_today(), timezone.now()
    found, stale = kept_counts(cohorts, today=today, now=now)
    if stale:
        counted_now = tally({pk: cohorts[pk] for pk in stale}, today=today, now=now)
        for pk in stale:
            found[pk] = counted_now[pk].counts
        _keep(counted_now, stale, expected={pk: expected_for(cohorts[pk], today) for pk in stale},
              now=now)  # fmt: skip
    return found


_KEPT_FIELDS = ("counted_generation", "pair_generation", "expected", "fresh_until",
                "counted_at", *STATUSES)  # fmt: skip


def _keep(counted: dict[int, Tally], stale: Stale, *, expected: dict[int, int],
          now: datetime.datetime) -> None:  # fmt: skip
    """Keep what was counted, at the generations read before counting: a change since has
    raised a generation, so what is kept does not hold and the next reader counts again. A
    cohort without a row is given one that does not hold yet (decision 0016's rule). Two
    statements at most, whatever the number of cohorts."""
    new: list[StatusCount] = []
    old: list[StatusCount] = []
    for pk, (generation, pairs) in stale.items():
        row = StatusCount(
            cohort_id=pk, generation=generation or 1, counted_generation=generation,
            pair_generation=pairs, expected=expected[pk],
            fresh_until=counted[pk].fresh_until, counted_at=now, **counted[pk].counts,
        )  # fmt: skip
        (old if generation is not None else new).append(row)
    if new:
        StatusCount.objects.bulk_create(new, ignore_conflicts=True)
    if old:
        StatusCount.objects.bulk_update(old, _KEPT_FIELDS)


def status_counts(cohort: Cohort) -> dict[str, int]:
    """How many of the cohort's pairs have each status."""
    return status_counts_of({cohort.pk: cohort})[cohort.pk]


def mark_changed(pairs: str, params: Sequence[Any], *, deleting: bool = False) -> None:
    """The kept status counts of the cohorts of the pairs ``pairs`` selects (SQL with one
    column of pair ids) stop holding, in the caller's transaction."""
    cohorts = f"SELECT DISTINCT cohort_id AS id FROM matching_pair WHERE id IN ({pairs})"  # noqa: S608 - fixed fragments  # nosec B608
    mark_stale(StatusCount, cohorts, params, deleting=deleting)


class BoardRow(NamedTuple):
    """A pair as the board shows it: both partners' names, its kept facts and its status."""

    pk: int
    status: str  # the pair's: active or ended
    mentor_id: int
    mentee_id: int
    mentor_name: str
    mentee_name: str
    held: int
    unconfirmed: int
    is_paused: bool
    last_contact: datetime.datetime | None
    board_status: str  # one of ``progress.STATUSES``


_BOARD_SOURCE = """(
    SELECT p.id, p.status, p.mentor_id, p.mentee_id, mentor.display_name AS mentor_name,
        mentee.display_name AS mentee_name, COALESCE(f.held, 0) AS held,
        COALESCE(f.unconfirmed, 0) AS unconfirmed, COALESCE(f.paused, FALSE) AS paused,
        f.last_contact, {status} AS board_status
    FROM matching_pair p
    JOIN accounts_user mentor ON mentor.id = p.mentor_id
    JOIN accounts_user mentee ON mentee.id = p.mentee_id
    LEFT JOIN partnerships_pairfacts f ON f.pair_id = p.id
    WHERE p.cohort_id = %s{among}
) b{where}"""
_BOARD_SELECT = ", ".join(f"b.{c}" for c in (
    "id", "status", "mentor_id", "mentee_id", "mentor_name", "mentee_name", "held",
    "unconfirmed", "paused", "last_contact", "board_status",
))  # fmt: skip
_BOARD_FIELDS = (None,) * 8 + (
    field_of(PairFacts, "paused"), field_of(PairFacts, "last_contact"), None,
)  # fmt: skip
_RANK = "CASE b.board_status {} END".format(
    " ".join(f"WHEN '{key}' THEN {i}" for i, key in enumerate(STATUS_ORDER))
)
# Name: the mentor's name; held: fewest first; status: worst first; last contact: longest
# ago first, never first of all.
_ORDERS = {
    "": "b.mentor_name, b.id",
    "name": "b.mentor_name, b.id",
    "held": "b.held, b.mentor_name, b.id",
    "status": f"{_RANK}, b.mentor_name, b.id",
    "contact": "b.last_contact IS NOT NULL, b.last_contact, b.id",
}


# Without a search or a filter, the board in its mentors' name order reads each page along the
# membership_people index by the name each membership keeps (decision 0014), as the pairs page
# does: a page costs the same at 20 pairs or 2,000. The names are subqueries of the page's
# rows (joined, PostgreSQL read every person).
_BY_NAME_SQL = f"""
    SELECT page.id, page.status, page.mentor_id, page.mentee_id,
        (SELECT u.display_name FROM accounts_user u WHERE u.id = page.mentor_id),
        (SELECT u.display_name FROM accounts_user u WHERE u.id = page.mentee_id),
        page.held, page.unconfirmed, page.paused, page.last_contact, page.board_status
    FROM (
        SELECT p.id, p.status, p.mentor_id, p.mentee_id, m.sort_name,
            COALESCE(f.held, 0) AS held, COALESCE(f.unconfirmed, 0) AS unconfirmed,
            COALESCE(f.paused, FALSE) AS paused, f.last_contact, {_BOARD_STATUS} AS board_status
        FROM schemes_membership m
        JOIN matching_pair p ON p.cohort_id = m.cohort_id AND p.mentor_id = m.user_id
        LEFT JOIN partnerships_pairfacts f ON f.pair_id = p.id
        WHERE m.cohort_id = {{cohort}} AND m.role = {one_of(Role.MENTOR.value, Role.values)}
        ORDER BY m.sort_name, p.id LIMIT {{limit}} OFFSET {{offset}}
    ) page
    ORDER BY page.sort_name, page.id
"""  # noqa: S608 - fixed fragments  # nosec B608


class _ByName(Listing[BoardRow]):
    def page_sql(self, start: int, stop: int) -> tuple[str, list[Any]]:
        # The cohort and the page's bounds are written into the statement (``whole``): the
        # plan PostgreSQL kept for any cohort and any page sorted the whole cohort (about
        # 2 ms at 1,000 pairs, against 0.5 ms along the index).
        *status, cohort = self.params
        bounds = {"limit": whole(stop - start), "offset": whole(start)}
        return _BY_NAME_SQL.format(cohort=whole(cohort), **bounds), status


def listing(
    cohort: Cohort, *, q: str = "", statuses: tuple[str, ...] = (), sort: str = "",
    pair: int | None = None, today: datetime.date | None = None,
) -> Listing[BoardRow]:  # fmt: skip
    """The cohort's pairs (active and ended) as the board shows them, a page at a time (for
    ``Paginator``): ``q`` matches either partner's name, ``statuses`` keeps pairs of those
    statuses, ``pair`` that one pair; ``sort`` is one of ``SORTS`` (the mentors' names by
    default). Plain SQL, as the board reads it on every view (decision 0010)."""
    among, where = "", ""
    params: list[Any] = [timezone.now() - NO_CONTACT_AFTER, *[expected_for(cohort, today)] * 2,
                         cohort.pk]  # fmt: skip
    if q:
        # The ORM's case-insensitive match (it differs between databases), compiled only
        # when someone searches.
        found = Pair.objects.filter(
            Q(mentor__display_name__icontains=q) | Q(mentee__display_name__icontains=q)
        ).values("pk")
        sql, found_params = found.query.get_compiler(connection.alias).as_sql()
        among += f" AND p.id IN ({sql})"
        params.extend(found_params)
    if pair is not None:
        among += " AND p.id = %s"
        params.append(pair)
    kept = [s for s in statuses if s in STATUSES]
    if statuses:
        where = " WHERE b.board_status IN ({})".format(", ".join(["%s"] * len(kept)) or "NULL")
        params.extend(kept)
    plain = not (q or statuses or pair is not None) and sort in ("", "name")
    return (_ByName if plain else Listing)(
        select=_BOARD_SELECT,
        source=_BOARD_SOURCE.format(status=_BOARD_STATUS, among=among, where=where),
        params=params,
        order=_ORDERS.get(sort, _ORDERS[""]),
        row=BoardRow,
        fields=_BOARD_FIELDS,
    )
