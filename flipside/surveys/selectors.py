"""Reads for respondents (the surveys asked of a person that are open now) and for the
coordinators' surveys page (a scheme's instruments, a cohort's surveys), the last two in plain
SQL as every view of that page asks (decision 0010)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from flipside.lib.sql import columns, fetch, fields_of, instances
from flipside.schemes.models import Membership

from .models import Instrument, Invitation, Series, Stage, Survey


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


_INSTRUMENTS_SQL = """
    SELECT {columns} FROM surveys_instrument i WHERE i.scheme_id = %s
    ORDER BY i.audience, i.title, i.id
"""


def scheme_instruments(scheme_id: int) -> list[Instrument]:
    """The scheme's instruments, by audience then title (the schedule form's choices)."""
    sql = _INSTRUMENTS_SQL.format(columns=columns(Instrument, "i"))
    return [instances(row, Instrument)[0] for row in fetch(sql, [scheme_id], fields_of(Instrument))]


_SURVEYS_SQL = """
    SELECT {survey}, {instrument}, {series} FROM surveys_survey s
    JOIN surveys_instrument i ON i.id = s.instrument_id
    JOIN surveys_series se ON se.id = s.series_id
    WHERE se.cohort_id = %s
    ORDER BY s.opens_on, s.id
"""


def cohort_surveys(cohort_id: int) -> list[Survey]:
    """The cohort's surveys by opening date, each with its instrument and series (and their
    people invited and answered, kept on the survey's row)."""
    models = (Survey, Instrument, Series)
    sql = _SURVEYS_SQL.format(
        survey=columns(Survey, "s"),
        instrument=columns(Instrument, "i"),
        series=columns(Series, "se"),
    )
    found = []
    for row in fetch(sql, [cohort_id], fields_of(*models)):
        survey, instrument, series = instances(row, *models)
        survey.instrument, survey.series = instrument, series
        found.append(survey)
    return found
