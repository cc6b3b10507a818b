"""Who may see and change matching: runs, rules and pairs belong to coordinators of the
cohort; a participant sees only their own active pairs.

Every ``get_*`` returns the object or raises ``Http404``, so another cohort's run, rule or
pair looks exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.http import Http404

from flipside.lib.converters import parse_id
from flipside.schemes.models import Cohort
from flipside.schemes.permissions import managed_cohorts, roles_of

from .models import Pair, PairRule, Proposal, Run

M = TypeVar("M", Run, PairRule, Pair)


def _managed(objects: QuerySet[M], user: Any, pk: int) -> M:
    """The object with this id, if it belongs to a cohort the person manages; else 404."""
    found = objects.filter(pk=pk, cohort__in=managed_cohorts(user).values("pk")).first()
    if found is None:
        raise Http404
    return found


def get_run(user: Any, run_id: int) -> Run:
    """The run, if the person manages its cohort: decided from their roles, so the query
    that fetches the run needs no subquery of the cohorts they manage."""
    related = ("cohort__scheme", "created_by", "published_by")
    run = Run.objects.select_related(*related).filter(pk=run_id).first()
    if run is None or not roles_of(user).coordinates_cohort(run.cohort):
        raise Http404
    return run


def get_cohort_run(cohort: Cohort, run_id: Any) -> Run:
    """A run of this cohort (for ids that arrive in a query string or form)."""
    pk = parse_id(run_id)
    run = Run.objects.filter(cohort=cohort, pk=pk).first() if pk is not None else None
    if run is None:
        raise Http404
    return run


def get_proposal(run: Run, proposal_id: int) -> Proposal:
    proposal = run.proposals.select_related("mentor", "mentee").filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404
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
