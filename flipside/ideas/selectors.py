"""Reads of the ideas register: the board, the coordinators' register, a person's own ideas,
an idea's history and the people who may be made owners. Each list reads a bounded number of
times whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from flipside.accounts.models import User
from flipside.schemes.models import Membership, Organisation

from .models import CLOSED, Idea, IdeaChange, Owner, Proposer, Status


def board_ideas(organisation: Organisation, filters: dict[str, Any]) -> QuerySet[Idea]:
    """The organisation's ideas past triage (not merged away), newest decision first, each
    with the proposers who chose to be named. Never the experience behind them."""
    named = Proposer.objects.filter(named=True).select_related("user").order_by("id")
    ideas = (
        Idea.objects.filter(organisation=organisation, merged_into__isnull=True)
        .exclude(status=Status.PROPOSED)
        .defer("experience_ciphertext", "created_by", "submit_key")
        .prefetch_related(Prefetch("proposers", queryset=named, to_attr="named_proposers"))
        .order_by("-status_changed_at", "-id")
    )
    if filters.get("status"):
        ideas = ideas.filter(status=filters["status"])
    if filters.get("area"):
        ideas = ideas.filter(area=filters["area"])
    return ideas


def register_ideas(cohort_ids: set[int], filters: dict[str, Any]) -> QuerySet[Idea]:
    """The ideas of the cohorts a coordinator manages, open ones first, for triage."""
    ideas = (
        Idea.objects.filter(cohort_id__in=cohort_ids, merged_into__isnull=True)
        .select_related("owner", "cohort__scheme", "event")
        .order_by("status_changed_at", "id")
    )
    status = filters.get("status")
    if status == "needs_owner":
        ideas = ideas.filter(needs_new_owner=True)
    elif status:
        ideas = ideas.filter(status=status)
    if filters.get("area"):
        ideas = ideas.filter(area=filters["area"])
    if filters.get("q"):
        ideas = ideas.filter(title__icontains=filters["q"])
    return ideas


def raised_by(user: User) -> QuerySet[Idea]:
    return (
        Idea.objects.filter(proposers__user=user)
        .select_related("merged_into", "cohort__scheme")
        .order_by("-created_at", "-id")
    )


def owned_by(user: User) -> QuerySet[Idea]:
    """Ideas the person owns in organisations they have not left."""
    current = Owner.objects.filter(user=user, left_at__isnull=True).values("organisation_id")
    return (
        Idea.objects.filter(owner=user, organisation_id__in=current, merged_into__isnull=True)
        .select_related("cohort__scheme")
        .order_by("-status_changed_at", "-id")
    )


def history(idea: Idea) -> QuerySet[IdeaChange]:
    """The idea's changes and those of the duplicates merged into it, oldest first."""
    ids = [idea.pk, *Idea.objects.filter(merged_into=idea).values_list("pk", flat=True)]
    return IdeaChange.objects.filter(idea_id__in=ids).select_related("by", "idea")


@dataclass
class Counts:
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def possible_owners(organisation_id: int) -> QuerySet[User]:
    """People who may be made owners: staff mentees of the organisation's cohorts and its
    owners, except those marked left."""
    members = Membership.objects.filter(
        cohort__scheme__organisation_id=organisation_id, role="mentee"
    ).values("user_id")
    owners = Owner.objects.filter(organisation_id=organisation_id)
    left = owners.filter(left_at__isnull=False).values("user_id")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=members) | Q(pk__in=owners.values("user_id")))
        .exclude(pk__in=left)
    )


def open_ideas_in(cohort_ids: set[int], *, besides: Idea) -> QuerySet[Idea]:
    """Ideas another may be merged into: not merged, not decided, in the same organisation
    and in cohorts the coordinator manages."""
    return (
        Idea.objects.filter(
            organisation_id=besides.organisation_id,
            cohort_id__in=cohort_ids,
            merged_into__isnull=True,
        )
        .exclude(pk=besides.pk)
        .exclude(status__in=CLOSED)
        .order_by("title", "id")
    )
