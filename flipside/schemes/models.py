"""Who runs what: organisations, their sites, schemes, cohorts and the people in them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A person's role in one cohort. The same person may hold other roles elsewhere."""

    COORDINATOR = "coordinator", _("Coordinator")
    MENTOR = "mentor", _("Student mentor")
    MENTEE = "mentee", _("Staff mentee")
    OBSERVER = "observer", _("Observer")


class Stage(models.TextChoices):
    PLANNING = "planning", _("Planning")
    RECRUITING = "recruiting", _("Recruiting")
    TRAINING = "training", _("Training")
    MATCHING = "matching", _("Matching")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


# Forward one step, back one step to correct a mistake before pairs meet, or close early.
STAGE_ORDER = list(Stage)
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Stage.PLANNING: {Stage.RECRUITING, Stage.CLOSED},
    Stage.RECRUITING: {Stage.PLANNING, Stage.TRAINING, Stage.CLOSED},
    Stage.TRAINING: {Stage.RECRUITING, Stage.MATCHING, Stage.CLOSED},
    Stage.MATCHING: {Stage.TRAINING, Stage.RUNNING, Stage.CLOSED},
    Stage.RUNNING: {Stage.CLOSED},
    Stage.CLOSED: set(),
}


def default_equality_questions() -> list[str]:
    from flipside.privacy.equality import DEFAULT_QUESTIONS

    return list(DEFAULT_QUESTIONS)


MEETINGS_RANGE = [MinValueValidator(1), MaxValueValidator(52)]
MINUTES_RANGE = [MinValueValidator(15), MaxValueValidator(480)]


class Organisation(models.Model):
    """A university faculty or school that runs schemes, with its partner sites."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place people work or study: the faculty itself or a partner such as an NHS Trust."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        NHS_TRUST = "nhs_trust", _("NHS Trust")
        OTHER = "other", _("Other partner")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.UNIVERSITY)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organisation", "name", name="site_name_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationCoordinator(models.Model):
    """May create schemes in the organisation and coordinates all of them."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="coordinator_roles"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_roles"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint("organisation", "user", name="org_coordinator_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} coordinates {self.organisation}"


class Scheme(models.Model):
    """A reverse-mentoring scheme, run as one cohort per academic year.

    ``version`` rises on every edit so a stale form cannot overwrite a newer one.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="schemes")
    name = models.CharField(max_length=200)
    centres = models.CharField(
        _("whose lived experience it centres"),
        max_length=200,
        help_text=_("For example: LGBTQ+ students, or Black, Asian and minority ethnic students."),
    )
    description = models.TextField(blank=True)
    default_min_meetings = models.PositiveSmallIntegerField(default=4, validators=MEETINGS_RANGE)
    default_meeting_minutes = models.PositiveSmallIntegerField(default=60, validators=MINUTES_RANGE)
    # Keys of flipside.privacy.equality.QUESTIONS this scheme asks (optional for applicants).
    equality_questions = models.JSONField(default=default_equality_questions, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organisation", "name", name="scheme_name_unique_per_org"),
            models.CheckConstraint(
                condition=Q(default_min_meetings__gte=1, default_min_meetings__lte=52),
                name="scheme_min_meetings_range",
            ),
            models.CheckConstraint(
                condition=Q(default_meeting_minutes__gte=15, default_meeting_minutes__lte=480),
                name="scheme_meeting_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchemeCoordinator(models.Model):
    """Coordinates every cohort of one scheme."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="coordinator_roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheme_roles"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint("scheme", "user", name="scheme_coordinator_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} coordinates {self.scheme}"


class Cohort(models.Model):
    """One academic year of a scheme.

    Stages: planning → recruiting → training → matching → running → closed, moved by a
    coordinator through ``services.change_cohort_stage`` (see ``ALLOWED_TRANSITIONS``).
    """

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="cohorts")
    label = models.CharField(_("academic year"), max_length=40, help_text=_("For example 2026/27."))
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    min_meetings = models.PositiveSmallIntegerField(
        _("minimum meetings per pair"), default=4, validators=MEETINGS_RANGE
    )
    meeting_minutes = models.PositiveSmallIntegerField(
        _("usual meeting length"), default=60, validators=MINUTES_RANGE
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PLANNING)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    # When it last moved on from recruiting (selection over): unsuccessful applications are
    # kept for a period counted from here (``recruitment.retention``).
    recruiting_ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "scheme__name"]
        constraints = [
            models.UniqueConstraint("scheme", "label", name="cohort_label_unique_per_scheme"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="cohort_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(min_meetings__gte=1, min_meetings__lte=52),
                name="cohort_min_meetings_range",
            ),
            models.CheckConstraint(
                condition=Q(meeting_minutes__gte=15, meeting_minutes__lte=480),
                name="cohort_meeting_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=[s.value for s in Stage]), name="cohort_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name} {self.label}"

    @property
    def next_stage(self) -> str | None:
        index = STAGE_ORDER.index(Stage(self.stage))
        return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None

    def allowed_stages(self) -> list[Stage]:
        return [s for s in STAGE_ORDER if s in ALLOWED_TRANSITIONS[self.stage]]


class Membership(models.Model):
    """A person's role in a cohort; one role per person per cohort."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    # The person's name, kept beside their role (by ``services.add_member`` and
    # ``accounts.services.update_profile``) so that a cohort's people are read in name order
    # along an index rather than by sorting the whole cohort.
    sort_name = models.CharField(max_length=150, default="", editable=False)

    class Meta:
        ordering = ["role", "user__display_name"]
        indexes = [
            # Counting a cohort's mentors and mentees reads the index alone.
            models.Index(fields=["cohort", "role"], name="membership_cohort_role"),
            # The people page: each role's people in name order.
            models.Index(fields=["cohort", "role", "sort_name", "id"], name="membership_people"),
        ]
        constraints = [
            models.UniqueConstraint("cohort", "user", name="one_role_per_person_per_cohort"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.cohort}"
