"""Reads of the partnerships app shared by its pages, its offers and its reminders."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from flipside.lib.dates import LONDON
from flipside.matching.models import Pair

from .progress import Progress, expected_by, status_of


def london_today() -> datetime.date:
    return timezone.now().astimezone(LONDON).date()


def progress_of(pair: Pair, *, held: int, contacts: int, paused: bool,
                today: datetime.date | None = None) -> Progress:  # fmt: skip
    """The pair's progress from its kept facts (``PairFacts``; its cohort loaded)."""
    cohort = pair.cohort
    today = today or london_today()
    expected = expected_by(
        today, starts_on=cohort.starts_on, ends_on=cohort.ends_on, minimum=cohort.min_meetings
    )
    status = status_of(
        held=held,
        expected=expected,
        ended=pair.status == Pair.Status.ENDED,
        paused=paused,
        any_contact=contacts > 0,
        paired_for=timezone.now() - pair.started_at,
    )
    return Progress(held=held, expected=expected, minimum=cohort.min_meetings, status=status)


def progress_for(pairs: Iterable[Pair], today: datetime.date | None = None) -> dict[int, Progress]:
    """Progress of each pair by id, in one query (the pairs need their cohort loaded)."""
    ids = [pair.pk for pair in pairs]
    if not ids:
        return {}
    kept = Pair.objects.filter(pk__in=ids).annotate(
        held=Coalesce(F("facts__held"), 0),
        contacts=Coalesce(F("facts__contacts"), 0),
        paused=Coalesce(F("facts__paused"), False),
    )
    facts = {row["pk"]: row for row in kept.values("pk", "held", "contacts", "paused")}
    return {
        pair.pk: progress_of(
            pair,
            held=facts[pair.pk]["held"],
            contacts=facts[pair.pk]["contacts"],
            paused=facts[pair.pk]["paused"],
            today=today,
        )
        for pair in pairs
    }
