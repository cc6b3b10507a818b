"""Email outbox, delivery attempts, per-scheme wording, preferences and scheduled runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One email, written in the same transaction as the change that causes it.

    States: pending → sending (claimed by a worker, with a lease) → sent; a failed attempt goes
    back to pending with a later ``next_attempt_at`` until ``MAX_ATTEMPTS``, then failed. A
    coordinator's retry moves failed → pending. A claim whose lease expires (the worker died)
    is taken over by another worker. Moved only by ``notifications.outbox``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40)
    to = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=250, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    content_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["scheme", "status"], name="outbox_scheme_status_idx"),
            # The outbox page: a scheme's newest 50 without sorting all of its emails.
            models.Index(fields=["scheme", "-created_at", "-id"], name="outbox_scheme_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(lease_expires_at__isnull=False),
                name="outbox_sending_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"


class DeliveryAttempt(models.Model):
    """One hand-over of a message to the mail server, successful or not."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    worker = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    succeeded = models.BooleanField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{'ok' if self.succeeded else 'failed'} at {self.started_at:%Y-%m-%d %H:%M}"


class TemplateOverride(models.Model):
    """A scheme's own wording for one kind of email, with ``{{ placeholder }}`` fields."""

    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.CASCADE, related_name="email_overrides"
    )
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("scheme", "kind", name="one_override_per_scheme_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}: {self.kind}"


class Preference(models.Model):
    """What optional email a person wants. Essential email ignores this."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    optional_email = models.BooleanField(
        _("Send me updates and reminders"),
        default=True,
        help_text=_("Invitations and security emails are always sent."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}: {'on' if self.optional_email else 'off'}"


class ScheduledRun(models.Model):
    """A scheduled job's run in one time slot; the unique slot makes each run happen once."""

    job = models.CharField(max_length=80)
    slot = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [models.UniqueConstraint("job", "slot", name="one_run_per_job_and_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
