"""A cohort's pay budget, for its coordinators: the forecast against what is approved and
paid, as a chart with its figures beside it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from flipside.accounts.types import AuthedRequest

from ..budget import BAR_STEP, bars, budget_of
from ..permissions import get_pay_cohort


def budget(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort = get_pay_cohort(request.user, cohort_id)
    figures = budget_of(cohort)  # makes the cohort's pay settings on first use
    drawn = bars(figures)
    context = {
        "cohort": cohort,
        "budget": figures,
        "bars": drawn,
        "chart_height": len(drawn) * BAR_STEP,
    }
    return render(request, "payments/budget.html", context)
