"""Surveys: instruments (a scheme's questionnaires), their questions, surveys scheduled per
cohort, invitations and pseudonymous responses.

Who was invited and whether they have answered (``Invitation``) is kept apart from what they
answered (``Response``), as LimeSurvey's anonymised surveys keep tokens apart from answers. A
response carries no person, no user, no time and no sequential id: it is found again, and a
person's pre and post answers are paired, only through its keyed ``pseudonym`` (HMAC-SHA256 of
the person and the survey series with ``settings.SURVEY_PSEUDONYM_KEY``, a secret that is
never stored in the database; see ``pseudonyms.py`` and docs/privacy/surveys.md).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    MENTOR = "mentor", _("Student mentors")
    MENTEE = "mentee", _("Staff mentees")


class Kind(models.TextChoices):
    LIKERT5 = "likert5", _("Agreement, 5 points")
    LIKERT7 = "likert7", _("Agreement, 7 points")
    SCALE10 = "scale10", _("0 to 10")
    SINGLE = "single", _("Choose one")
    MULTIPLE = "multiple", _("Choose any")
    TEXT = "text", _("Short text")
    NARRATIVE = "narrative", _("Long narrative text")


TEXT_KINDS = frozenset({Kind.TEXT, Kind.NARRATIVE})
CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE})


class Stage(models.TextChoices):
    PRE = "pre", _("Before the first meeting (pre)")
    MID = "mid", _("Mid-point")
    POST = "post", _("End of the year (post)")
    CLOSING = "closing", _("Closing feedback")
    CHECKIN = "checkin", _("Check-in after each held meeting")


class Instrument(models.Model):
    """A questionnaire of a scheme, for one audience. Flipside's standard instruments carry
    a ``standard_key`` (made once per scheme by ``services.instruments.ensure_standard``);
    coordinators add their own. Once any survey using it has a response, only wording may
    change (``services.instruments``)."""

    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.CASCADE, related_name="survey_instruments"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    title = models.CharField(max_length=150)
    introduction = models.TextField(max_length=2000, blank=True)
    # Shown on the first page: answers are kept with the respondent's name.
    identified = models.BooleanField(default=False)
    standard_key = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["audience", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                "scheme", "standard_key", condition=~Q(standard_key=""),
                name="survey_instrument_standard_once",
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="survey_instrument_audience"
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question of an instrument, in ``position`` order, under an optional section
    heading (consecutive questions with the same heading form one section)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    section = models.CharField(max_length=150, blank=True)
    text = models.CharField(max_length=500)
    help_text = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    required = models.BooleanField(default=True)
    choices = models.JSONField(default=list, blank=True)  # the options of choice questions

    class Meta:
        ordering = ["instrument", "position", "pk"]
        constraints = [
            models.UniqueConstraint("instrument", "position", name="survey_question_position"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="survey_question_kind"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS


class Series(models.Model):
    """A cohort's surveys for one audience: the pseudonym pairs a person's answers within a
    series (pre, mid, post, closing, check-ins) and never across series."""

    cohort = models.ForeignKey("schemes.Cohort", on_delete=models.CASCADE, related_name="+")
    audience = models.CharField(max_length=10, choices=Audience.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint("cohort", "audience", name="survey_series_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}:{self.audience}"


class Survey(models.Model):
    """An instrument asked of a cohort's audience at one stage, open from ``opens_on`` to
    ``closes_on`` (both days included, London time). The scheduled job invites the audience
    on the day it opens and reminds those who have not answered before it closes."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="surveys")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="surveys")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    opens_on = models.DateField()
    closes_on = models.DateField()
    # The last day a coordinator reminded non-responders: at most once a day.
    reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # Kept between changes (decision 0023), written only by ``kept.recount`` in the
    # transaction of every change to the survey's invitations, with the survey's row locked:
    # the people invited and the people who have answered (a person asked about several
    # meetings counts once).
    invited_people = models.PositiveIntegerField(default=0)
    answered_people = models.PositiveIntegerField(default=0)
    # Raised in the transaction of every change to the survey's responses: its kept results
    # (``SurveyTally``) hold only while counted at this generation.
    answers_generation = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["opens_on", "pk"]
        constraints = [
            models.UniqueConstraint("series", "stage", name="survey_stage_once_per_series"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="survey_closes_after_open"
            ),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="survey_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.title} ({self.get_stage_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A whole save of a survey read earlier leaves its kept figures as they are now:
        only ``kept`` writes them, under the survey's lock."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in KEPT_FIELDS
            ]  # fmt: skip
        super().save(*args, **kwargs)

    def is_open(self, today: object) -> bool:
        return self.opens_on <= today <= self.closes_on  # type: ignore[operator]


KEPT_FIELDS = frozenset({"invited_people", "answered_people", "answers_generation"})


class Invitation(models.Model):
    """Who was asked, and whether they have answered: yes or no, never when. ``meeting_id``
    is the held meeting a check-in asks about (0 for other stages). Kept apart from the
    answers, which never point back here."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    meeting_id = models.PositiveBigIntegerField(default=0)
    answered = models.BooleanField(default=False)
    emailed = models.BooleanField(default=False)  # the invitation email was queued
    reminded = models.BooleanField(default=False)  # the automatic reminder before closing

    class Meta:
        constraints = [
            models.UniqueConstraint("survey", "user", "meeting_id", name="survey_invitation_once"),
        ]
        indexes = [
            # The cohort page counts each survey's answered people from this index alone.
            models.Index(
                fields=["survey", "user"],
                condition=models.Q(answered=True),
                name="survey_invitation_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.user_id}"


def _random_id() -> uuid.UUID:
    return uuid.uuid4()


class Response(models.Model):
    """One person's answers to one survey (and, for check-ins, one round), found only
    through ``pseudonym``. No person, no time, a random id: neither the row nor its order
    says who answered or when. Scale and choice answers are in ``answers`` (by question id);
    free text is encrypted in ``ciphertext`` (``privacy.crypto``, rotatable)."""

    id = models.UUIDField(primary_key=True, default=_random_id, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    pseudonym = models.CharField(max_length=64)
    round = models.PositiveIntegerField(default=0)  # a check-in's number for its respondent
    answers = models.JSONField(default=dict, blank=True)
    ciphertext = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        # By the random id: never the order in which answers arrived.
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                "survey", "pseudonym", "round", name="survey_response_once_per_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"Response to survey {self.survey_id}"


class SurveyTally(models.Model):
    """A survey's results counted once and kept until its responses change (decision 0023):
    aggregates only, never an answer's text, a pseudonym or anything that names a person.
    ``figures`` holds what ``results.results_of`` shows (people, responses, unreadable
    responses, the people paired pre to post, and per question the people who answered and
    the responses given for each option), counted without the threshold, which is applied
    when they are shown. They hold while ``generation`` is the survey's
    ``answers_generation``, ``pairs_generation`` the sum of its series' pre and post
    surveys' generations, and ``keys`` the fingerprint of the encryption keys in use."""

    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    generation = models.PositiveBigIntegerField()
    pairs_generation = models.PositiveBigIntegerField()
    keys = models.CharField(max_length=32)
    figures = models.JSONField()

    def __str__(self) -> str:
        return f"Tally of survey {self.survey_id}"


class Identification(models.Model):
    """The respondent of a response to an *identified* survey (the instrument says so on
    its first page). Never made for any other survey."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.user_id}"
