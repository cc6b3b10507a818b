"""Scheduled jobs: each runs at most once per time slot, however many schedulers call it.

Apps register their jobs with ``flipside.lib.background.register_job``; this module runs the
ones that are due.

A job's run and its ``ScheduledRun`` row commit together, so a crashed run can be tried again
in the same slot while a finished one never repeats. Jobs must also be idempotent in
themselves (safe to run twice), because slots are a guard, not a guarantee against a job
that half-committed its own work.
"""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from flipside.lib.background import Job, scheduled_jobs

from .models import OutboxMessage, ScheduledRun

log = logging.getLogger(__name__)

OUTBOX_CONTENT_RETENTION = datetime.timedelta(days=90)


def purge_old_email_content(now: datetime.datetime) -> str:
    """Sent emails keep their envelope (who, what kind, when) but lose their words after 90
    days: the outbox is not an archive of people's correspondence."""
    purged = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENT,
        sent_at__lt=now - OUTBOX_CONTENT_RETENTION,
        content_purged_at__isnull=True,
    ).update(body_text="", body_html="", attachments=[], headers={}, content_purged_at=now)
    return f"{purged} sent emails emptied"


def run_due_jobs(now: datetime.datetime | None = None, jobs: list[Job] | None = None) -> list[str]:
    """Run every job (every registered one, unless ``jobs`` are given) whose current slot has
    not run yet; the names of those run."""
    now = now or timezone.now()
    ran = []
    for job in jobs if jobs is not None else scheduled_jobs():
        slot = job.slot(now)
        try:
            with transaction.atomic():
                record = ScheduledRun.objects.create(job=job.name, slot=slot, started_at=now)
                record.result = job.run(now)[:300]
                record.finished_at = timezone.now()
                record.save(update_fields=["result", "finished_at"])
        except IntegrityError:
            continue  # another scheduler already ran (or is running) this slot
        log.info("Ran %s for %s: %s", job.name, slot, record.result)
        ran.append(job.name)
    return ran
