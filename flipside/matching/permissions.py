"""Who may see and change matching: runs, rules and pairs belong to coordinators of the
cohort; a participant sees only their own active pairs.

Every ``get_*`` returns the object or raises ``Http404``, so another cohort's run, rule or
pair looks exactly like one that does not exist.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from flipside.lib.converters import parse_id
from flipside.lib.denied import Hidden
from flipside.lib.sql import columns, fetch, fields_of, instances, partial
from flipside.schemes.models import Cohort, Scheme
from flipside.schemes.permissions import managed_cohorts, roles_of

from .models import Pair, PairRule, Proposal, Run

M = TypeVar("M", Run, PairRule, Pair)


def _managed(objects: QuerySet[M], user: Any, pk: int) -> M:
    """The object with this id, if it belongs to a cohort the person manages; else 404."""
    found = objects.filter(pk=pk, cohort__in=managed_cohorts(user).values("pk")).first()
    if found is None:
        raise Hidden
    return found


@functools.cache
def _run_sql() -> str:
    return f"""
        SELECT {columns(Run, "r")}, {columns(Cohort, "c")}, {columns(Scheme, "s")},
            created_by.display_name, published_by.display_name
        FROM matching_run r JOIN schemes_cohort c ON c.id = r.cohort_id
        JOIN schemes_scheme s ON s.id = c.scheme_id
        LEFT JOIN accounts_user created_by ON created_by.id = r.created_by_id
        LEFT JOIN accounts_user published_by ON published_by.id = r.published_by_id
        WHERE r.id = %s
    """  # noqa: S608 - column names from the models  # nosec B608


def get_run(user: Any, run_id: int) -> Run:
    """The run with its cohort, scheme and the names of who started and published it, if
    the person manages its cohort: decided from their roles, so the query needs no subquery
    of the cohorts they manage. Every run page asks, so this is plain SQL (decision 0011)."""
    models = (Run, Cohort, Scheme)
    rows = fetch(_run_sql(), [run_id], (*fields_of(*models), None, None))
    if not rows:
        raise Hidden
    run, cohort, scheme = instances(rows[0], *models)
    cohort.scheme, run.cohort = scheme, cohort
    people = get_user_model()
    created_by, published_by = rows[0][-2:]
    if run.created_by_id is not None:
        run.created_by = partial(people, {"id": run.created_by_id, "display_name": created_by})
    if run.published_by_id is not None:
        run.published_by = partial(
            people, {"id": run.published_by_id, "display_name": published_by}
        )
    if not roles_of(user).coordinates_cohort(cohort):
        raise Hidden
    return run


def get_cohort_run(cohort: Cohort, run_id: Any) -> Run:
    """A run of this cohort (for ids that arrive in a query string or form)."""
    pk = parse_id(run_id)
    run = Run.objects.filter(cohort=cohort, pk=pk).first() if pk is not None else None
    if run is None:
        raise Hidden
    return run


def get_proposal(run: Run, proposal_id: int) -> Proposal:
    proposal = run.proposals.select_related("mentor", "mentee").filter(pk=proposal_id).first()
    if proposal is None:
        raise Hidden
    return proposal


def get_rule(user: Any, rule_id: int) -> PairRule:
    return _managed(PairRule.objects.select_related("cohort", "mentor", "mentee"), user, rule_id)


def get_pair(user: Any, pair_id: int) -> Pair:
    return _managed(
        Pair.objects.select_related("cohort__scheme", "mentor", "mentee"), user, pair_id
    )


def own_active_pairs(user: Any, cohort: Cohort | int) -> QuerySet[Pair]:
    """The person's own active pairs in the cohort (empty for anyone else)."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return Pair.objects.none()
    return (
        Pair.objects.filter(cohort=cohort, status=Pair.Status.ACTIVE)
        .filter(Q(mentor=user) | Q(mentee=user))
        .select_related("mentor", "mentee")
    )
