"""Who may see and do what with surveys.

A scheme's coordinators (and its organisation's) build its instruments; a cohort's
coordinators schedule its surveys, remind non-responders and read results (counts only,
never who answered what). A mentor or mentee answers the surveys of their own audience in
their own cohorts. Observers and everyone else reach nothing here: another person's object
is a 404.
"""

from __future__ import annotations

from typing import Any

from flipside.lib.denied import Hidden
from flipside.schemes.models import Cohort, Membership, Scheme
from flipside.schemes.permissions import Action, get_cohort, get_scheme, roles_of

from .models import Instrument, Question, Survey


def get_builder_scheme(user: Any, scheme_id: int) -> Scheme:
    """A scheme whose instruments the person builds (its coordinators), or 404."""
    return get_scheme(user, scheme_id)


def get_instrument(user: Any, instrument_id: int) -> Instrument:
    found = Instrument.objects.select_related("scheme").filter(pk=instrument_id).first()
    if found is None or not roles_of(user).coordinates_scheme(found.scheme):
        raise Hidden
    return found


def get_question(user: Any, question_id: int) -> Question:
    found = Question.objects.filter(pk=question_id).select_related("instrument__scheme").first()
    if found is None or not roles_of(user).coordinates_scheme(found.instrument.scheme):
        raise Hidden
    return found


def get_survey_cohort(user: Any, cohort_id: int) -> Cohort:
    """A cohort whose surveys the person manages (its coordinators), or 404."""
    return get_cohort(user, cohort_id, Action.MANAGE)


def _survey(survey_id: int) -> Survey | None:
    return (
        Survey.objects.select_related("series__cohort__scheme__organisation", "instrument")
        .filter(pk=survey_id)
        .first()
    )


def get_managed_survey(user: Any, survey_id: int) -> Survey:
    """A survey of a cohort the person coordinates, or 404."""
    found = _survey(survey_id)
    if found is None or not roles_of(user).coordinates_cohort(found.series.cohort):
        raise Hidden
    return found


def get_answerable_survey(user: Any, survey_id: int) -> Survey:
    """A survey asked of the person: they are in its audience in its cohort (whether it is
    open yet or still is, the page says), or 404."""
    found = _survey(survey_id)
    if found is None or not getattr(user, "is_authenticated", False):
        raise Hidden
    member = Membership.objects.filter(
        cohort_id=found.series.cohort_id, user=user, role=found.series.audience
    )
    if not member.exists():
        raise Hidden
    return found
