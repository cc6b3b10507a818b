"""The reports app's retention rule (``privacy.retention``; decision 0035): a report's PDF or
publication bundle is an operational record, deleted 90 days after the worker finished it.
A document holds figures of its moment; a new one can be made from the cohort at any time."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from flipside.privacy.inventory import Keep
from flipside.privacy.retention import Action, Rule, Schedules, fixed, register_rule

from .models import ReportDocument

FINISHED = [ReportDocument.Status.DONE, ReportDocument.Status.FAILED]


def documents_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[Any]:
    return ReportDocument.objects.filter(
        status__in=FINISHED, finished_at__lt=now - fixed(Keep.OPERATIONS)
    )


def register() -> None:
    register_rule(
        Rule(
            key="reports.documents",
            retention=Keep.OPERATIONS,
            label="reports.ReportDocument",
            action=Action.DELETED,
            due=documents_due,
            scheme="cohort__scheme",
            people=("requested_by",),
            ends="Deleted with their file.",
        )
    )
