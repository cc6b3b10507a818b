"""Who may reach a pair's workspace, its meetings, journal and the cohort's partnership pages.

Each helper returns the object or raises ``Http404``, so nobody learns what exists.

- A pair's **workspace, meetings and journal** belong to its two partners only. Coordinators
  see a pair's status on the progress board, never its workspace, and nobody but the author
  reads a journal entry (``services.journal``).
- A partner may change things only while the pair is active, the cohort is running and they
  are still a member of the cohort (``require_can_act``): an ended pair or a partner who left
  reads their history but cannot add to it.
- The **progress board, nudges and reflection events' register** are the cohort's
  coordinators'; observers see counts on the cohort page only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from flipside.lib.denied import Hidden
from flipside.matching.models import Pair
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.permissions import Action, get_cohort

from .models import Meeting, ReflectionEvent, TalkingPoint
from .workspace_reads import own_pair


class NotNow(Exception):
    """A partner may read the pair but not change it now; the message says why."""


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def get_own_pair(user: Any, pair_id: int) -> Pair:
    """One of the person's own pairs (active or ended), with its cohort, scheme and both
    partners."""
    if not _signed_in(user):
        raise Hidden
    pair = own_pair(user.pk, pair_id)
    if pair is None:
        raise Hidden
    return pair


def get_own_meeting(user: Any, meeting_id: int) -> Meeting:
    """A meeting of one of the person's own pairs, with its pair, cohort and partners."""
    if not _signed_in(user):
        raise Hidden
    meeting = (
        Meeting.objects.select_related(
            "pair__cohort__scheme__organisation", "pair__mentor", "pair__mentee"
        )
        .filter(Q(pair__mentor=user) | Q(pair__mentee=user), pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Hidden
    return meeting


def partner_of(pair: Pair, user: Any) -> Any:
    """The other person in the pair."""
    return pair.mentee if pair.mentor_id == user.pk else pair.mentor


def require_can_act(pair: Pair, user: Any, *, members: int | None = None) -> None:
    """Raise ``NotNow`` unless the person may change the pair now: it is active, its cohort
    is running and both partners are still members of the cohort in their roles (``members``:
    how many of them are, when the caller has counted them already)."""
    if pair.status != Pair.Status.ACTIVE:
        raise NotNow(_("This partnership has ended, so nothing more can be added to it."))
    if pair.cohort.stage != Stage.RUNNING:
        raise NotNow(_("The cohort is not running, so meetings cannot be changed now."))
    if members is None:
        members = Membership.objects.filter(
            Q(user_id=pair.mentor_id, role=Role.MENTOR)
            | Q(user_id=pair.mentee_id, role=Role.MENTEE),
            cohort_id=pair.cohort_id,
        ).count()
    if members < 2:
        raise NotNow(_("One of you has left the cohort, so this partnership cannot change now."))


def get_managed_cohort(user: Any, cohort_id: int) -> Cohort:
    """A cohort the person coordinates."""
    return get_cohort(user, cohort_id, Action.MANAGE)


def get_managed_pair(user: Any, pair_id: int) -> Pair:
    """A pair in a cohort the person coordinates (for pausing, ending, nudging)."""
    pair = (
        Pair.objects.select_related("cohort__scheme__organisation", "mentor", "mentee")
        .filter(pk=pair_id)
        .first()
    )
    if pair is None:
        raise Hidden
    get_cohort(user, pair.cohort_id, Action.MANAGE)
    return pair


def get_event(user: Any, event_id: int, action: Action) -> ReflectionEvent:
    """A reflection event of a cohort the person may ``action`` (TAKE_PART: every member and
    coordinator; MANAGE: coordinators)."""
    event = ReflectionEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise Hidden
    event.cohort = get_cohort(user, event.cohort_id, action)
    return event


def get_managed_point(user: Any, point_id: int) -> TalkingPoint:
    """A talking point of a scheme the person coordinates."""
    from flipside.schemes.permissions import get_scheme

    point = TalkingPoint.objects.filter(pk=point_id).first()
    if point is None:
        raise Hidden
    point.scheme = get_scheme(user, point.scheme_id)
    return point
