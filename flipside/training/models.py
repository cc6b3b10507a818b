"""Training sessions and attendance, the handbook, ground rules, concerns and readiness."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flipside.lib.kept import Kept


class Audience(models.TextChoices):
    MENTORS = "mentors", _("Student mentors")
    MENTEES = "mentees", _("Staff mentees")
    BOTH = "both", _("Mentors and mentees")


AUDIENCE_ROLES: dict[str, set[str]] = {
    Audience.MENTORS: {"mentor"},
    Audience.MENTEES: {"mentee"},
    Audience.BOTH: {"mentor", "mentee"},
}


class TrainingSession(models.Model):
    """A training session for a cohort.

    ``required`` sessions count towards readiness: a participant is trained once they have
    attended one required session for their role (several dates may be offered). ``sequence``
    rises with every change so calendar programs update the invitation they hold.
    """

    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.CASCADE, related_name="training_sessions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.MENTORS)
    required = models.BooleanField(default=True)
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(
        default=120, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    location = models.CharField(max_length=200, blank=True)
    online_url = models.URLField(blank=True)
    capacity = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    facilitator = models.CharField(max_length=150, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.minutes)

    @property
    def is_past(self) -> bool:
        return self.starts_at <= timezone.now()


class Booking(models.Model):
    """A person's place (or place on the waiting list) at a session, and their attendance."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    class Attendance(models.TextChoices):
        UNMARKED = "unmarked", _("Not marked yet")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    attendance = models.CharField(
        max_length=10, choices=Attendance.choices, default=Attendance.UNMARKED
    )
    booked_at = models.DateTimeField(default=timezone.now)
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["booked_at", "id"]
        constraints = [models.UniqueConstraint("session", "user", name="one_booking_per_person")]

    def __str__(self) -> str:
        return f"{self.user} at {self.session}"


class HandbookVersion(models.Model):
    """One published version of a scheme's handbook, written in Markdown.

    A version marked ``significant`` asks everyone to acknowledge it again; other versions
    (typo fixes) keep earlier acknowledgements valid.
    """

    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.CASCADE, related_name="handbook_versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, default="Handbook")
    body = models.TextField()
    significant = models.BooleanField(default=True)
    summary = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint("scheme", "number", name="handbook_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class HandbookAcknowledgement(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        HandbookVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "version", name="one_acknowledgement_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.version}"


class AgreementVersion(models.Model):
    """The scheme's ground rules that each member of a pair accepts (confidentiality, respect,
    no assessment role, either side may pause). Every new version is accepted again."""

    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.CASCADE, related_name="agreement_versions"
    )
    number = models.PositiveIntegerField()
    body = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint("scheme", "number", name="agreement_version_unique")]

    def __str__(self) -> str:
        return f"Ground rules v{self.number}"


class AgreementAcceptance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="acceptances"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "version", name="one_acceptance_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.version}"


class SupportService(models.Model):
    """Where people can get help, shown beside the concern form (e.g. student wellbeing)."""

    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.CASCADE, related_name="support_services"
    )
    name = models.CharField(max_length=150)
    description = models.CharField(max_length=300, blank=True)
    contact = models.CharField(max_length=200, help_text=_("A web address, phone number or email."))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


CONCERN_SUBJECT_MAX_LENGTH = 200


class Concern(models.Model):
    """A concern raised by a participant, seen only by the scheme's coordinators.

    States: new → acknowledged → resolved (coordinators). An anonymous concern stores no
    identity at all: ``raised_by`` is empty from the start. Its subject and body are
    encrypted together in ``ciphertext`` (``privacy.crypto``, rotatable with
    ``manage.py rotate_encryption_keys``), written and read only by ``services``
    (``raise_concern``, ``open_concern``).
    """

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.CASCADE, related_name="concerns")
    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    anonymous = models.BooleanField(default=False)
    # {"subject": ..., "body": ...}, encrypted
    ciphertext = models.TextField()
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "acknowledged", "resolved"]),
                name="concern_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"Concern {self.pk}"


class ReadinessOverride(models.Model):
    """A coordinator's recorded decision to let someone be matched before they are ready."""

    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("cohort", "user", name="one_override_per_person")]

    def __str__(self) -> str:
        return f"Override for {self.user} in {self.cohort}"


class ReadinessCount(Kept):
    """How many of a cohort's student mentors and staff mentees are ready, as last counted,
    kept so that pages showing the figures need not count the whole cohort each time.

    Every change to what the readiness rule reads raises ``generation`` in the same
    transaction (``readiness.changed``); the figures hold while ``counted_generation`` equals
    it, and the next reader counts again once it does not."""

    cohort = models.OneToOneField(
        "schemes.Cohort", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    mentors_ready = models.PositiveIntegerField(default=0)
    mentors = models.PositiveIntegerField(default=0)
    mentees_ready = models.PositiveIntegerField(default=0)
    mentees = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Readiness counts of cohort {self.cohort_id}"
