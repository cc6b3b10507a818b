"""The pairs page's figures kept between changes (``PairCount``, decision 0016): what marks
them as no longer holding. ``selectors.pair_figures`` reads and counts them again."""

from __future__ import annotations

from flipside.lib.kept import mark_stale

from .models import PairCount

# What each change touches: the cohorts whose figures it may change, as SQL selecting their
# ids from one parameter.
_COHORTS_OF = {
    "cohort": "SELECT c.id AS id FROM schemes_cohort c WHERE c.id = %s",
    "user": "SELECT DISTINCT m.cohort_id AS id FROM schemes_membership m WHERE m.user_id = %s",
}


def changed(what: str, pk: int, *, deleting: bool = False) -> None:
    """Something the pairs page counts changed in a cohort (``what`` is "cohort"), or in every
    cohort a person belongs to ("user"): its kept figures stop holding, in the caller's
    transaction. Called for every save and delete of pairs and memberships and every save of
    a person (``apps.py``), and by services that change pairs without a signal (publishing a
    run's pairs, ending a pair).

    While rows are being deleted (``deleting``), only figures already kept are marked: the
    cohort itself may be going."""
    mark_stale(PairCount, _COHORTS_OF[what], [pk], deleting=deleting)
