"""What ``selfcheck`` checks about surveys: every survey has at least as many people marked
as having answered as it has responses (a response without an answered invitation would
mean an answer kept without its respondent being counted), and no response of a survey
that is not identified has an identification."""

from __future__ import annotations

from django.db.models import Count, Q

from flipside.lib.background import Verdict

from .models import Identification, Survey


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
    summary = f"Survey responses counted and unnamed: {'yes' if not problems else 'NO'}"
    return Verdict(summary, tuple(problems[:20]))
