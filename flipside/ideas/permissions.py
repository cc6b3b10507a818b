"""Who may see and do what with ideas for change.

- Coordinators of an idea's cohort manage it: triage, merge, owners, every field.
- An owner (not marked left) sees and moves on only the ideas they own.
- A proposer sees the ideas they raised (without other proposers' names unless named).
- Everyone with a membership in any cohort of an organisation (observers included) and its
  coordinators see its board; the public see it only at its address, when turned on.
Anything else, and any id that does not exist, is a 404.
"""

from __future__ import annotations

from typing import Any

from flipside.lib.denied import Hidden
from flipside.lib.sql import columns, fetch, fields_of, instances, whole
from flipside.schemes.models import Cohort, Organisation, Role
from flipside.schemes.permissions import managed_cohorts, roles_of

from .models import RECORDING, Idea, IdeaSettings, Owner, Proposer


def _ok(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def manages_cohort(user: Any, cohort: Cohort) -> bool:
    return _ok(user) and roles_of(user).coordinates_cohort(cohort)


def managed_organisation_ids(user: Any) -> set[int]:
    """Organisations in which the person coordinates at least one cohort."""
    if not roles_of(user).coordinates_anything():
        return set()
    return set(managed_cohorts(user).values_list("scheme__organisation_id", flat=True))


def get_managed_organisation(user: Any, organisation_id: int) -> Organisation:
    """An organisation whose ideas register the person works on (coordinating any of its
    cohorts), or 404."""
    if organisation_id not in managed_organisation_ids(user):
        raise Hidden
    return Organisation.objects.get(pk=organisation_id)


# The organisation with each of its cohorts the person coordinates (by the cohort, its scheme
# or the organisation): the register asks on every view, so plain SQL (decision 0010).
_REGISTER_SQL = """
    SELECT {organisation}, c.id FROM schemes_organisation o
    JOIN schemes_scheme s ON s.organisation_id = o.id
    JOIN schemes_cohort c ON c.scheme_id = s.id
    WHERE o.id = %s AND (c.id IN ({cohorts}) OR s.id IN ({schemes}) OR o.id IN ({organisations}))
"""


def get_register(user: Any, organisation_id: int) -> tuple[Organisation, set[int]]:
    """The organisation whose ideas register the person works on, with the cohorts in it
    they coordinate (whose ideas the register lists), or 404: one query."""
    roles = roles_of(user)
    if not _ok(user) or not roles.coordinates_anything():
        raise Hidden

    def listed(ids: frozenset[int]) -> str:
        return ", ".join(whole(pk) for pk in sorted(ids)) or "NULL"

    sql = _REGISTER_SQL.format(
        organisation=columns(Organisation, "o"),
        cohorts=listed(roles.member_of(Role.COORDINATOR)),
        schemes=listed(roles.schemes),
        organisations=listed(roles.organisations),
    )
    rows = fetch(sql, [organisation_id], (*fields_of(Organisation), None))
    if not rows:
        raise Hidden
    (organisation,) = instances(rows[0][:-1], Organisation)
    return organisation, {row[-1] for row in rows}


def get_board_admin_organisation(user: Any, organisation_id: int) -> Organisation:
    """An organisation the person coordinates as a whole (its board's settings), or 404."""
    if organisation_id not in roles_of(user).organisations:
        raise Hidden
    return Organisation.objects.get(pk=organisation_id)


def is_participant_of(user: Any, organisation_id: int) -> bool:
    """Whether the person belongs to any cohort of the organisation, in any role."""
    cohorts = roles_of(user).member_of()
    if not cohorts:
        return False
    return Cohort.objects.filter(pk__in=cohorts, scheme__organisation_id=organisation_id).exists()


def get_board_organisation(user: Any, organisation_id: int) -> Organisation:
    """An organisation whose board the person may see (its participants and coordinators),
    or 404."""
    if not _ok(user):
        raise Hidden
    if organisation_id in managed_organisation_ids(user) or is_participant_of(
        user, organisation_id
    ):
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is not None:
            return organisation
    raise Hidden


def get_public_board(token: str) -> Organisation:
    """The organisation whose public board is at ``token``, while it is turned on; or 404."""
    if not token or len(token) > 64:
        raise Hidden
    found = (
        IdeaSettings.objects.select_related("organisation")
        .filter(public_board=True, public_token=token)
        .first()
    )
    if found is None:
        raise Hidden
    return found.organisation


def get_recording_cohort(user: Any, cohort_id: int) -> tuple[Cohort, bool]:
    """A cohort in which the person may record an idea: as its mentor or mentee, or entering
    one as its coordinator (the second value says which), while it runs or after it closes
    (``RECORDING``, as the links to this page). Otherwise 404."""
    cohort = Cohort.objects.select_related("scheme__organisation").filter(pk=cohort_id).first()
    if cohort is None or not _ok(user) or cohort.stage not in RECORDING:
        raise Hidden
    if roles_of(user).coordinates_cohort(cohort):
        return cohort, True
    roles = roles_of(user)
    if cohort.pk in roles.member_of(Role.MENTOR) | roles.member_of(Role.MENTEE):
        return cohort, False
    raise Hidden


def current_owner(user: Any, organisation_id: int) -> Owner | None:
    if not _ok(user):
        return None
    return Owner.objects.filter(
        organisation_id=organisation_id, user=user, left_at__isnull=True
    ).first()


class Access:
    """What the person may do with one idea."""

    def __init__(self, *, manage: bool, own: bool, proposer: Proposer | None) -> None:
        self.manage, self.own, self.proposer = manage, own, proposer

    @property
    def move(self) -> bool:
        return self.manage or self.own

    @property
    def sees_experience(self) -> bool:
        return True  # anyone who reaches an idea's own page: coordinators, owner, proposers

    @property
    def sees_names(self) -> bool:
        return self.manage


def access_to(user: Any, idea: Idea) -> Access | None:
    if not _ok(user):
        return None
    manage = roles_of(user).coordinates_cohort(idea.cohort)
    own = idea.owner_id == user.pk and current_owner(user, idea.organisation_id) is not None
    proposer = Proposer.objects.filter(idea=idea, user=user).first()
    if not (manage or own or proposer):
        return None
    return Access(manage=manage, own=own, proposer=proposer)


def get_idea(user: Any, idea_id: int) -> tuple[Idea, Access]:
    """An idea the person manages, owns or raised, with what they may do; or 404."""
    idea = (
        Idea.objects.select_related("cohort__scheme__organisation", "owner", "event", "merged_into")
        .filter(pk=idea_id)
        .first()
    )
    access = access_to(user, idea) if idea is not None else None
    if idea is None or access is None:
        raise Hidden
    return idea, access


def get_managed_idea(user: Any, idea_id: int) -> Idea:
    """An idea of a cohort the person coordinates, or 404."""
    idea, access = get_idea(user, idea_id)
    if not access.manage:
        raise Hidden
    return idea


def get_managed_owner(user: Any, owner_id: int) -> Owner:
    owner = Owner.objects.select_related("user").filter(pk=owner_id).first()
    if owner is None or owner.organisation_id not in managed_organisation_ids(user):
        raise Hidden
    return owner
