"""Reads for respondents: the surveys asked of a person that are open now."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from flipside.schemes.models import Membership

from .models import Invitation, Stage, Survey


@dataclass
class Waiting:
    survey: Survey
    answered: bool
    meeting_id: int = 0


def surveys_for(user: Any, today: datetime.date) -> list[Waiting]:
    """Every open survey of the person's audience in their cohorts (each check-in they were
    invited to as its own row), whether they have answered yet, by closing date."""
    roles = Membership.objects.filter(user=user, role__in=["mentor", "mentee"])
    mine = Q()
    for cohort_id, role in roles.values_list("cohort_id", "role"):
        mine |= Q(series__cohort_id=cohort_id, series__audience=role)
    if not mine:
        return []
    surveys = list(
        Survey.objects.filter(mine, opens_on__lte=today, closes_on__gte=today)
        .select_related("instrument", "series__cohort__scheme")
        .order_by("closes_on", "pk")
    )
    invitations = Invitation.objects.filter(user=user, survey__in=[s.pk for s in surveys])
    by_survey: dict[int, list[Invitation]] = {}
    for invitation in invitations.order_by("meeting_id"):
        by_survey.setdefault(invitation.survey_id, []).append(invitation)
    rows: list[Waiting] = []
    for survey in surveys:
        invited = by_survey.get(survey.pk, [])
        if survey.stage == Stage.CHECKIN:
            rows.extend(Waiting(survey, i.answered, i.meeting_id) for i in invited)
        else:
            rows.append(Waiting(survey, any(i.answered for i in invited)))
    return rows
