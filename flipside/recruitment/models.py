"""Calls for mentors and mentees, applications, and their review."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flipside.lib import words
from flipside.privacy import crypto
from flipside.schemes.models import Role

WEEKDAYS = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
]
PARTS_OF_DAY = [("am", _("morning")), ("pm", _("afternoon")), ("eve", _("evening"))]
# Availability is stored as slot codes such as "tue-pm".
AVAILABILITY_SLOTS = [f"{day}-{part}" for day, _d in WEEKDAYS for part, _p in PARTS_OF_DAY]


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    EITHER = "either", _("Either")


class Preference(models.TextChoices):
    """What an applicant would like in a partner. Matching favours pairs that meet these."""

    SAME_SITE = "same_site", _("Someone based at the same site as me")
    OTHER_SITE = "other_site", _("Someone based at a different site from mine")
    NOT_MY_PROGRAMME = (
        "not_my_programme",
        _("Someone from outside my own programme, specialty or department"),
    )


class Seniority(models.TextChoices):
    PROFESSOR = "professor", _("Professor or head of department")
    SENIOR_ACADEMIC = "senior_academic", _("Reader, associate professor or senior lecturer")
    ACADEMIC = "academic", _("Lecturer or teaching fellow")
    CONSULTANT = "consultant", _("Consultant or senior clinician")
    CLINICIAN = "clinician", _("Clinician")
    LEADER = "leader", _("Director, dean or senior manager")
    OTHER = "other", _("Other")


class Topic(models.Model):
    """A subject or lived experience a scheme's mentors may offer to talk about."""

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint("scheme", "name", name="topic_unique_per_scheme")]

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    """A programme of study students follow (e.g. MBBS), used for conflicts of interest."""

    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.CASCADE, related_name="programmes"
    )
    name = models.CharField(max_length=120)
    years = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organisation", "name", name="programme_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name


def new_call_token() -> str:
    return secrets.token_urlsafe(9)


class Call(models.Model):
    """An open call for student mentors or staff mentees to one cohort.

    Its public link works before, during and after the call, saying which applies. Applicants
    may submit and edit between ``opens_at`` and ``closes_at``.
    """

    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="calls")
    role = models.CharField(
        max_length=20, choices=[(Role.MENTOR, Role.MENTOR.label), (Role.MENTEE, Role.MENTEE.label)]
    )
    title = models.CharField(max_length=200)
    introduction = models.TextField()
    eligibility = models.JSONField(
        default=list, blank=True, help_text=_("Statements every applicant must confirm.")
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    places = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    word_limit = models.PositiveSmallIntegerField(
        default=250, validators=[MinValueValidator(50), MaxValueValidator(1000)]
    )
    blind_review = models.BooleanField(
        default=False, help_text=_("Hide applicants' names and emails from reviewers.")
    )
    token = models.CharField(max_length=20, unique=True, default=new_call_token)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["cohort", "role"]
        constraints = [
            models.UniqueConstraint("cohort", "role", name="one_call_per_cohort_and_role"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[Role.MENTOR, Role.MENTEE]), name="call_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def state(self, now: datetime.datetime | None = None) -> str:
        """One of "upcoming", "open" or "closed"."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    @property
    def is_open(self) -> bool:
        return self.state() == "open"


class EmailVerification(models.Model):
    """A link that proves an applicant reads the address they gave. Works once, for a day."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="verifications")
    email = models.EmailField()
    name = models.CharField(max_length=150)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} for {self.call}"


def no_access_needs() -> str:
    """An application without access needs still holds a sealed value: key rotation
    re-encrypts every row and cannot open an empty one."""
    return crypto.encrypt({"text": ""})


class ApplicationQuerySet(models.QuerySet["Application"]):
    def submitted(self) -> ApplicationQuerySet:
        return self.exclude(status__in=[Application.Status.DRAFT])


class Application(models.Model):
    """One person's application to one call (so one per person, cohort and role).

    States: draft → submitted (applicant, while the call is open) → shortlisted | accepted |
    waitlisted | declined (coordinators; shortlisted and waitlisted can still be decided);
    withdrawn (applicant, at any time). An accepted applicant becomes a cohort member; when one
    withdraws, the top of the waiting list is given the place. The access needs are
    encrypted at rest (``access_needs_ciphertext``); the other answers are not (decision 0033).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        ACCEPTED = "accepted", _("Accepted")
        WAITLISTED = "waitlisted", _("Waiting list")
        DECLINED = "declined", _("Not offered a place")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    # Both roles
    site = models.ForeignKey(
        "schemes.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    availability = models.JSONField(default=list, blank=True)
    mode = models.CharField(max_length=20, choices=MeetingMode.choices, blank=True)
    # {"text": ...}: what would help them take part, which can name a disability or a health
    # condition, so encrypted (``privacy.crypto``); written by ``services.save_answers``, read
    # by ``selectors.access_needs_of`` only.
    access_needs_ciphertext = models.TextField(default=no_access_needs)
    # Codes from Preference
    preferences = models.JSONField(default=list, blank=True)
    # People the applicant must not be paired with: one name or email address a line
    conflicts = models.TextField(blank=True)
    eligibility_confirmed = models.BooleanField(default=False)

    # Student mentors
    programme = models.ForeignKey(
        Programme, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    statement = models.TextField(blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="+")
    other_topics = models.TextField(blank=True)

    # Staff mentees (``topics`` holds what a mentee hopes to understand; a student's
    # ``department`` is their current placement or clinical team)
    job_title = models.CharField(max_length=150, blank=True)
    department = models.CharField(max_length=150, blank=True)
    seniority = models.CharField(max_length=30, choices=Seniority.choices, blank=True)
    hopes = models.TextField(blank=True)
    # Programmes and years the person teaches, assesses or supervises:
    # [{"programme": id, "year": n}]
    teaching = models.JSONField(default=list, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            # The applications list: a call's newest (or oldest) 50 without sorting them all.
            models.Index(
                fields=["call", "-submitted_at", "-id"], name="application_call_newest_idx"
            ),
            # A call's applications counted by status (the cohort page, the list's figures,
            # the next steps) from the index alone, without reading each application.
            models.Index(fields=["call", "status"], name="application_call_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint("call", "applicant", name="one_application_per_call"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "shortlisted",
                        "accepted",
                        "waitlisted",
                        "declined",
                        "withdrawn",
                    ]
                ),
                name="application_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Application {self.pk} to {self.call}"

    @property
    def role(self) -> str:
        return self.call.role

    @property
    def is_editable(self) -> bool:
        """Applicants may change their answers until the call closes, unless decided."""
        return self.status in {self.Status.DRAFT, self.Status.SUBMITTED} and self.call.is_open

    def word_count(self) -> int:
        return words.word_count(self.statement)


class RubricCriterion(models.Model):
    """One thing reviewers score applications to a scheme on."""

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.CASCADE, related_name="rubric")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    max_score = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """One reviewer's scores for one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    scores = models.JSONField(default=dict)  # {criterion id (str): score}
    total = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("application", "reviewer", name="one_review_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"Review of {self.application_id} by {self.reviewer_id}"


class ReviewNote(models.Model):
    """A coordinator's private note on an application. Never shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on {self.application_id}"
