"""Reads of the ideas register: the board, the coordinators' register, a person's own ideas,
an idea's history and the people who may be made owners. Each list reads a bounded number of
times whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import router
from django.db.models import Q, QuerySet

from flipside.accounts.models import User
from flipside.lib.sql import Listing, fetch, field_of, whole
from flipside.schemes.models import Membership, Organisation

from .models import CLOSED, Idea, IdeaChange, Owner, Status


@dataclass
class BoardIdea:
    """An idea as the board shows it: never its experience, its owner or who raised it
    unless they chose to be named."""

    id: int
    title: str
    description: str
    area: str
    level: str
    status: str
    status_changed_at: Any
    outcome: str
    reason: str
    named: list[str] = field(default_factory=list)  # the names of proposers who chose it


class _BoardListing(Listing[BoardIdea]):
    """The board's ideas a page at a time, each page's named proposers read with it (one
    more query a page, none for the others)."""

    def __getitem__(self, index: Any) -> Any:
        found = super().__getitem__(index)
        ideas = found if isinstance(found, list) else [found]
        if ideas:
            ids = ", ".join(whole(i.id) for i in ideas)
            by_id = {i.id: i for i in ideas}
            for idea_id, name in fetch(_NAMED_SQL.format(ids=ids), [True], ()):
                by_id[idea_id].named.append(name)
        return found


_NAMED_SQL = """
    SELECT pr.idea_id, u.display_name FROM ideas_proposer pr
    JOIN accounts_user u ON u.id = pr.user_id
    WHERE pr.named = %s AND pr.idea_id IN ({ids}) ORDER BY pr.id
"""


def board_ideas(organisation: Organisation, filters: dict[str, Any]) -> Listing[BoardIdea]:
    """The organisation's ideas past triage (not merged away), newest decision first, each
    with the names of the proposers who chose to be named; never the experience behind them.
    Plain SQL: every participant of the organisation reads the board (decision 0012)."""
    where = [f"i.organisation_id = {whole(organisation.pk)}", "i.merged_into_id IS NULL",
             "i.status <> %s"]  # fmt: skip
    params: list[Any] = [Status.PROPOSED.value]
    for name in ("status", "area"):
        if filters.get(name):
            where.append(f"i.{name} = %s")
            params.append(str(filters[name]))
    source = f"ideas_idea i WHERE {' AND '.join(where)}"
    return _BoardListing(
        select="i.id, i.title, i.description, i.area, i.level, i.status, i.status_changed_at, "
        "i.outcome, i.reason",
        source=source,
        params=params,
        order="i.status_changed_at DESC, i.id DESC",
        row=BoardIdea,
        fields=(
            None,
            None,
            None,
            None,
            None,
            None,
            field_of(Idea, "status_changed_at"),
            None,
            None,
        ),  # fmt: skip
    )


@dataclass
class RegisterIdea:
    """An idea as the coordinators' register lists it."""

    id: int
    title: str
    area: str
    status: str
    needs_new_owner: bool
    event_title: str | None
    scheme_name: str
    cohort_label: str
    owner_name: str | None


def register_ideas(cohort_ids: set[int], filters: dict[str, Any]) -> Listing[RegisterIdea]:
    """The ideas of the cohorts a coordinator manages, the longest unchanged first, for
    triage; in plain SQL, as coordinators come back to it after every decision (0012)."""
    where = [
        f"i.cohort_id IN ({', '.join(whole(pk) for pk in sorted(cohort_ids)) or 'NULL'})",
        "i.merged_into_id IS NULL",
    ]
    params: list[Any] = []
    status = filters.get("status")
    if status == "needs_owner":
        where.append("i.needs_new_owner = %s")
        params.append(True)
    elif status:
        where.append("i.status = %s")
        params.append(str(status))
    if filters.get("area"):
        where.append("i.area = %s")
        params.append(str(filters["area"]))
    if filters.get("q"):
        # The ORM's case-insensitive match (it differs between databases), compiled only
        # when someone searches.
        found = Idea.objects.filter(title__icontains=filters["q"]).values("pk")
        sql, found_params = found.query.get_compiler(router.db_for_read(Idea)).as_sql()
        where.append(f"i.id IN ({sql})")
        params.extend(found_params)
    condition = " AND ".join(where)
    return Listing(
        select="i.id, i.title, i.area, i.status, i.needs_new_owner, e.title, s.name, c.label, "
        "o.display_name",
        source="ideas_idea i JOIN schemes_cohort c ON c.id = i.cohort_id "
        "JOIN schemes_scheme s ON s.id = c.scheme_id "
        "LEFT JOIN partnerships_reflectionevent e ON e.id = i.event_id "
        f"LEFT JOIN accounts_user o ON o.id = i.owner_id WHERE {condition}",
        counted=f"ideas_idea i WHERE {condition}",
        params=params,
        order="i.status_changed_at, i.id",
        row=RegisterIdea,
        fields=(
            None,
            None,
            None,
            None,
            field_of(Idea, "needs_new_owner"),
            None,
            None,
            None,
            None,
        ),  # fmt: skip
    )


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
