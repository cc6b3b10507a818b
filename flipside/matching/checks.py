"""What ``selfcheck`` checks of matching's data."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from flipside.lib.background import Verdict
from flipside.schemes.models import Membership, Role

from .models import Pair


def check_pair_mentors() -> Verdict:
    """Every pair's mentor is a mentor of the pair's cohort, which the pairs page relies on
    to read its pairs in their mentors' name order (``selectors.pair_rows``)."""
    mentor = Membership.objects.filter(
        cohort=OuterRef("cohort"), user=OuterRef("mentor"), role=Role.MENTOR
    )
    stray = list(
        Pair.objects.exclude(Exists(mentor)).order_by("pk").values_list("pk", flat=True)[:20]
    )
    summary = f"Pairs' mentors in their cohorts: {'yes' if not stray else 'NO'}"
    problem = f"pairs whose mentor is not a mentor of their cohort: {stray}"
    return Verdict(summary, (problem,) if stray else ())
