"""What ``selfcheck`` checks about surveys: every survey has at least as many people marked
as having answered as it has responses (a response without an answered invitation would
mean an answer kept without its respondent being counted), no response of a survey that is
not identified has an identification, and the figures kept between changes (decision 0023)
agree with a fresh count: each survey's people invited and answered, and its kept results
while they hold."""

from __future__ import annotations

from django.db.models import Count, Q

from flipside.lib.background import Verdict

from .kept import kept_differences
from .models import Identification, Survey, SurveyTally
from .results import count, keys_fingerprint, questions_of, tally_state


def check_responses() -> Verdict:
    problems = []
    surveys = Survey.objects.annotate(
        n_answered=Count("invitations", filter=Q(invitations__answered=True), distinct=True),
        n_responses=Count("responses", distinct=True),
    ).filter(n_responses__gt=0)
    for survey in surveys:
        if survey.n_responses > survey.n_answered:  # type: ignore[attr-defined]
            problems.append(
                f"survey {survey.pk}: {survey.n_responses} responses but "  # type: ignore[attr-defined]
                f"{survey.n_answered} people marked as answered"  # type: ignore[attr-defined]
            )
    named = Identification.objects.filter(response__survey__instrument__identified=False)
    if named.exists():
        problems.append(f"{named.count()} responses to anonymous surveys carry a name")
    for pk, kept, counted in kept_differences():
        problems.append(
            f"survey {pk}: keeps {kept[0]} people invited and {kept[1]} answered but counts "
            f"{counted[0]} and {counted[1]}"
        )
    problems.extend(_tally_differences())
    summary = f"Survey responses counted and unnamed: {'yes' if not problems else 'NO'}"
    return Verdict(summary, tuple(problems[:20]))


def _tally_differences() -> list[str]:
    """Every kept result that holds, counted again (its free text opened as it was)."""
    problems = []
    keys = keys_fingerprint()
    kept = SurveyTally.objects.values_list("survey_id", flat=True).order_by("survey_id")
    for survey in Survey.objects.filter(pk__in=list(kept)).order_by("pk"):
        generation, pairs, counted_at, pairs_at, keys_at, figures = tally_state(survey)
        if (counted_at, pairs_at, keys_at) != (generation, pairs, keys):
            continue  # does not hold: counted again when next read
        fresh = count(survey, questions_of(survey), least=0 if figures["texts"] else 2**62)
        if tally_state(survey)[:2] != (generation, pairs):
            continue  # answered meanwhile
        if fresh != figures:
            problems.append(f"survey {survey.pk}: kept results differ from a fresh count")
    return problems
