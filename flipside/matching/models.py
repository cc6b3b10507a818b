"""Proposals of pairs for a cohort, the rules coordinators set, and the pairs published."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flipside.lib.kept import Kept

WEIGHT_RANGE = [MinValueValidator(0), MaxValueValidator(10)]


class FirstContact(models.TextChoices):
    MENTEE = "mentee", _("The staff mentee (the senior partner) gets in touch first")
    MENTOR = "mentor", _("The student mentor gets in touch first")


class MatchingSettings(models.Model):
    """How a cohort's compatibility scores are weighted, and its optional hard rules."""

    cohort = models.OneToOneField(
        "schemes.Cohort", on_delete=models.CASCADE, related_name="matching_settings"
    )
    weight_topics = models.PositiveSmallIntegerField(default=5, validators=WEIGHT_RANGE)
    weight_availability = models.PositiveSmallIntegerField(default=4, validators=WEIGHT_RANGE)
    weight_mode_site = models.PositiveSmallIntegerField(default=2, validators=WEIGHT_RANGE)
    weight_preferences = models.PositiveSmallIntegerField(default=2, validators=WEIGHT_RANGE)
    avoid_same_department = models.BooleanField(
        default=False,
        help_text=_("Never pair a student with staff from the department or clinical team "
                    "they are placed in."),
    )  # fmt: skip
    require_meetable = models.BooleanField(
        default=True,
        help_text=_("Never pair people who cannot meet: online only with in person only, or "
                    "two people who both need to meet in person at different sites."),
    )  # fmt: skip
    first_contact = models.CharField(
        max_length=10, choices=FirstContact.choices, default=FirstContact.MENTEE
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "matching settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_topics__gt=0)
                | Q(weight_availability__gt=0)
                | Q(weight_mode_site__gt=0)
                | Q(weight_preferences__gt=0),
                name="matching_some_weight",
            )
        ]

    def __str__(self) -> str:
        return f"Matching settings for {self.cohort_id}"

    def weights(self) -> dict[str, int]:
        return {
            "topics": self.weight_topics,
            "availability": self.weight_availability,
            "mode_site": self.weight_mode_site,
            "preferences": self.weight_preferences,
        }


class Capacity(models.Model):
    """A person allowed more than one partner in a cohort (everyone else has one)."""

    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    partners = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint("cohort", "user", name="one_capacity_per_person"),
            models.CheckConstraint(
                condition=Q(partners__gte=1, partners__lte=5), name="capacity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} may have {self.partners} partners"


class PairRule(models.Model):
    """A coordinator's choice about one mentor and one mentee: never pair them, or keep them
    paired (a lock) in every run."""

    class Kind(models.TextChoices):
        NEVER = "never", _("Never pair")
        LOCK = "lock", _("Keep this pair")

    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.CASCADE, related_name="pair_rules"
    )
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint("cohort", "mentor", "mentee", name="one_rule_per_pair"),
            models.CheckConstraint(condition=Q(kind__in=["never", "lock"]), name="rule_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.mentor_id}–{self.mentee_id}"


class Run(models.Model):
    """One proposal of pairs for a cohort. Runs are computed by the background worker; a
    finished run is a draft the coordinator may adjust, until one run is published."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Working")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Could not finish")

    class Mode(models.TextChoices):
        BEST = "best", _("Best overall: the highest total score")
        FAIREST = "fairest", _("Fairest: the best worst pair, then the highest total")

    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.CASCADE, related_name="matching_runs"
    )
    number = models.PositiveIntegerField()
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.BEST)
    include_unready = models.BooleanField(default=False)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Work on the background worker
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    # What it used and found
    settings_used = models.JSONField(default=dict, blank=True)
    mentors_considered = models.PositiveIntegerField(default=0)
    mentees_considered = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    total_score = models.PositiveIntegerField(default=0)
    min_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # How many of its pairs have each score ({"87": 3, ...}), written with the figures above
    # whenever its pairs change, so the run page draws how the scores spread without
    # grouping its pairs on every view.
    scores = models.JSONField(default=dict, blank=True)
    solver = models.CharField(max_length=40, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint("cohort", "number", name="run_number_per_cohort"),
            models.UniqueConstraint(
                "cohort", condition=Q(published_at__isnull=False), name="one_published_run"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="run_status_valid",
            ),
            models.CheckConstraint(condition=Q(mode__in=["best", "fairest"]), name="run_mode"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="run_progress_range"),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DONE and self.published_at is None

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_waiting_long(self) -> bool:
        """Queued for over a minute: the background worker may not be running."""
        waited = timezone.now() - self.created_at
        return self.status == self.Status.QUEUED and waited.total_seconds() > 60


class Proposal(models.Model):
    """One proposed pair in a run, with its score and the reasons for it."""

    class Source(models.TextChoices):
        SOLVER = "solver", _("Proposed")
        LOCK = "lock", _("Kept (locked)")
        MANUAL = "manual", _("Added by hand")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="proposals")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    reasons = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SOLVER)

    class Meta:
        ordering = ["-score", "id"]
        # The run page takes a page of pairs in this order without sorting the whole run.
        indexes = [models.Index(fields=["run", "-score", "id"], name="proposal_run_order")]
        constraints = [
            models.UniqueConstraint("run", "mentor", "mentee", name="one_proposal_per_pair"),
            models.CheckConstraint(condition=Q(score__lte=100), name="proposal_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor_id}–{self.mentee_id} ({self.score})"


class Unmatched(models.Model):
    """Someone a run could not pair, and why; or, with ``already_paired``, someone the run
    left out because pairs already running use all their places."""

    class Reason(models.TextChoices):
        NOT_READY = "not_ready", _("Not ready yet")
        NO_PARTNER = "no_partner", _("No one they may be paired with")
        CONFLICT = "conflict", _("Every possible partner is excluded by a conflict or rule")
        TAKEN = "taken", _("Every possible partner went to a better overall pair")
        REMOVED = "removed", _("Taken out of a pair by a coordinator")
        ALREADY_PAIRED = "already_paired", _("Already has as many partners as allowed")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="unmatched")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint("run", "user", name="unmatched_once_per_run")]

    def __str__(self) -> str:
        return f"{self.user_id} unmatched ({self.reason})"


class Pair(models.Model):
    """A mentor and a mentee working together in a cohort: published from a run, paired by
    hand (re-matching) or made before proposals existed.

    States: active → ended (a coordinator ends it early). Every active pair uses a place of
    each of its two people (one, or their ``Capacity``): services that create pairs lock the
    cohort's row and count the active pairs again before saving
    (``services.places.lock_pairs``).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended early")

    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="pairs")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # None: paired without one
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                "cohort", "mentor", "mentee", condition=Q(status="active"), name="one_active_pair"
            ),
            models.CheckConstraint(condition=Q(status__in=["active", "ended"]), name="pair_status"),
            models.CheckConstraint(
                condition=Q(status="active", ended_at__isnull=True)
                | Q(status="ended", ended_at__isnull=False),
                name="pair_end_recorded",
            ),
            models.CheckConstraint(condition=~Q(mentor=F("mentee")), name="pair_two_people"),
        ]

    def __str__(self) -> str:
        return f"Pair {self.mentor_id}–{self.mentee_id}"


class PairCount(Kept):
    """How many of a cohort's pairs are active and ended, and how many of its active mentors
    and mentees have no active pair, as last counted: kept so that the pairs page need not
    read the whole cohort each time (docs/decisions/0016-pair-figures-kept-between-changes.md).

    Every change that can alter the figures raises ``generation`` in the same transaction
    (``kept.changed``); the figures hold while ``counted_generation`` equals it, and the next
    reader counts again once it does not."""

    cohort = models.OneToOneField(
        "schemes.Cohort", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    active = models.PositiveIntegerField(default=0)
    ended = models.PositiveIntegerField(default=0)
    unpaired = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Pair counts of cohort {self.cohort_id}"


class PastPair(models.Model):
    """Two people once paired in an organisation, as keyed hashes of their email addresses:
    it still stops them being paired again after the earlier cohort's people are deleted."""

    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    mentor_digest = models.CharField(max_length=64)
    mentee_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organisation", "mentor_digest", "mentee_digest", name="past_pair_once"
            )
        ]

    def __str__(self) -> str:
        return f"Past pair {self.mentor_digest[:8]}…"

    @staticmethod
    def digest(organisation_id: int, email: str, key: str | None = None) -> str:
        """A keyed hash of someone's email address within an organisation (with the
        ``SECRET_KEY``, or ``key``)."""
        secret = (key or settings.SECRET_KEY).encode()
        message = f"flipside.past-pair:{organisation_id}:{email.strip().casefold()}".encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest()

    @classmethod
    def digests(cls, organisation_id: int, email: str) -> list[str]:
        """The digests of an address under every key in use: pairs remembered before a
        change of ``SECRET_KEY`` still match through ``SECRET_KEY_FALLBACKS``."""
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return [cls.digest(organisation_id, email, key) for key in keys]
