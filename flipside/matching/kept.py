"""The pairs page's figures kept between changes (``PairCount``, decision 0016): what marks
them as no longer holding. ``selectors.pair_figures`` reads and counts them again."""

from __future__ import annotations

from django.db import connections, router

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
    cohorts = _COHORTS_OF[what]
    alias = router.db_for_write(PairCount)
    with connections[alias].cursor() as cursor:
        if deleting:
            cursor.execute(
                "UPDATE matching_paircount SET generation = generation + 1 "  # noqa: S608 - one of _COHORTS_OF
                f"WHERE cohort_id IN ({cohorts})",
                [pk],
            )
        else:
            cursor.execute(
                "INSERT INTO matching_paircount (cohort_id, generation, active, ended, unpaired) "  # noqa: S608 - one of _COHORTS_OF
                f"SELECT changed.id, 1, 0, 0, 0 FROM ({cohorts}) changed WHERE 1 = 1 "
                "ON CONFLICT (cohort_id) DO UPDATE "
                "SET generation = matching_paircount.generation + 1",
                [pk],
            )
