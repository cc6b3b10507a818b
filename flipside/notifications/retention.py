"""The outbox's retention rule (``privacy.retention``; decision 0035): an email's envelope is
deleted a year after it was sent or gave up. Its words go after 90 days already
(``schedules.purge_old_email_content``)."""

from __future__ import annotations

import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from flipside.privacy.inventory import Keep
from flipside.privacy.retention import Action, Rule, Schedules, fixed, register_rule

from .models import DeliveryAttempt, OutboxMessage

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
