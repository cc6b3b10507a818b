"""What surveys stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from flipside.privacy.inventory import PARTICIPANTS, Activity, Basis, Keep, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain
from flipside.privacy.subject_access import rule

ROW = "The row's number."
RUN = Basis.PUBLIC_TASK
SETUP_SEEN = (
    "The scheme's and organisation's coordinators; respondents see the questions they are asked."
)
ANSWERS_SEEN = (
    "The respondent (their own, until the survey closes). The cohort's coordinators see "
    "answers counted once at least 5 people answered, and written answers on the results "
    "page (named only for a survey whose first page says answers are kept with names) and, "
    "never named, in the cohort's report."
)

declare(
    "surveys.Instrument",
    activity=Activity.SURVEYS,
    purpose="A questionnaire for mentors or for mentees; identified or not.",
    retention=Keep.CONFIGURATION,
    seen_by=SETUP_SEEN,
    groups=[
        plain(
            "id scheme audience title introduction identified standard_key created_at version",
            "The questionnaire, for whom, whether answers are kept with names (said on its "
            "first page), and which standard one it is.",
        )
    ],
)

declare(
    "surveys.Question",
    activity=Activity.SURVEYS,
    purpose="One question of a questionnaire.",
    retention=Keep.CONFIGURATION,
    seen_by=SETUP_SEEN,
    groups=[
        plain(
            "id instrument position section text help_text kind required choices",
            "The question's wording, kind, options and place.",
        )
    ],
)

declare(
    "surveys.Series",
    activity=Activity.SURVEYS,
    purpose="One audience's surveys in a cohort; answers are paired within a series only.",
    retention=Keep.CONFIGURATION,
    seen_by="The cohort's coordinators.",
    groups=[plain("id cohort audience", "The cohort and the audience.")],
)

declare(
    "surveys.Survey",
    activity=Activity.SURVEYS,
    purpose=(
        "One survey of a series at one stage (pre, mid, post, closing, check-in), with its dates."
    ),
    retention=Keep.CONFIGURATION,
    seen_by="The cohort's coordinators; the audience while it is open.",
    groups=[
        plain(
            "id series instrument stage opens_on closes_on reminded_on created_at version",
            "The survey, its questionnaire, stage and dates.",
        ),
        plain(
            "invited_people answered_people answers_generation",
            "How many people were invited and have answered, kept between changes.",
        ),
    ],
)

declare(
    "surveys.Invitation",
    activity=Activity.SURVEYS,
    purpose="Who was asked to answer a survey and whether they have; kept apart from the answers.",
    retention=Keep.PARTICIPANT,
    seen_by=(
        "The person (their open surveys); coordinators see only how many were invited and answered."
    ),
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id survey", ROW + " The survey."),
        fields(
            "user meeting_id answered emailed reminded",
            "Who was asked (about which held meeting, for a check-in), whether they answered "
            "and were emailed and reminded.",
            RUN,
            P.PERSONAL,
        ),
    ],
)

declare(
    "surveys.Response",
    activity=Activity.SURVEYS,
    purpose=(
        "One pseudonymous set of answers: no person, no time, a random id. Pre and post "
        "answers are paired only through the keyed pseudonym."
    ),
    retention=Keep.PARTICIPANT,
    seen_by=ANSWERS_SEEN,
    subjects=PARTICIPANTS,
    identifies="pseudonym",
    groups=[
        plain(
            "id survey version",
            (
                "A random id (never the order of arrival), the survey, a number that stops stale "
                "edits."
            ),
        ),
        fields(
            "pseudonym",
            "HMAC-SHA256 of the person and the series with a key kept outside the database: "
            "finds their answers again and pairs pre with post.",
            RUN,
            P.HASHED,
        ),
        fields(
            "round answers",
            "Which check-in it is, and the scale and choice answers.",
            RUN,
            P.CONFIDENTIAL,
        ),
        fields(
            "ciphertext",
            "The free-text answers, encrypted.",
            RUN,
            P.ENCRYPTED,
            may_reveal_special=True,
        ),
    ],
)

declare(
    "surveys.SurveyTally",
    activity=Activity.SURVEYS,
    purpose="A survey's results counted and kept between changes; aggregates only.",
    retention=Keep.COHORT_FIGURES,
    seen_by="The cohort's coordinators, once enough people answered.",
    groups=[
        plain(
            "survey generation pairs_generation keys figures",
            "The counts, and what they were counted from (generations and a fingerprint of "
            "the keys, not the keys).",
        )
    ],
)

declare(
    "surveys.Identification",
    activity=Activity.SURVEYS,
    purpose="Who gave a response, for identified surveys only (said on their first page).",
    retention=Keep.PARTICIPANT,
    seen_by="The cohort's coordinators, with the answers of identified surveys.",
    subjects=PARTICIPANTS,
    identifies="user",
    groups=[
        plain("id", ROW),
        fields("response user", "The response and the person who gave it.", RUN, P.CONFIDENTIAL),
    ],
)


# --- Subject access: how these tables' rows about a person are found ----------------------


def _responses_of(person: Any, found: Any) -> Q | None:
    """Responses carry no person, only the keyed pseudonym of each series the person was
    asked to answer in (decision 0021): the key outside the database works them out."""
    from .models import Survey
    from .pseudonyms import pseudonym

    series = set(
        Survey.objects.filter(invitations__user=person).values_list("series_id", flat=True)
    )
    if not series:
        return None
    return Q(pseudonym__in=[pseudonym(person.pk, series_id) for series_id in series])


rule("surveys.Response", find=_responses_of, finds=("pseudonym",))
