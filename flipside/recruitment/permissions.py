"""Who may see and change calls and applications.

Applicants reach only their own applications. Coordinators of a cohort reach its calls and
its applications once submitted (never drafts), with reviewers' scores and notes. Nobody else
reaches any of it: another person's application looks exactly like a missing one (404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from flipside.schemes.permissions import Action, can, managed_cohorts

from .models import Application, Call


def managed_calls(user: Any) -> QuerySet[Call]:
    return Call.objects.filter(cohort__in=managed_cohorts(user).values("pk"))


def get_call(user: Any, call_id: int) -> Call:
    """The call, if the person coordinates its cohort: decided from their roles, read once
    a request, rather than by a subquery of managed cohorts."""
    call = Call.objects.select_related("cohort__scheme__organisation").filter(pk=call_id).first()
    if call is None or not can(user, Action.MANAGE, call.cohort):
        raise Http404
    return call


def reviewable_applications(user: Any) -> QuerySet[Application]:
    return Application.objects.submitted().filter(call__in=managed_calls(user).values("pk"))


def get_application_for_review(user: Any, application_id: int) -> Application:
    application = (
        reviewable_applications(user)
        .select_related("call__cohort__scheme", "applicant", "site", "programme")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404
    return application


def get_own_application(user: Any, application_id: int) -> Application:
    application = (
        Application.objects.select_related(
            "call__cohort__scheme__organisation", "site", "programme"
        )
        .filter(pk=application_id, applicant=user)
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if application is None:
        raise Http404
    return application


def get_public_call(token: str) -> Call:
    call = Call.objects.select_related("cohort__scheme__organisation").filter(token=token).first()
    if call is None:
        raise Http404
    return call
