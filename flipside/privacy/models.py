"""The audit log: who did what to which object, and when."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flipside.lib.dates import add_months


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
    """A single row locked while an entry is appended, so the chain never forks.

    ``start_hash`` is the ``prev_hash`` the oldest kept entry must carry: retention deletes
    entries from the oldest end and moves it forward, so what remains still verifies.
    """

    last_hash = models.CharField(max_length=64, default="0" * 64)
    start_hash = models.CharField(max_length=64, default="0" * 64)

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


class DeletionQuerySet(models.QuerySet["DeletionRecord"]):
    """The deletion log is evidence too: never updated; only retention removes old entries."""

    def update(self, **kwargs: object) -> int:
        raise ValueError("The deletion log is insert-only.")


class DeletionRecord(models.Model):
    """What one retention run or one erasure removed from one table: the table, the ids and
    the counts, never the content. Insert-only.

    ``eligible = count + held`` always holds (a database constraint): every row that was due
    is either removed (deleted, anonymised or minimised, as ``action`` says) or kept under a
    legal hold. After a backup is restored the records newer than the backup are replayed, so
    what was removed stays removed (decision 0035).
    """

    class Action(models.TextChoices):
        DELETED = "deleted", _("Deleted")
        ANONYMISED = "anonymised", _("Anonymised")
        MINIMISED = "minimised", _("Minimised")

    at = models.DateTimeField(default=timezone.now)
    # One retention run or one erasure: every record it wrote shares this.
    run = models.CharField(max_length=32)
    # A retention class's key (privacy.inventory.Keep), or ``erasure``.
    reason = models.CharField(max_length=40)
    label = models.CharField(max_length=100)  # the table, as "app_label.ModelName"
    action = models.CharField(max_length=12, choices=Action.choices)
    ids = models.JSONField(default=list, blank=True)
    count = models.PositiveIntegerField(default=0)
    held_ids = models.JSONField(default=list, blank=True)
    held = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0)
    # For an erasure: the erased account's id (the account row itself may be gone).
    subject = models.PositiveBigIntegerField(null=True, blank=True)

    objects = DeletionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["at"]), models.Index(fields=["run"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(eligible=models.F("count") + models.F("held")),
                name="deletion_eligible_is_removed_plus_held",
            ),
        ]

    def __str__(self) -> str:
        return f"Deletion record {self.pk}: {self.label} {self.action} {self.count}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("The deletion log is insert-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class LegalHold(models.Model):
    """Keep a person's records, or a whole scheme's, past their retention period: while a hold
    stands, retention counts them as held instead of removing them and erasure refuses.

    A hold names a person or a scheme, not both. Lifting it records who and when; the hold
    itself is kept (it is the evidence of why records outlived their period).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="legal_holds",
    )
    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Whose coordinators placed it and may see and lift it (the hold itself holds everywhere).
    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(user__isnull=False, scheme__isnull=False),
                name="legal_hold_on_a_person_or_a_scheme",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class RetentionSchedule(models.Model):
    """How long one scheme keeps each kind of record whose period its coordinators may set.

    Made the first time a coordinator saves the schedule; a scheme without one keeps the
    defaults (``privacy.retention.PERIODS``, from ``privacy.inventory.Keep``). ``version``
    stops a stale edit from overwriting a newer one.
    """

    scheme = models.OneToOneField(
        "schemes.Scheme", on_delete=models.CASCADE, related_name="retention_schedule"
    )
    applications_months = models.PositiveSmallIntegerField(
        _("unsuccessful applications, months after selection"), default=6
    )
    participants_months = models.PositiveSmallIntegerField(
        _("participant records, months after the cohort closes"), default=24
    )
    journals_months = models.PositiveSmallIntegerField(
        _("private journals, months after the pair ends"), default=6
    )
    payments_years = models.PositiveSmallIntegerField(
        _("payment records, years after the end of the tax year"), default=6
    )
    audit_months = models.PositiveSmallIntegerField(
        _("audit log, months after the entry"), default=24
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            # The law (HMRC: six years after the tax year) sets the floor for pay records.
            models.CheckConstraint(
                condition=models.Q(payments_years__gte=6), name="retention_payments_legal_minimum"
            ),
        ]

    def __str__(self) -> str:
        return f"Retention schedule of scheme {self.scheme_id}"


class AccessRequest(models.Model):
    """A subject access request received by email (or letter) and produced by a coordinator of
    an organisation where the person has a role. The reply is due one calendar month after it
    was received (``due_on``). Recorded once: the same person, date and reference in the same
    organisation is the same request."""

    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="access_requests",
    )
    received_on = models.DateField()
    reference = models.CharField(max_length=100)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organisation", "person", "received_on", "reference", name="access_request_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Access request {self.reference}"

    @property
    def due_on(self) -> datetime.date:
        # The ICO's "one month": received 31 January, due 28 or 29 February.
        return add_months(self.received_on, 1)
