"""Places: how many partners each person may have, how many they already have in pairs
that are running, and the lock that keeps two coordinators from both using someone's last
place at the same moment (decision 0004)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flipside.schemes.models import Cohort

from ..models import Capacity, Pair


def capacity_of(cohort: Cohort, user: Any) -> int:
    """How many partners the person may have in the cohort: 1, unless a Capacity allows
    more."""
    found = Capacity.objects.filter(cohort=cohort, user=user).values_list("partners", flat=True)
    return found.first() or 1


def active_load(cohort: Cohort) -> Counter[int]:
    """How many active pairs of the cohort each person is in, by user id."""
    rows = Pair.objects.filter(cohort=cohort, status=Pair.Status.ACTIVE).values_list(
        "mentor_id", "mentee_id"
    )
    load: Counter[int] = Counter()
    for mentor_id, mentee_id in rows:
        load[mentor_id] += 1
        load[mentee_id] += 1
    return load


def lock_pairs(cohort: Cohort) -> None:
    """Inside a transaction, before counting a cohort's active pairs to add more: wait for
    any other transaction adding pairs to the cohort to finish, and keep others waiting
    until this one ends, so two coordinators at once cannot both use someone's last place.
    Capacities differ from person to person, so no database constraint can hold this; a
    lock on the cohort's row does (PostgreSQL). SQLite runs one writing transaction at a
    time, so there the count is already safe."""
    Cohort.objects.select_for_update().filter(pk=cohort.pk).values_list("pk").first()
