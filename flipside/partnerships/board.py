"""Reads of the coordinators' progress board, the nudges and the offers to the home pages.

A pair's status is computed by the database (``status_expression``) with the same rules as
``progress.status_of``, so the board can filter, sort, page and count by status in a fixed
number of queries, whatever the number of pairs. Every figure comes from subqueries on the
pair's meetings, so the counts by status are one aggregate over the pairs.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from flipside.matching.models import Pair
from flipside.schemes.models import Cohort

from .models import Meeting, Pause
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


def _count(meetings: QuerySet[Meeting]) -> Coalesce:
    counted = (
        meetings.filter(pair=OuterRef("pk"))
        .order_by()
        .values("pair")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _held() -> Coalesce:
    return _count(
        Meeting.objects.filter(status=Meeting.Status.HELD).exclude(record=Meeting.Record.DISPUTED)
    )


def _contacts() -> Coalesce:
    return _count(Meeting.objects.filter(status__in=_CONTACT_STATUSES))


def _unconfirmed() -> Coalesce:
    return _count(
        Meeting.objects.filter(
            status__in=[Meeting.Status.HELD, Meeting.Status.NOT_HELD],
            record=Meeting.Record.UNCONFIRMED,
        )
    )


def _last_contact() -> Subquery:
    """The latest held meeting's time, or the latest proposal's, whichever is later."""
    when = Case(When(status=Meeting.Status.HELD, then=F("starts_at")), default=F("proposed_at"))
    latest = (
        Meeting.objects.filter(pair=OuterRef("pk"))
        .order_by()
        .values("pair")
        .annotate(at=Max(when))
        .values("at")[:1]
    )
    return Subquery(latest)


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
    ``last_contact`` and ``board_status``: subqueries, so still one row per pair and
    aggregates over them stay plain."""
    now = now or timezone.now()
    annotated = pairs.annotate(
        held=_held(),
        contacts=_contacts(),
        is_paused=Exists(Pause.objects.filter(pair=OuterRef("pk"), resumed_at__isnull=True)),
        unconfirmed=_unconfirmed(),
        last_contact=_last_contact(),
    )
    return annotated.annotate(board_status=status_expression(expected, now))


def board_pairs(cohort: Cohort, *, today: datetime.date | None = None) -> Any:
    """Every pair of the cohort (active and ended) with its facts and both partners."""
    pairs = Pair.objects.filter(cohort=cohort).select_related("mentor", "mentee")
    return with_facts(pairs, expected_for(cohort, today))


def status_counts(pairs: Any) -> dict[str, int]:
    """How many of the pairs have each status: one aggregate query."""
    counts = pairs.order_by().aggregate(
        **{key: Count("pk", filter=Q(board_status=key)) for key in STATUSES}
    )
    return {key: counts[key] or 0 for key in STATUSES}


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


def cohort_expected(cohorts: Mapping[int, Cohort], today: datetime.date) -> Case:
    """Each pair's expected number by its cohort, for figures over several cohorts."""
    return Case(
        *(
            When(cohort_id=pk, then=Value(expected_for(cohort, today)))
            for pk, cohort in cohorts.items()
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
