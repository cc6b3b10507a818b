"""Report documents made by the background worker: a cohort report's PDF and its publication
bundle. They hold aggregates only (every figure went through ``disclosure``), never a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportDocument(models.Model):
    """One PDF or publication bundle of a cohort's report, made in the background.

    States: ``queued`` (asked for; waits for a worker) → ``running`` (a worker claimed it and
    holds a lease, renewed at each step) → ``done`` (``content`` holds the file) or back to
    ``queued`` after an error, until ``failed`` after ``MAX_ATTEMPTS`` (the error is kept and
    shown; asking again queues a new one). A running document whose lease ran out (its worker
    died) is claimed again. Coordinators and observers ask for it; only the worker moves it.
    At most one is queued or running per cohort and kind, so a double click queues one."""

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF of the report")
        BUNDLE = "bundle", _("Publication bundle")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Working")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Could not finish")

    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.CASCADE, related_name="report_documents"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "cohort",
                "kind",
                condition=Q(status__in=["queued", "running"]),
                name="one_working_document_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="report_document_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["pdf", "bundle"]), name="report_document_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="report_document_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_waiting_long(self) -> bool:
        """Queued for over a minute: the background worker may not be running."""
        waited = timezone.now() - self.created_at
        return self.status == self.Status.QUEUED and waited.total_seconds() > 60

    @property
    def content_type(self) -> str:
        return "application/pdf" if self.kind == self.Kind.PDF else "application/zip"
