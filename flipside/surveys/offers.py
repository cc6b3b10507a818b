"""What surveys offers the home page and the cohort overview: for coordinators, the next
step (schedule the pre survey while pairs are being matched or are meeting; the post survey
and closing feedback once the cohort closes) and each survey's response rate on the cohort
page; for mentors and mentees, a link on their card to a survey waiting for their answers.
Observers are offered nothing. One query per call, plain SQL (decision 0010)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.lib.sql import fetch, whole
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.offers import CardOffer, Link, NextStep, Part

from .models import Stage as SurveyStage

ASKING = (Stage.MATCHING, Stage.RUNNING, Stage.CLOSED)

_STAGES_SQL = """
    SELECT se.cohort_id, s.stage FROM surveys_survey s
    JOIN surveys_series se ON se.id = s.series_id
    WHERE se.cohort_id IN ({cohorts})
"""


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """ "Schedule the pre survey" for a cohort being matched or running without one;
    "Schedule the post survey and closing feedback" for a closed cohort without them."""
    asking = [c for c in cohorts if c.stage in ASKING]
    if not asking:
        return {}
    sql = _STAGES_SQL.format(cohorts=", ".join(whole(c.pk) for c in asking))
    stages: dict[int, set[str]] = {}
    for cohort_id, stage in fetch(sql, [], ()):
        stages.setdefault(cohort_id, set()).add(stage)
    steps = {}
    for cohort in asking:
        url = reverse("surveys:cohort_surveys", args=[cohort.pk])
        have = stages.get(cohort.pk, set())
        if cohort.stage == Stage.CLOSED:
            if not {"post", "closing"} <= have:
                text = _("Schedule the post survey and closing feedback.")
                steps[cohort.pk] = NextStep(text, url)
        elif "pre" not in have:
            # Matching and meeting come first; the survey fills the step when they are done.
            text = _("Schedule the pre survey, before pairs first meet.")
            steps[cohort.pk] = NextStep(text, url, fallback=True)
    return steps


# A survey asked once is answerable by its whole audience, invited yet or not (someone who
# joined after the invitations went out); a check-in only by those invited after a held
# meeting, through that meeting's link: without an invitation there is nothing to answer.
_WAITING_SQL = """
    SELECT s.id, se.cohort_id, se.audience, i.meeting_id FROM surveys_survey s
    JOIN surveys_series se ON se.id = s.series_id
    LEFT JOIN surveys_invitation i ON i.survey_id = s.id AND i.user_id = %s
    WHERE se.cohort_id IN ({cohorts}) AND s.opens_on <= %s AND s.closes_on >= %s
        AND (i.answered = %s OR (i.id IS NULL AND s.stage <> %s))
    ORDER BY s.closes_on, s.id, i.meeting_id
"""


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    """For mentors and mentees: a link to the first open survey of their audience they can
    answer and have not yet (a check-in only once invited to it, with its meeting), in one
    query for all their cohorts."""
    taking = {m.cohort_id: m for m in memberships if m.role in (Role.MENTOR, Role.MENTEE)}
    if not taking:
        return {}
    today = timezone.localdate()
    sql = _WAITING_SQL.format(cohorts=", ".join(whole(c) for c in taking))
    offers: dict[int, CardOffer] = {}
    for survey_id, cohort_id, audience, meeting_id in fetch(
        sql, [user.pk, today, today, False, SurveyStage.CHECKIN.value], ()
    ):
        membership = taking[cohort_id]
        if membership.role != audience:
            continue
        url = reverse("surveys:answer", args=[survey_id])
        if meeting_id:
            url += f"?meeting={int(meeting_id)}"
        offer = offers.setdefault(membership.pk, CardOffer())
        if not offer.links:
            offer.links.append(Link(_("Answer a survey waiting for you"), url))
    return offers


def home_sections(user: User) -> list[Part]:
    # A participant's open surveys are on their cohort's card (participant_offers).
    return []


@dataclass
class SurveyRow:
    title: str
    stage: str  # the stage's label
    invited: int  # people, whatever the number of check-ins each was asked to
    answered: int  # people who answered at least once
    url: str  # the survey's results page


@dataclass
class CohortSurveys:
    cohort: Cohort
    rows: list[SurveyRow]


# Each survey's people invited and answered, kept on its row (decision 0023).
_RATES_SQL = """
    SELECT s.id, ins.title, s.stage, s.invited_people, s.answered_people
    FROM surveys_survey s JOIN surveys_series se ON se.id = s.series_id
    JOIN surveys_instrument ins ON ins.id = s.instrument_id
    WHERE se.cohort_id = %s
    ORDER BY s.opens_on, s.id
"""


def cohort_sections(cohort: Cohort, *, can_manage: bool) -> list[Part]:
    """For the cohort's coordinators: each survey's response rate (in people) with a link
    to its results, and a link to the surveys page (one query). Nobody else sees survey
    figures here."""
    if not can_manage:
        return []
    rows = [
        SurveyRow(title, str(SurveyStage(stage).label), int(invited), int(answered),
                  reverse("surveys:results", args=[survey_id]))
        for survey_id, title, stage, invited, answered in fetch(
            _RATES_SQL, [cohort.pk], ()
        )
    ]  # fmt: skip
    return [Part("surveys/_cohort_section.html", CohortSurveys(cohort, rows))]
