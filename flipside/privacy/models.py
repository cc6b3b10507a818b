"""The audit log: who did what to which object, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    # Where the entry belongs, resolved from the object when it is written, so coordinators
    # can search their own organisation's log (decision 0034). Not hashed: the chain's fields
    # stay as they were (decision 0006), and emptying one (SET NULL) is not tampering.
    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["organisation", "-id"], name="audit_by_organisation"),
            models.Index(fields=["scheme", "-id"], name="audit_by_scheme"),
        ]

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


class ConsentQuerySet(models.QuerySet["ConsentRecord"]):
    """Consent records are evidence: the product never updates or deletes them in bulk either."""

    def update(self, **kwargs: object) -> int:
        raise ValueError("Consent records are insert-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("Consent records are insert-only.")


class ConsentRecord(models.Model):
    """One event in a person's consent for one purpose: given or withdrawn. Insert-only.

    The consent's current state is its latest record for (person, purpose, cohort). The person
    moves it: answering the equality questions with the box ticked gives consent for that
    cohort; withdrawing (or asking to be left out of equality monitoring) records a withdrawal.
    ``ASKED`` is the person-wide choice, for no cohort: withdrawn means "leave me out of
    equality monitoring" (never asked again, counted in no report); given means asked again.
    """

    class Purpose(models.TextChoices):
        EQUALITY_MONITORING = "equality_monitoring", _("Equality monitoring in a cohort")
        ASKED = "equality_questions", _("Being asked the equality monitoring questions")

    class Event(models.TextChoices):
        GIVEN = "given", _("Given")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # PROTECT: the evidence outlives neither silently; erasing a person is a decision of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consent_records"
    )
    purpose = models.CharField(max_length=40, choices=Purpose.choices)
    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event = models.CharField(max_length=10, choices=Event.choices)
    at = models.DateTimeField(default=timezone.now)
    # Keys of privacy.equality.QUESTIONS: the categories of data the consent names.
    categories = models.JSONField(default=list, blank=True)
    notice_version = models.CharField(max_length=20, blank=True)
    # SHA-256 of ``wording``: the statement the person was shown and agreed to (or clicked).
    notice_hash = models.CharField(max_length=64, blank=True)
    wording = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "purpose", "cohort", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(purpose="equality_monitoring", cohort__isnull=False)
                    | models.Q(purpose="equality_questions", cohort__isnull=True)
                ),
                name="consent_cohort_matches_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent record {self.pk}: {self.purpose} {self.event}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Consent records are insert-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Consent records are insert-only.")
