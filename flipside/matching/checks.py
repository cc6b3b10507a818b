"""What ``selfcheck`` checks of matching's data."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef

from flipside.lib.background import Verdict
from flipside.schemes.models import Membership, Role

from .models import Pair, PairCount, Proposal, Run


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


Figures = tuple[int, int, int]  # active pairs, ended pairs, people without a partner


def kept_pair_count_differences() -> list[tuple[int, Figures, Figures]]:
    """Cohorts whose kept pair figures, though marked as holding, differ from a fresh count:
    (cohort id, kept, counted), each as (active, ended, without a partner). Empty unless a
    change escaped ``kept.changed``."""
    from .selectors import fresh_pair_counts

    wrong = []
    for row in PairCount.objects.filter(counted_generation=F("generation")).order_by("pk"):
        stored = (row.active, row.ended, row.unpaired)
        counted = fresh_pair_counts(row.cohort_id)
        if stored != counted:
            wrong.append((row.cohort_id, stored, counted))
    return wrong


def check_kept_pair_counts() -> Verdict:
    """Every cohort's kept pair figures agree with a fresh count (decision 0016)."""
    problems = tuple(
        f"pair figures: cohort {pk} keeps {kept} but counts {counted}"
        for pk, kept, counted in kept_pair_count_differences()
    )
    held = PairCount.objects.filter(counted_generation=F("generation")).count()
    return Verdict(f"Pairs page: {held} cohorts' figures kept", problems)


def check_run_scores() -> Verdict:
    """Every finished run's kept counts by score (``Run.scores``, which the run page draws)
    agree with its pairs."""
    counted: dict[int, dict[str, int]] = {}
    rows = Proposal.objects.order_by().values("run_id", "score").annotate(n=Count("id"))
    for row in rows.iterator():
        counted.setdefault(row["run_id"], {})[str(row["score"])] = row["n"]
    problems = []
    runs = Run.objects.filter(status=Run.Status.DONE).order_by("pk").values_list("pk", "scores")
    for pk, scores in runs.iterator():
        fresh = counted.get(pk, {})
        if scores != fresh:
            problems.append(f"run {pk} keeps scores {scores} but counts {fresh}")
    return Verdict(f"Runs' scores counted: {'yes' if not problems else 'NO'}", tuple(problems))
