"""Who may see reports.

- A cohort's report: its coordinators (by the cohort, its scheme or its organisation) and its
  observers (leadership). Reports hold aggregates only, never a person.
- A scheme's report across years: the scheme's coordinators (directly or through the
  organisation) and observers of at least one of its cohorts.
Mentors, mentees, other organisations and ids that do not exist: 404, so nobody learns which
reports exist.
"""

from __future__ import annotations

from typing import Any

from flipside.lib.denied import Hidden
from flipside.schemes.models import Cohort, Role, Scheme
from flipside.schemes.permissions import Action, can, get_cohort, roles_of


def get_report_cohort(user: Any, cohort_id: int) -> Cohort:
    """The cohort (with its scheme and organisation) whose report the person may see, or 404.
    ``Action.VIEW`` is exactly coordinators and the cohort's observers."""
    return get_cohort(user, cohort_id, Action.VIEW)


def reads_confidential(user: Any, cohort: Cohort) -> bool:
    """Whether the report shows this person the cohort's written survey answers and the
    reflection events' notes: its coordinators only, never observers (people's own words can
    point to them, and the notes are promised to coordinators)."""
    return can(user, Action.MANAGE, cohort)


def may_see_scheme_report(user: Any, scheme: Scheme) -> bool:
    roles = roles_of(user)
    if roles.coordinates_scheme(scheme):
        return True
    observed = roles.member_of(Role.OBSERVER)
    return bool(observed) and scheme.cohorts.filter(pk__in=observed).exists()


def get_report_scheme(user: Any, scheme_id: int) -> Scheme:
    """The scheme (with its organisation) whose report across years the person may see, or
    404."""
    scheme = Scheme.objects.select_related("organisation").filter(pk=scheme_id).first()
    if scheme is None or not may_see_scheme_report(user, scheme):
        raise Hidden
    return scheme
