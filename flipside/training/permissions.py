"""Who may see and change training sessions, handbooks, ground rules and concerns.

Concerns are the most private thing here: only the coordinators of the scheme (or of the
cohort the concern is about) ever see one; the person who raised it is not shown even the
list, and an anonymous concern has no author at all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from flipside.lib.denied import Hidden
from flipside.schemes.models import Scheme
from flipside.schemes.permissions import (
    Action,
    coordinated_schemes,
    managed_cohorts,
    member_cohorts,
)

from .models import Concern, TrainingSession


def get_session(user: Any, session_id: int, action: Action) -> TrainingSession:
    cohorts = managed_cohorts(user) if action is Action.MANAGE else member_cohorts(user)
    session = (
        TrainingSession.objects.select_related("cohort__scheme")
        .filter(pk=session_id, cohort__in=cohorts.values("pk"))
        .first()
    )
    if session is None:
        raise Hidden
    return session


def readable_schemes(user: Any) -> QuerySet[Scheme]:
    """Schemes whose handbook and ground rules the person may read: members and coordinators."""
    return Scheme.objects.filter(
        Q(pk__in=coordinated_schemes(user).values("pk"))
        | Q(cohorts__in=member_cohorts(user).values("pk"))
    ).distinct()


def get_readable_scheme(user: Any, scheme_id: int) -> Scheme:
    scheme = readable_schemes(user).filter(pk=scheme_id).first()
    if scheme is None:
        raise Hidden
    return scheme


def visible_concerns(user: Any) -> QuerySet[Concern]:
    return Concern.objects.filter(
        Q(scheme__in=coordinated_schemes(user).values("pk"))
        | Q(cohort__in=managed_cohorts(user).values("pk"))
    ).distinct()


def get_concern(user: Any, concern_id: int) -> Concern:
    concern = (
        visible_concerns(user)
        .select_related("scheme", "cohort", "raised_by")
        .filter(pk=concern_id)
        .first()
    )
    if concern is None:
        raise Hidden
    return concern


def schemes_for_concerns(user: Any) -> QuerySet[Scheme]:
    """Schemes a person can raise a concern in: those they take part in."""
    return Scheme.objects.filter(cohorts__in=member_cohorts(user).values("pk")).distinct()
