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
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.accounts.models import User
from flipside.lib import sections as draw
from flipside.lib.rows import url_with_id
from flipside.lib.sql import fetch, whole
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.offers import CardOffer, Link, NextStep, Part, Section

from .models import Stage as SurveyStage

ASKING = (Stage.MATCHING, Stage.RUNNING, Stage.CLOSED)

# The cohorts' surveys with each one's people invited and answered, kept on its row (decision
# 0023): the steps read them for every cohort they are asked about, and keep them on the
# cohort for its page's section (one statement for both).
_SURVEYS_SQL = """
    SELECT se.cohort_id, s.id, ins.title, s.stage, s.invited_people, s.answered_people
    FROM surveys_survey s JOIN surveys_series se ON se.id = s.series_id
    JOIN surveys_instrument ins ON ins.id = s.instrument_id
    WHERE se.cohort_id IN ({cohorts})
    ORDER BY s.opens_on, s.id
"""
_KEPT = "_surveys_rows"  # a cohort's surveys, read with its step, kept for its section

Row = tuple[int, str, str, int, int]  # survey id, title, stage, people invited and answered


def _surveys(cohorts: Sequence[Cohort]) -> dict[int, list[Row]]:
    """Each cohort's surveys by opening date (one query), kept on the cohort."""
    sql = _SURVEYS_SQL.format(cohorts=", ".join(whole(c.pk) for c in cohorts))
    found: dict[int, list[Row]] = {c.pk: [] for c in cohorts}
    for cohort_id, *row in fetch(sql, [], ()):
        survey_id, title, stage, invited, answered = row
        found[cohort_id].append((survey_id, title, stage, int(invited), int(answered)))
    for cohort in cohorts:
        setattr(cohort, _KEPT, found[cohort.pk])
    return found


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """ "Schedule the pre survey" for a cohort being matched or running without one;
    "Schedule the post survey and closing feedback" for a closed cohort without them."""
    asking = [c for c in cohorts if c.stage in ASKING]
    if not asking:
        return {}
    surveys = _surveys(asking)
    steps = {}
    for cohort in asking:
        url = reverse("surveys:cohort_surveys", args=[cohort.pk])
        have = {stage for _id, _title, stage, _invited, _answered in surveys[cohort.pk]}
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
    name: str  # the instrument's title and the stage's label
    answered: str  # "a of i people answered", in people (a check-in asks a person again)
    url: str  # the survey's results page


@dataclass
class CohortSurveys:
    cohort: Cohort
    rows: list[SurveyRow]


def cohort_sections(
    cohort: Cohort, *, can_manage: bool, viewer: User | None = None
) -> list[Section]:
    """For the cohort's coordinators: each survey's response rate (in people) with a link
    to its results, and a link to the surveys page (the surveys its step read, or one
    query). Nobody else sees survey figures here."""
    if not can_manage:
        return []
    found = getattr(cohort, _KEPT, None)
    if found is None:
        found = _surveys([cohort])[cohort.pk]
    results = url_with_id("surveys:results")
    rows = [
        SurveyRow(
            f"{title} · {SurveyStage(stage).label}",
            ngettext("%(a)s of %(i)s person answered", "%(a)s of %(i)s people answered", invited)
            % {"a": answered, "i": invited},
            results(survey_id),
        )
        for survey_id, title, stage, invited, answered in found
    ]
    data = CohortSurveys(cohort, rows)
    return [Section(_section(data), data)]


def _section(data: CohortSurveys) -> SafeString:
    parts: list[object] = [draw.heading(_("Surveys"), id="surveys-title")]
    if data.rows:
        items = "".join(
            f"  <li>{draw.link(row.url, row.name, draw.join([': ', row.answered]))}</li>\n"
            for row in data.rows
        )
        # Safe: items drawn by draw.link, which escapes.
        parts.append(SafeString(f'<ul aria-labelledby="surveys-title">\n{items}</ul>\n'))  # nosec B703
    else:
        parts.append(draw.paragraph(_("No surveys scheduled yet.")))
    url = draw.url("surveys:cohort_surveys", data.cohort.pk)
    parts.append(draw.actions([draw.link(url, _("Schedule surveys and see response rates"))]))
    return draw.join(parts)
