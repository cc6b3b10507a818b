"""Ideas for change: what pairs, partners and reflection events propose to change in the
institution, carried to a decision and what was done.

An ``Idea`` belongs to an organisation and was raised in one of its cohorts. States:
proposed → under consideration → accepted → in progress → done, one step at a time, or not
taken forward (with a reason) from any open state. Coordinators of the idea's cohort triage
it, merge duplicates and assign an ``Owner``; the owner moves an accepted idea on and says
what happened. Every change is an ``IdeaChange`` row, never edited, and an audit entry.

A ``Proposer`` is a person who raised the idea; each chooses whether their name is shown on
the "you said, we did" board (off unless they say so). The experience behind an idea is as
sensitive as a journal: it is encrypted at rest (``privacy.crypto``, rotatable with
``manage.py rotate_encryption_keys``), decrypted only by ``services.ideas.experience_of`` for
coordinators, the owner and its proposers, and never on the board.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flipside.privacy import crypto
from flipside.schemes.models import Stage as CohortStage

TITLE_MAX_LENGTH = 150
TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 1000


def no_experience() -> str:
    """An idea without an experience behind it still holds a sealed value: key rotation
    re-encrypts every row and cannot open an empty one."""
    return crypto.encrypt({"text": ""})


class Area(models.TextChoices):
    CURRICULUM = "curriculum", _("Curriculum")
    ASSESSMENT = "assessment", _("Assessment")
    TEACHING = "teaching", _("Teaching practice")
    PLACEMENTS = "placements", _("Placements")
    PASTORAL = "pastoral", _("Pastoral support")
    STAFF_DEVELOPMENT = "staff_development", _("Staff development")
    ESTATES = "estates", _("Estates")
    POLICY = "policy", _("Policy")
    RECRUITMENT = "recruitment", _("Recruitment")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    DEPARTMENTAL = "departmental", _("Departmental")
    ORGANISATIONAL = "organisational", _("Organisational")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONSIDERING = "considering", _("Under consideration")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_TAKEN = "not_taken", _("Not taken forward")


# The one step forward from each open state; any open state may also end as not taken forward.
NEXT = {
    Status.PROPOSED: Status.CONSIDERING,
    Status.CONSIDERING: Status.ACCEPTED,
    Status.ACCEPTED: Status.IN_PROGRESS,
    Status.IN_PROGRESS: Status.DONE,
}
CLOSED = (Status.DONE, Status.NOT_TAKEN)
OPEN = (Status.PROPOSED, Status.CONSIDERING, Status.ACCEPTED, Status.IN_PROGRESS)
# The cohort stages in which ideas are recorded: while pairs meet, and after the cohort
# closes (ideas come up at the final reflection meeting). The link to record one and the
# permission to open that page both read this.
RECORDING = (CohortStage.RUNNING, CohortStage.CLOSED)

# An owner is needed from acceptance on: someone has to make it happen.
NEEDS_OWNER = (Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE)


class Source(models.TextChoices):
    PERSON = "person", _("One partner")
    PAIR = "pair", _("Both partners together")
    ANONYMOUS = "anonymous", _("Anonymously, through the coordinators")
    EVENT = "event", _("A reflection event")
    COORDINATORS = "coordinators", _("Entered by the coordinators")


class IdeaSettings(models.Model):
    """An organisation's choices about its board: whether a public page shows it, at an
    unguessable address that turning the page off and on again changes."""

    organisation = models.OneToOneField(
        "schemes.Organisation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="idea_settings",
    )
    public_board = models.BooleanField(_("show the board on a public page"), default=False)
    public_token = models.CharField(max_length=64, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Idea settings of {self.organisation_id}"


class Owner(models.Model):
    """A senior member of staff who owns ideas in an organisation. Their account reaches only
    the ideas they own. Coordinators mark when they leave: from then on they are given no new
    ideas, reach none, and their open ideas need a new owner."""

    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.CASCADE, related_name="idea_owners"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("organisation", "user", name="one_owner_row_per_person")
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def has_left(self) -> bool:
        return self.left_at is not None


class Idea(models.Model):
    """An idea for change. See the module's docstring for its states and who moves them.

    A duplicate points at the idea kept (``merged_into``) and leaves every list."""

    organisation = models.ForeignKey(
        "schemes.Organisation", on_delete=models.CASCADE, related_name="ideas"
    )
    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("the idea"), max_length=TEXT_MAX_LENGTH)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    # The experience behind it, encrypted ({"text": …}); read through
    # ``services.ideas.experience_of`` only.
    experience_ciphertext = models.TextField(default=no_experience, editable=False)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PERSON)
    event = models.ForeignKey(
        "partnerships.ReflectionEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    reason = models.TextField(_("why it was not taken forward"), blank=True)
    outcome = models.TextField(_("what was done"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    needs_new_owner = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # What a double submit repeats: the same person's same idea is recorded once.
    submit_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"], name="idea_org_status")]
        constraints = [
            models.UniqueConstraint(
                "created_by", "submit_key", condition=~Q(submit_key=""), name="idea_submitted_once"
            ),
            models.CheckConstraint(
                condition=~Q(status="not_taken") | ~Q(reason=""), name="idea_not_taken_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="idea_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN and self.merged_into_id is None

    @property
    def next_status(self) -> str | None:
        return NEXT.get(Status(self.status)) if self.merged_into_id is None else None


class Proposer(models.Model):
    """A person who raised an idea, and whether they chose to be named on the board."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="proposers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    named = models.BooleanField(_("show my name on the board"), default=False)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint("idea", "user", name="one_proposer_row")]

    def __str__(self) -> str:
        return f"{self.user_id} proposed {self.idea_id}"


class IdeaChange(models.Model):
    """One change to an idea, kept as it was made (insert only): who, when, from, to, note."""

    class Kind(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        STATUS = "status", _("Status changed")
        OWNER = "owner", _("Owner changed")
        MERGED = "merged", _("Merged")
        OWNER_LEFT = "owner_left", _("Owner left")

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.kind} {self.from_status}→{self.to_status}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("An idea's history is never changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
