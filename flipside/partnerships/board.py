"""Reads of the coordinators' progress board, the nudges and the offers to the home pages.

A pair's status is computed by the database (``status_expression``) with the same rules as
``progress.status_of``, so the board can filter, sort, page and count by status in a fixed
number of queries, whatever the number of pairs. Every figure is the pair's kept facts
(``PairFacts``, worked out again whenever a meeting or pause changes), so counting a cohort
by status reads one row per pair.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from flipside.matching.models import Pair
from flipside.schemes.models import Cohort

from .models import Meeting
from .progress import NO_CONTACT_AFTER, STATUSES, expected_by
from .selectors import london_today

# Worst first: the order of "sort by status".
STATUS_ORDER = ("at_risk", "behind", "no_contact", "on_track", "paused", "ended")
NEEDS_NUDGE = ("behind", "at_risk", "no_contact")
SORTS = ("name", "held", "status", "contact")

_CONTACT_STATUSES = [
    Meeting.Status.PROPOSED,
    Meeting.Status.ACCEPTED,
    Meeting.Status.HELD,
    Meeting.Status.NOT_HELD,
]


def expected_for(cohort: Cohort, today: datetime.date | None = None) -> int:
    return expected_by(
        today or london_today(),
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        minimum=cohort.min_meetings,
    )


def status_expression(expected: Any, now: datetime.datetime) -> Case:
    """``progress.status_of`` in SQL, over the annotations ``with_facts`` adds; ``expected``
    is a number or an expression (one per cohort)."""
    expected = expected if hasattr(expected, "resolve_expression") else Value(expected)
    return Case(
        When(status=Pair.Status.ENDED, then=Value("ended")),
        When(is_paused=True, then=Value("paused")),
        When(held=0, contacts=0, started_at__lte=now - NO_CONTACT_AFTER, then=Value("no_contact")),
        When(held__gte=expected, then=Value("on_track")),
        When(held=expected - Value(1), then=Value("behind")),
        default=Value("at_risk"),
        output_field=CharField(),
    )


def with_facts(
    pairs: QuerySet[Pair], expected: Any, *, now: datetime.datetime | None = None
) -> Any:
    """Annotate pairs with ``held``, ``contacts``, ``is_paused``, ``unconfirmed``,
    ``last_contact`` (their kept facts, ``PairFacts``: one row per pair, never their
    meetings) and ``board_status``."""
    now = now or timezone.now()
    annotated = pairs.annotate(
        held=Coalesce(F("facts__held"), 0),
        contacts=Coalesce(F("facts__contacts"), 0),
        is_paused=Coalesce(F("facts__paused"), False),
        unconfirmed=Coalesce(F("facts__unconfirmed"), 0),
        last_contact=F("facts__last_contact"),
    )
    return annotated.annotate(board_status=status_expression(expected, now))


def board_pairs(cohort: Cohort, *, today: datetime.date | None = None) -> Any:
    """Every pair of the cohort (active and ended) with its facts and both partners."""
    pairs = Pair.objects.filter(cohort=cohort).select_related("mentor", "mentee")
    return with_facts(pairs, expected_for(cohort, today))


# ``status_expression`` in plain SQL over the kept facts (decisions 0010 and 0018): the cohort
# and home pages count every cohort's pairs on each view, and building and compiling the ORM's
# form of these rules cost more than running them.
_TALLY_SQL = """
    SELECT p.cohort_id, p.status,
        CASE
            WHEN p.status = 'ended' THEN 'ended'
            WHEN f.paused THEN 'paused'
            WHEN COALESCE(f.held, 0) = 0 AND COALESCE(f.contacts, 0) = 0
                AND p.started_at <= %s THEN 'no_contact'
            WHEN COALESCE(f.held, 0) >= {expected} THEN 'on_track'
            WHEN COALESCE(f.held, 0) = {expected} - 1 THEN 'behind'
            ELSE 'at_risk'
        END,
        COUNT(*)
    FROM matching_pair p
    LEFT JOIN partnerships_pairfacts f ON f.pair_id = p.id
    WHERE p.cohort_id IN ({cohorts})
    GROUP BY 1, 2, 3
"""


def tally(
    cohorts: Mapping[int, Cohort], *, today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> list[tuple[int, str, str, int]]:  # fmt: skip
    """How many pairs of the cohorts there are of each cohort, pair status and board status:
    (cohort id, status, board status, count) rows, in one query over the pairs' kept facts."""
    if not cohorts:
        return []
    today, now = today or london_today(), now or timezone.now()
    expected = "CASE p.cohort_id " + " ".join("WHEN %s THEN %s" for _ in cohorts) + " END"
    sql = _TALLY_SQL.format(expected=expected, cohorts=", ".join("%s" for _ in cohorts))
    by_cohort = [v for pk, c in cohorts.items() for v in (pk, expected_for(c, today))]
    params: list[Any] = [now - NO_CONTACT_AFTER, *by_cohort, *by_cohort, *cohorts]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(c), str(s), str(b), int(n)) for c, s, b, n in cursor.fetchall()]


def status_counts(cohort: Cohort) -> dict[str, int]:
    """How many of the cohort's pairs have each status: one query."""
    counts = dict.fromkeys(STATUSES, 0)
    for _cohort, _status, board_status, n in tally({cohort.pk: cohort}):
        counts[board_status] += n
    return counts


def filtered(pairs: Any, *, q: str = "", status: str = "") -> Any:
    if q:
        pairs = pairs.filter(
            Q(mentor__display_name__icontains=q) | Q(mentee__display_name__icontains=q)
        )
    if status in STATUSES:
        pairs = pairs.filter(board_status=status)
    return pairs


def sorted_pairs(pairs: Any, sort: str) -> Any:
    """Name: the mentor's name; held: fewest first; status: worst first; last contact:
    longest ago first, never first of all."""
    if sort == "held":
        return pairs.order_by("held", "mentor__display_name", "pk")
    if sort == "status":
        rank = Case(
            *(When(board_status=key, then=Value(i)) for i, key in enumerate(STATUS_ORDER)),
            output_field=IntegerField(),
        )
        return pairs.alias(rank=rank).order_by("rank", "mentor__display_name", "pk")
    if sort == "contact":
        return pairs.order_by(F("last_contact").asc(nulls_first=True), "pk")
    return pairs.order_by("mentor__display_name", "mentee__display_name", "pk")
