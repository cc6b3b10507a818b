"""Recording an idea: a mentor or mentee (alone, with their partner, or anonymously through
the coordinators), or a coordinator entering one passed on or raised at a reflection event."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.accounts.types import AuthedRequest
from flipside.matching.models import Pair
from flipside.partnerships.models import ReflectionEvent

from .. import forms
from ..models import Source
from ..permissions import get_recording_cohort
from ..services import IdeasError
from ..services import ideas as services


def refused(form: django_forms.Form, error: IdeasError) -> None:
    """A service's refusal shown on the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, str(error))


def partners_of(user: User, cohort_id: int) -> list[User]:
    """The person's partners in the cohort's active pairs."""
    pairs = (
        Pair.objects.filter(cohort_id=cohort_id, status=Pair.Status.ACTIVE)
        .filter(Q(mentor=user) | Q(mentee=user))
        .select_related("mentor", "mentee")
    )
    return [p.mentee if p.mentor_id == user.pk else p.mentor for p in pairs]


def record(request: AuthedRequest, cohort_id: int) -> HttpResponse:
    cohort, as_coordinator = get_recording_cohort(request.user, cohort_id)
    form: Any
    if as_coordinator:
        events = ReflectionEvent.objects.filter(cohort=cohort).order_by("starts_at", "pk")
        form = forms.CoordinatorIdeaForm(request.POST or None, events=events)
    else:
        partners = partners_of(request.user, cohort.pk)
        form = forms.ParticipantIdeaForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        try:
            idea = services.record_idea(
                cohort, by=request.user, **_who(request, form), **form.idea_values()
            )
        except IdeasError as error:
            refused(form, error)
        else:
            messages.success(request, _("Idea recorded. The coordinators will look at it."))
            return redirect("ideas:idea", idea.pk)
    return render(
        request,
        "ideas/record.html",
        {"cohort": cohort, "form": form, "as_coordinator": as_coordinator},
    )


def _who(request: AuthedRequest, form: Any) -> dict[str, Any]:
    data = form.cleaned_data
    if isinstance(form, forms.CoordinatorIdeaForm):
        event = data.get("event")
        return {"source": Source.EVENT if event else Source.COORDINATORS, "event": event}
    proposers = [request.user]
    if data["way"] == Source.PAIR:
        proposers += form.partners
    return {"source": data["way"], "proposers": proposers, "named": data["named"]}
