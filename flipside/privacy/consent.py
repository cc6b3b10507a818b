"""Reads of consent records: where a person's consents stand, and who is left out.

A consent's state is its latest record for (person, purpose, cohort); records are never
changed, so the history is the records in order. ``counted_records`` is the only way equality
answers are read for counting (``aggregates`` calls it), so every report honours a withdrawal
and the person-wide "leave me out" choice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from .models import ConsentRecord, EqualityRecord

Purpose, Event = ConsentRecord.Purpose, ConsentRecord.Event


def wording_hash(wording: str) -> str:
    return hashlib.sha256(wording.encode()).hexdigest()


def _latest_event(**where: Any) -> Subquery:
    """The event of the latest record matching ``where`` (OuterRefs allowed)."""
    latest = ConsentRecord.objects.filter(**where).order_by("-id").values("event")[:1]
    return Subquery(latest)


def left_out_people() -> QuerySet[Any, Any]:
    """Ids of the people whose latest person-wide choice is "leave me out", as a subquery."""
    return (
        ConsentRecord.objects.filter(purpose=Purpose.ASKED)
        .annotate(latest=_latest_event(user=OuterRef("user"), purpose=Purpose.ASKED))
        .filter(latest=Event.WITHDRAWN)
        .values("user_id")
    )


def is_left_out(user: Any) -> bool:
    latest = ConsentRecord.objects.filter(user=user, purpose=Purpose.ASKED).order_by("-id").first()
    return latest is not None and latest.event == Event.WITHDRAWN


def counted_records() -> QuerySet[EqualityRecord]:
    """Equality records that may be counted: consent for the cohort stands (its latest record
    is "given") and the person has not asked to be left out. Withdrawing deletes the answers
    too; this holds even if answers came back (restored from a backup, say) without consent."""
    standing = _latest_event(
        user=OuterRef("user"), purpose=Purpose.EQUALITY_MONITORING, cohort=OuterRef("cohort")
    )
    return (
        EqualityRecord.objects.annotate(consent=standing)
        .filter(consent=Event.GIVEN)
        .exclude(user_id__in=left_out_people())
    )


def standing_consent(user: Any, cohort: Any) -> ConsentRecord | None:
    """The person's "given" record for equality monitoring in the cohort, if it stands."""
    latest = (
        ConsentRecord.objects.filter(user=user, purpose=Purpose.EQUALITY_MONITORING, cohort=cohort)
        .order_by("-id")
        .first()
    )
    return latest if latest is not None and latest.event == Event.GIVEN else None


@dataclass(frozen=True)
class Consent:
    """One of a person's consents, for their privacy page: its latest record and history."""

    latest: ConsentRecord
    history: tuple[ConsentRecord, ...]

    @property
    def stands(self) -> bool:
        return self.latest.event == Event.GIVEN


def consents_of(user: Any) -> list[Consent]:
    """The person's consents, newest change first, each with its records oldest first."""
    by_key: dict[tuple[str, int | None], list[ConsentRecord]] = {}
    records = ConsentRecord.objects.filter(user=user).select_related("cohort__scheme")
    for record in records.order_by("id"):
        by_key.setdefault((record.purpose, record.cohort_id), []).append(record)
    consents = [Consent(latest=found[-1], history=tuple(found)) for found in by_key.values()]
    return sorted(consents, key=lambda c: c.latest.pk, reverse=True)
