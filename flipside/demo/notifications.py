"""The demo's outbox: invitations still waiting for an answer, and one email a mail server
refused, so the emails pages show every state (the worker started by ``make run`` sends the
waiting ones)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from flipside.accounts.models import Invitation
from flipside.accounts.services import invite_person
from flipside.notifications.models import DeliveryAttempt, OutboxMessage
from flipside.notifications.outbox import MAX_ATTEMPTS, backoff
from flipside.schemes.models import Role

from .clock import clock
from .organisation import Demo

REFUSAL = "SMTPRecipientsRefused: {'k.obi@nhs.example': (550, b'5.1.1 Mailbox unavailable')}"


def add_invitations(demo: Demo) -> None:
    """Two invitations to the cohort being matched: one waiting, one that bounced."""
    cohort, by = demo.race_matching, demo.coordinator
    invite_person(
        cohort, email="late.applicant@students.northbridge.example", role=Role.MENTOR, by=by
    )
    # Queued three hours ago, tried at once and then after each of the outbox's waits, until
    # it gave up: as the worker does it.
    queued = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=3)
    with clock(queued):
        bounced = invite_person(cohort, email="k.obi@nhs.example", role=Role.MENTEE, by=by)
    Invitation.objects.filter(pk=bounced.pk).update(created_at=queued)
    _bounce(OutboxMessage.objects.filter(to=bounced.email).get(), queued=queued)


def _bounce(message: OutboxMessage, *, queued: datetime.datetime) -> None:
    at = queued + datetime.timedelta(seconds=4)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        finished = at + datetime.timedelta(seconds=2)
        DeliveryAttempt.objects.create(
            message=message, worker="demo", started_at=at, finished_at=finished,
            succeeded=False, error=REFUSAL,
        )  # fmt: skip
        at = finished + backoff(attempt)
    message.status, message.last_error = OutboxMessage.Status.FAILED, REFUSAL
    message.attempts, message.created_at, message.next_attempt_at = MAX_ATTEMPTS, queued, finished
    message.save(
        update_fields=["status", "attempts", "last_error", "created_at", "next_attempt_at"]
    )
