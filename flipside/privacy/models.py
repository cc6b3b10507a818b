"""The audit log: who did what to which object, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One change of status, money, pairing or access. Append-only.

    Each entry carries the hash of the one before it, so a removed or edited row breaks the
    chain and ``audit.verify_chain`` finds it.
    """

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=40)
    object_label = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class AuditChainHead(models.Model):
    """A single row locked while an entry is appended, so the chain never forks."""

    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return self.last_hash


class EqualityRecord(models.Model):
    """A person's optional equality-monitoring answers for one cohort, encrypted.

    Kept apart from applications (no link to them) and readable only by the privacy app,
    which reports aggregates. Exists only while consent stands: withdrawing deletes it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="equality_records"
    )
    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="+")
    consented_at = models.DateTimeField()
    notice_version = models.CharField(max_length=20)
    ciphertext = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "cohort", name="one_equality_record_per_cohort"),
        ]

    def __str__(self) -> str:
        return f"Equality record {self.pk}"
