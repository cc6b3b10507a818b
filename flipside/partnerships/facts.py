"""Each pair's kept facts (``PairFacts``): worked out again from the pair's meetings and
pauses whenever one of them is saved or deleted, in the same transaction
(docs/decisions/0018-pair-facts-kept-per-pair.md). ``check_facts`` is the invariant
``selfcheck`` runs: every pair's kept facts equal what its meetings say."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, When

from flipside.lib.background import Verdict
from flipside.matching.models import Pair

from . import board
from .models import Meeting, PairFacts, Pause, StatusCount

HELD = Q(meetings__status=Meeting.Status.HELD) & Q(
    meetings__record__in=[Meeting.Record.UNCONFIRMED, Meeting.Record.CONFIRMED]
)
CONTACT = Q(
    meetings__status__in=[
        Meeting.Status.PROPOSED,
        Meeting.Status.ACCEPTED,
        Meeting.Status.HELD,
        Meeting.Status.NOT_HELD,
    ]
)
UNCONFIRMED = Q(
    meetings__status__in=[Meeting.Status.HELD, Meeting.Status.NOT_HELD],
    meetings__record=Meeting.Record.UNCONFIRMED,
)
# The latest held meeting's time, or the latest proposal's, whichever is later.
CONTACT_AT = Case(
    When(meetings__status=Meeting.Status.HELD, then=F("meetings__starts_at")),
    default=F("meetings__proposed_at"),
)
FIELDS = ("held", "contacts", "unconfirmed", "last_contact", "paused")


def counted(pair_ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """The facts of the pairs (all pairs if None) counted from their meetings and pauses."""
    pairs = Pair.objects.all() if pair_ids is None else Pair.objects.filter(pk__in=pair_ids)
    rows: Any = (
        pairs.order_by()
        .values("pk")
        .annotate(
            held=Count("meetings", filter=HELD),
            contacts=Count("meetings", filter=CONTACT),
            unconfirmed=Count("meetings", filter=UNCONFIRMED),
            last_contact=Max(CONTACT_AT),
            paused=Exists(Pause.objects.filter(pair=OuterRef("pk"), resumed_at__isnull=True)),
        )
    )
    return {row["pk"]: {name: row[name] for name in FIELDS} for row in rows}


def refresh(pair_ids: Iterable[int], *, deleting: bool = False) -> None:
    """Work out the pairs' facts again and keep them, and let their cohorts' kept status
    counts stop holding (in the caller's transaction; ``deleting`` while rows are being
    deleted, see ``lib.kept.mark_stale``)."""
    ids = list(pair_ids)
    if not ids:
        return
    found = counted(ids)
    for pair_id, values in found.items():
        PairFacts.objects.update_or_create(pair_id=pair_id, defaults=values)
    board.mark_changed(", ".join(["%s"] * len(ids)), ids, deleting=deleting)


def refresh_cohort(cohort_id: int) -> None:
    """Every pair of a cohort, after meetings or pauses were written in bulk (demo, bench)."""
    refresh(Pair.objects.filter(cohort_id=cohort_id).values_list("pk", flat=True))


def check_facts() -> Verdict:
    kept = {f.pair_id: {name: getattr(f, name) for name in FIELDS} for f in PairFacts.objects.all()}
    empty = dict.fromkeys(FIELDS, 0) | {"last_contact": None, "paused": False}
    wrong = [
        pair_id for pair_id, values in counted().items()
        if kept.get(pair_id, empty) != values
    ]  # fmt: skip
    summary = f"Pairs' meeting facts: {len(kept)} pairs' kept"
    return Verdict(summary, tuple(f"pair {pk}: kept meeting facts out of date" for pk in wrong))


def check_status_counts() -> Verdict:
    """Every cohort's kept status counts that hold now agree with a fresh count (decision
    0019)."""
    kept = StatusCount.objects.filter(counted_generation=F("generation")).select_related("cohort")
    cohorts = {row.cohort_id: row.cohort for row in kept}
    holding, _stale = board.kept_counts(cohorts)
    fresh = board.tally({pk: cohorts[pk] for pk in holding})
    wrong = tuple(
        f"cohort {pk}: keeps pair statuses {counts} but counts {fresh[pk].counts}"
        for pk, counts in sorted(holding.items()) if counts != fresh[pk].counts
    )  # fmt: skip
    return Verdict(f"Pairs' statuses: {len(holding)} cohorts' counts kept", wrong)
