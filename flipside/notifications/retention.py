"""The notifications app's retention rules (``privacy.retention``; decision 0035): an email's
envelope is deleted a year after it was sent or gave up (its words go after 90 days already,
``schedules.purge_old_email_content``), and a scheduled job's run 90 days after it started."""

from __future__ import annotations

import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from flipside.privacy.inventory import Keep
from flipside.privacy.retention import Action, Rule, Schedules, fixed, register_rule

from .models import DeliveryAttempt, OutboxMessage, ScheduledRun

FINISHED = [OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED]


def envelopes_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[OutboxMessage]:
    last_try = DeliveryAttempt.objects.filter(message=OuterRef("pk")).order_by("-finished_at")
    return (
        OutboxMessage.objects.filter(status__in=FINISHED)
        .annotate(
            finished=Coalesce(
                F("sent_at"), Subquery(last_try.values("finished_at")[:1]), F("created_at")
            )
        )
        .filter(finished__lt=now - fixed(Keep.EMAIL))
    )


def runs_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[ScheduledRun]:
    """A scheduled job's run, 90 days after it started (only the current slot guards)."""
    return ScheduledRun.objects.filter(started_at__lt=now - fixed(Keep.OPERATIONS))


def register() -> None:
    register_rule(
        Rule(
            key="notifications.outbox",
            retention=Keep.EMAIL,
            label="notifications.OutboxMessage",
            action=Action.DELETED,
            due=envelopes_due,
            scheme="scheme",
            people=("user",),
            ends="Deleted with their delivery attempts.",
        )
    )
    register_rule(
        Rule(
            key="notifications.scheduled_runs",
            retention=Keep.OPERATIONS,
            label="notifications.ScheduledRun",
            action=Action.DELETED,
            due=runs_due,
            ends="Deleted.",
        )
    )
