"""A pair's year: meetings (proposed, accepted, held or not), pauses, private journals,
talking points, reflection events with their replies and attendance, calendar feeds and the
reminders already sent.

Organisers learn *that* a pair meets, never *what* was said: a meeting carries times, its
length, how it was held and (optionally) which of the scheme's talking points it touched,
and nothing else. Journal entries are encrypted and read only by their author.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flipside.lib.kept import Kept

MAX_MEETING_MINUTES = 24 * 60  # a meeting is at most a day long


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("By phone")


class PartnershipSettings(models.Model):
    """How a cohort runs its partnerships; created with the defaults when first needed."""

    cohort = models.OneToOneField(
        "schemes.Cohort", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    log_window_days = models.PositiveSmallIntegerField(
        _("days after a meeting in which it can still be logged"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Partnership settings of cohort {self.cohort_id}"


class TalkingPoint(models.Model):
    """A conversation starter in a scheme's library, grouped by theme. Coordinators write and
    publish them; partners suggest new ones, which wait for a coordinator."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("In the library")
        SUGGESTED = "suggested", _("Suggested, waiting for a coordinator")
        DECLINED = "declined", _("Not added")
        RETIRED = "retired", _("Taken out of the library")

    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.CASCADE, related_name="talking_points"
    )
    theme = models.CharField(_("theme"), max_length=100)
    text = models.TextField(_("talking point"), max_length=600)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["theme", "id"]
        indexes = [models.Index("scheme", "status", name="talking_point_scheme_status")]

    def __str__(self) -> str:
        return self.text[:60]


class Meeting(models.Model):
    """One meeting of a pair.

    States: proposed → accepted → held | not held; proposed or accepted → cancelled. Only a
    held meeting whose record is not disputed counts towards the cohort's minimum; a
    cancelled meeting is never a missed one. ``sequence`` rises with every change of time or
    place so calendar programs update the event they hold (same UID), and a cancellation sends
    it as CANCEL.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Arranged")
        HELD = "held", _("Held")
        NOT_HELD = "not_held", _("Did not happen")
        CANCELLED = "cancelled", _("Cancelled")

    class Record(models.TextChoices):
        NONE = "", _("Not recorded")
        UNCONFIRMED = "unconfirmed", _("Waiting for the partner to confirm")
        CONFIRMED = "confirmed", _("Confirmed by both")
        DISPUTED = "disputed", _("Disputed by the partner")

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE, related_name="meetings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    starts_at = models.DateTimeField(null=True, blank=True)  # set once a time is agreed
    minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(MAX_MEETING_MINUTES)]
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(_("place or link"), max_length=300, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    # The record, after its time: by one partner, confirmed or disputed by the other.
    record = models.CharField(max_length=12, choices=Record.choices, default="", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    recorded_at = models.DateTimeField(null=True, blank=True)
    held_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MEETING_MINUTES)],
    )
    held_mode = models.CharField(max_length=10, choices=Mode.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    answered_at = models.DateTimeField(null=True, blank=True)
    logged_after = models.BooleanField(default=False)  # logged afterwards, never proposed
    talking_points = models.ManyToManyField(TalkingPoint, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index("pair", "status", name="meeting_pair_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "accepted", "held", "not_held", "cancelled"]),
                name="meeting_status",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(status="cancelled") | Q(starts_at__isnull=False),
                name="meeting_agreed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["held", "not_held"],
                    record__in=["unconfirmed", "confirmed", "disputed"],
                )
                | (~Q(status__in=["held", "not_held"]) & Q(record="")),
                name="meeting_record_only_after",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_minutes__isnull=False),
                name="meeting_held_has_length",
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=5, minutes__lte=MAX_MEETING_MINUTES),
                name="meeting_length",
            ),
        ]

    def __str__(self) -> str:
        return f"Meeting {self.pk} of pair {self.pair_id}"

    @property
    def ends_at(self) -> datetime.datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + datetime.timedelta(minutes=self.minutes)

    @property
    def counts(self) -> bool:
        """Whether it counts towards the minimum: held, and not disputed."""
        return self.status == self.Status.HELD and self.record != self.Record.DISPUTED


class PairFacts(models.Model):
    """What the progress board, the cohort page and the homes count about a pair's meetings,
    kept up to date by ``facts.refresh`` whenever one of its meetings or pauses is saved or
    deleted (``apps.py``), in the same transaction: so counting a cohort's pairs by status
    reads one row per pair, never their meetings (docs/decisions/0018). A pair with no row
    has had no meeting and no pause."""

    pair = models.OneToOneField(
        "matching.Pair", on_delete=models.CASCADE, primary_key=True, related_name="facts"
    )
    held = models.PositiveIntegerField(default=0)  # held, and not disputed
    contacts = models.PositiveIntegerField(default=0)  # proposed, arranged, held or missed
    unconfirmed = models.PositiveIntegerField(default=0)  # records the partner has not answered
    last_contact = models.DateTimeField(null=True)  # latest held meeting or proposal
    paused = models.BooleanField(default=False)  # a pause is open

    def __str__(self) -> str:
        return f"Facts of pair {self.pair_id}"


class StatusCount(Kept):
    """How many of a cohort's pairs have each status on the progress board, as last counted:
    kept so that the cohort, home and board pages need not count the whole cohort on every
    view (docs/decisions/0019-pair-statuses-counted-between-changes.md).

    The counts hold while nothing they count has changed (``generation``, raised with the
    pairs' facts in the same transaction, equals ``counted_generation``, and matching's
    ``PairCount.generation``, raised when pairs are made or ended, equals ``pair_generation``),
    while the meetings expected by today are still ``expected``, and until ``fresh_until``,
    when a pair with no contact yet reaches its second week."""

    cohort = models.OneToOneField(
        "schemes.Cohort", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    pair_generation = models.PositiveBigIntegerField(null=True)
    expected = models.PositiveIntegerField(null=True)
    fresh_until = models.DateTimeField(null=True)
    on_track = models.PositiveIntegerField(default=0)
    behind = models.PositiveIntegerField(default=0)
    at_risk = models.PositiveIntegerField(default=0)
    no_contact = models.PositiveIntegerField(default=0)
    paused = models.PositiveIntegerField(default=0)
    ended = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Pair statuses of cohort {self.cohort_id}"


class MeetingOption(models.Model):
    """A time one partner offers for a proposed meeting; the other accepts one of them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="options")
    starts_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint("meeting", "starts_at", name="one_option_per_time"),
        ]

    def __str__(self) -> str:
        return f"Option {self.starts_at:%Y-%m-%d %H:%M} for meeting {self.meeting_id}"


class Pause(models.Model):
    """A pair's partnership paused by a partner or a coordinator; ``resumed_at`` ends it.
    At most one pause of a pair is open at a time."""

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=300, blank=True)
    paused_at = models.DateTimeField(default=timezone.now)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-paused_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "pair", condition=Q(resumed_at__isnull=True), name="one_open_pause_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"Pause {self.pk} of pair {self.pair_id}"


class JournalEntry(models.Model):
    """A partner's private note about their partnership, encrypted at rest
    (``privacy.crypto``) and shown only to its author: never to the partner, coordinators
    or administrators. There is no admin page and no export of it."""

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    ciphertext = models.TextField()

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [models.Index("author", "pair", name="journal_author_pair")]

    def __str__(self) -> str:
        return f"Journal entry {self.pk}"


class TalkingPointUse(models.Model):
    """A pair has used a talking point (marked by either partner; once per pair)."""

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(TalkingPoint, on_delete=models.CASCADE, related_name="uses")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("pair", "point", name="one_use_per_pair_point")]

    def __str__(self) -> str:
        return f"Pair {self.pair_id} used point {self.point_id}"


class ReflectionEvent(models.Model):
    """A group reflection meeting for a cohort: the mid-point and end ones are created from the
    cohort's dates; coordinators add more. ``notes`` hold the coordinators' anonymised themes."""

    class Kind(models.TextChoices):
        MIDPOINT = "midpoint", _("Mid-point reflection")
        END = "end", _("End-of-year reflection")
        OTHER = "other", _("Other group meeting")

    cohort = models.ForeignKey(
        "schemes.Cohort", on_delete=models.CASCADE, related_name="reflection_events"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    minutes = models.PositiveSmallIntegerField(
        _("length in minutes"),
        default=90,
        validators=[MinValueValidator(15), MaxValueValidator(480)],
    )
    location = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    notes = models.TextField(
        _("themes (anonymised)"), blank=True,
        help_text=_("What came up, without names or anything that identifies a person."),
    )  # fmt: skip
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


class EventReply(models.Model):
    """A member's answer to a reflection event's invitation, and their attendance."""

    class Answer(models.TextChoices):
        NONE = "", _("No answer yet")
        YES = "yes", _("Coming")
        NO = "no", _("Not coming")
        MAYBE = "maybe", _("Maybe")

    class Attendance(models.TextChoices):
        UNMARKED = "unmarked", _("Not marked yet")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    event = models.ForeignKey(ReflectionEvent, on_delete=models.CASCADE, related_name="replies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=5, choices=Answer.choices, default="", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(
        max_length=10, choices=Attendance.choices, default=Attendance.UNMARKED
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("event", "user", name="one_reply_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} for event {self.event_id}"


class CalendarFeed(models.Model):
    """A person's private calendar feed. The address carries a random token; only its SHA-256
    is kept, so a new token revokes the old one at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"


class ReminderSent(models.Model):
    """A reminder already queued: one per kind, subject and person, so a job that runs again
    (or twice at once) never sends it twice. ``subject`` names what it is about, including
    the time it was for, so a moved meeting gets a reminder for its new time."""

    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=120)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("kind", "subject", "user", name="one_reminder_per_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} to {self.user_id}"
