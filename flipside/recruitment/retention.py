"""Recruitment's retention rule: unsuccessful and withdrawn applications go a period after
selection is over (``privacy.retention``; decision 0035)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from flipside.lib.dates import add_months
from flipside.privacy.inventory import Keep
from flipside.privacy.retention import Action, Rule, Schedules, fixed, register_rule
from flipside.schemes.models import Stage

from .models import Application, EmailVerification

UNSUCCESSFUL = [s for s in Application.Status if s != Application.Status.ACCEPTED]
SELECTING = [Stage.PLANNING, Stage.RECRUITING]


def unsuccessful_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[Application]:
    """Every application but an accepted one (an accepted applicant's application becomes
    part of their participant record), once its cohort left recruiting and the scheme's
    period has passed since. A cohort that never recorded when it left recruiting counts from
    its last change of stage, which is later: nothing goes early."""
    return (
        Application.objects.filter(status__in=UNSUCCESSFUL)
        .exclude(call__cohort__stage__in=SELECTING)
        .annotate(
            selection_over=Coalesce(
                "call__cohort__recruiting_ended_at", "call__cohort__stage_changed_at"
            )
        )
        .filter(
            schedules.due(
                "applications_months",
                scheme="call__cohort__scheme",
                cutoff=lambda months: Q(selection_over__lt=add_months(now, -months)),
            )
        )
    )


def verifications_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[Any]:
    """A link to check an applicant's address, 30 days after it was used or expired."""
    return EmailVerification.objects.annotate(over=Coalesce("used_at", "expires_at")).filter(
        over__lt=now - fixed(Keep.SECRETS)
    )


def register() -> None:
    register_rule(
        Rule(
            key="recruitment.unsuccessful_applications",
            retention=Keep.UNSUCCESSFUL_APPLICATION,
            label="recruitment.Application",
            action=Action.DELETED,
            due=unsuccessful_due,
            scheme="call__cohort__scheme",
            people=("applicant",),
            ends="Deleted with their reviews, notes and topics.",
        )
    )
    register_rule(
        Rule(
            key="recruitment.email_verifications",
            retention=Keep.SECRETS,
            label="recruitment.EmailVerification",
            action=Action.DELETED,
            due=verifications_due,
            scheme="call__cohort__scheme",
            ends="Deleted.",
        )
    )
