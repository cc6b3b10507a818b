from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from flipside.accounts.types import AuthedRequest
from flipside.schemes import permissions
from flipside.schemes.permissions import Action

from . import selectors


def home(request: AuthedRequest) -> HttpResponse:
    context = {
        "overview": selectors.coordinator_overview(request.user),
        "cards": selectors.participant_cards(request.user),
        "sections": selectors.home_sections(request.user),
    }
    return render(request, "home/home.html", context)


def cohort_overview(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    """A cohort at a glance: its dates and stage, what each app of the cycle offers, its
    people and rules. Observers see figures only; coordinators also the next step, the stage
    buttons and the stage history."""
    cohort, counts = permissions.get_cohort_and_counts(request.user, cohort_id, Action.VIEW)
    can_manage = permissions.can(request.user, Action.MANAGE, cohort)
    context = {
        "cohort": cohort,
        "counts": counts,
        "can_manage": can_manage,
        "stages": list(cohort._meta.get_field("stage").choices or []),
        "allowed": cohort.allowed_stages() if can_manage else [],
        "history": selectors.stage_history(cohort) if can_manage else [],
        "next_step": selectors.coordinator_steps([cohort]).get(cohort.pk) if can_manage else None,
        "sections": selectors.cohort_sections(cohort, can_manage=can_manage, viewer=request.user),
    }
    return render(request, "home/cohort.html", context)
