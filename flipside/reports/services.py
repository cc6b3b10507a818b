"""Report documents (a PDF, a publication bundle): asking for one, and the background worker
claiming and making it with progress, as matching runs are made (``matching.services.runs``).

A request queues a ``ReportDocument``; the worker claims it with a conditional ``UPDATE``
(so two workers never make the same one), holds a lease it renews at every step, and saves
the file. An error puts it back in the queue until ``MAX_ATTEMPTS``; a worker that dies
leaves a lease that runs out, and the next worker claims the document again.
"""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.privacy import audit
from flipside.schemes.models import Cohort

from . import documents
from .models import ReportDocument

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 3


Status = ReportDocument.Status


class ReportError(Exception):
    """A report document that cannot be asked for, with a message a person can act on."""


def request_document(cohort: Cohort, *, kind: str, by: User) -> ReportDocument:
    """Queue a document of ``kind`` for the cohort's report. If one is already waiting or
    being made for the cohort and kind, that one is returned (a double click queues one)."""
    if kind not in ReportDocument.Kind.values:
        raise ReportError(_("Choose a PDF or a publication bundle."))
    working = ReportDocument.objects.filter(
        cohort=cohort,
        kind=kind,
        status__in=[ReportDocument.Status.QUEUED, ReportDocument.Status.RUNNING],
    )
    if (existing := working.first()) is not None:
        return existing
    try:
        with transaction.atomic():
            document = ReportDocument.objects.create(
                cohort=cohort, kind=kind, requested_by=by, step=_("Waiting for the worker")
            )
            audit.record(by, "reports.document.requested", document, kind=kind)
    except IntegrityError:
        # Another request won the race (the database allows one working document per kind).
        existing = working.first()
        if existing is None:
            raise
        return existing
    return document


def process_documents(worker: str, *, limit: int = 1) -> int:
    """Claim and make waiting documents (and those whose worker's lease ran out). Returns
    how many it handled. Called by the worker loop."""
    handled = 0
    now = timezone.now()
    waiting = ReportDocument.objects.filter(
        Q(status=ReportDocument.Status.QUEUED)
        | Q(status=ReportDocument.Status.RUNNING, claimed_until__lt=now)
    ).order_by("created_at", "id")
    for pk, status, claimed_until in waiting.values_list("pk", "status", "claimed_until")[:limit]:
        same = Q(claimed_until=claimed_until) if claimed_until else Q(claimed_until__isnull=True)
        claimed = ReportDocument.objects.filter(same, pk=pk, status=status).update(
            status=ReportDocument.Status.RUNNING, claimed_by=worker[:120],
            claimed_until=now + LEASE, attempts=F("attempts") + 1, started_at=now,
            progress=1, step=_("Starting"),
        )  # fmt: skip
        if not claimed:
            continue  # another worker claimed it first
        document = ReportDocument.objects.select_related("cohort__scheme").get(pk=pk)
        handled += 1
        try:
            make_document(document)
        except Exception:
            log.exception("Report document %s failed", document.pk)
            _retry_or_fail(document)
    return handled


def make_document(document: ReportDocument) -> None:
    """Make a claimed document and save its file."""

    def progress(percent: int, step: str) -> None:
        _progress(document, 10 + percent * 0.85, step)

    _progress(document, 3, _("Gathering the figures"))
    report = documents.cohort_report(document.cohort)
    content = documents.make(document.kind, report, progress=progress)
    ReportDocument.objects.filter(pk=document.pk).update(
        status=ReportDocument.Status.DONE, progress=100, step=_("Ready"), content=content,
        filename=documents.filename(document.cohort, document.kind), error="",
        finished_at=timezone.now(), claimed_until=None,
    )  # fmt: skip


def _progress(document: ReportDocument, percent: float, step: str) -> None:
    ReportDocument.objects.filter(pk=document.pk).update(
        progress=max(1, min(99, int(percent))),
        step=step[:120],
        claimed_until=timezone.now() + LEASE,
    )


def _retry_or_fail(document: ReportDocument) -> None:
    """Back to the queue for another try, or, after ``MAX_ATTEMPTS``, failed with a message
    (kept and shown: a failed document is never dropped silently)."""
    if document.attempts < MAX_ATTEMPTS:
        ReportDocument.objects.filter(pk=document.pk).update(
            status=ReportDocument.Status.QUEUED, claimed_until=None, step=_("Trying again")
        )
        return
    ReportDocument.objects.filter(pk=document.pk).update(
        status=ReportDocument.Status.FAILED, claimed_until=None, finished_at=timezone.now(),
        step=_("Could not finish"),
        error=_(
            "Something went wrong while making this file, %(n)d times. Try again; if it keeps "
            "happening, tell whoever runs Flipside."
        ) % {"n": document.attempts},
    )  # fmt: skip
