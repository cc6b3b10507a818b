"""Read-only views of matching data for pages."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from flipside.schemes.models import Cohort, Membership, Role

from . import engine, loader
from .models import Run
from .services import settings_for

PREVIEW_PAIRS = 6


@dataclass
class PreviewRow:
    mentor: Any
    mentee: Any
    current: int
    proposed: int


def weight_preview(cohort: Cohort, weights: dict[str, int]) -> list[PreviewRow]:
    """How some of the cohort's pairs would score with other weights: the latest finished
    proposal's pairs, or else the first few possible pairs. ``weights`` has the keys
    "topics", "availability", "mode_site" and "preferences"."""
    if not any(weights.values()):
        return []
    latest = Run.objects.filter(cohort=cohort, status=Run.Status.DONE).order_by("-number").first()
    if latest is not None:
        sample = list(
            latest.proposals.order_by("-score", "id").values_list("mentor_id", "mentee_id")[
                :PREVIEW_PAIRS
            ]
        )
    else:
        mentors = list(
            Membership.objects.filter(cohort=cohort, role=Role.MENTOR)
            .order_by("user_id")
            .values_list("user_id", flat=True)[:PREVIEW_PAIRS]
        )
        mentees = list(
            Membership.objects.filter(cohort=cohort, role=Role.MENTEE)
            .order_by("user_id")
            .values_list("user_id", flat=True)[:PREVIEW_PAIRS]
        )
        sample = list(zip(mentors, mentees, strict=False))
    if not sample:
        return []
    ids = {uid for pair in sample for uid in pair}
    loaded = loader.load(cohort, settings=settings_for(cohort), include_unready=True, user_ids=ids)
    mentor_at, mentee_at = loaded.mentor_index(), loaded.mentee_index()
    proposed = dataclasses.replace(loaded.problem, weights=engine.Weights(**weights))
    rows = []
    for mentor_id, mentee_id in sample:
        i, j = mentor_at.get(mentor_id), mentee_at.get(mentee_id)
        if i is None or j is None:
            continue
        rows.append(
            PreviewRow(
                mentor=loaded.mentors[i],
                mentee=loaded.mentees[j],
                current=engine.breakdown(loaded.problem, i, j).score,
                proposed=engine.breakdown(proposed, i, j).score,
            )
        )
    return rows
