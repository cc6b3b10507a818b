"""Surveys of a cohort: scheduling them, inviting their audience and reminding those who
have not answered.

Invitations and reminders are decided by rows written in the same transaction as the email
they queue (``Invitation`` itself; its ``reminded`` flag; the survey's ``reminded_on`` for a
coordinator's reminder), so a job run twice, or two at once, sends each email once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.lib.dates import LONDON
from flipside.matching.models import Pair
from flipside.notifications import outbox
from flipside.partnerships.models import Meeting
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Membership

from .. import kept
from ..models import Instrument, Invitation, Series, Stage, Survey
from . import SurveyConflict, SurveyError

REMIND_BEFORE = datetime.timedelta(days=3)  # the automatic reminder, before a survey closes
EVERY = datetime.timedelta(hours=1)
LONGEST = datetime.timedelta(days=366)


def series_of(cohort: Cohort, audience: str) -> Series:
    found = Series.objects.filter(cohort=cohort, audience=audience).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Series.objects.create(cohort=cohort, audience=audience)
    except IntegrityError:
        return Series.objects.get(cohort=cohort, audience=audience)


def _dates(opens_on: Any, closes_on: Any) -> None:
    for name, day in (("opens_on", opens_on), ("closes_on", closes_on)):
        if not isinstance(day, datetime.date) or not 2000 <= day.year <= 2100:
            raise SurveyError(_("Enter a date between 2000 and 2100."), field=name)
    if closes_on < opens_on:
        raise SurveyError(_("The survey cannot close before it opens."), field="closes_on")
    if closes_on - opens_on > LONGEST:
        raise SurveyError(_("A survey can be open for a year at most."), field="closes_on")


def schedule_survey(
    cohort: Cohort, *, by: User, instrument: Instrument, stage: str,
    opens_on: datetime.date, closes_on: datetime.date,
) -> Survey:  # fmt: skip
    """Ask ``instrument``'s audience in the cohort at ``stage``, open from ``opens_on`` to
    ``closes_on``. One survey per stage and audience in a cohort."""
    if instrument.scheme_id != cohort.scheme_id:
        raise SurveyError(_("Choose one of this scheme's instruments."), field="instrument")
    if stage not in Stage.values:
        raise SurveyError(_("Choose when the survey is asked."), field="stage")
    _dates(opens_on, closes_on)
    series = series_of(cohort, instrument.audience)
    taken = _(
        "%(audience)s already have a survey at this stage (%(stage)s). Change its dates instead."
    ) % {"audience": instrument.get_audience_display(), "stage": Stage(stage).label}
    if Survey.objects.filter(series=series, stage=stage).exists():
        raise SurveyError(taken, field="stage")
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                series=series, instrument=instrument, stage=stage, opens_on=opens_on,
                closes_on=closes_on,
            )  # fmt: skip
            audit.record(by, "surveys.survey.scheduled", survey, cohort=cohort.pk,
                         instrument=instrument.pk, stage=stage, opens_on=opens_on,
                         closes_on=closes_on)  # fmt: skip
    except IntegrityError:  # scheduled by someone else at this very moment
        raise SurveyError(taken, field="stage") from None
    return survey


def update_schedule(
    survey: Survey, *, by: User, version: int, opens_on: datetime.date, closes_on: datetime.date
) -> Survey:
    """Move a survey's dates. Once invitations have gone out it cannot open later than it
    did (people were told it is open), but it may close earlier or later."""
    _dates(opens_on, closes_on)
    with transaction.atomic():
        current = Survey.objects.select_for_update().get(pk=survey.pk)
        changed = {
            k: v
            for k, v in {"opens_on": opens_on, "closes_on": closes_on}.items()
            if getattr(current, k) != v
        }
        if not changed:
            return current
        if current.version != version:
            raise SurveyConflict(
                _("Someone changed this survey's dates after you opened this page. Nothing "
                  "was saved: check what is saved now, then save again if you still want "
                  "your change."),
                latest=Survey.objects.get(pk=survey.pk),
            )  # fmt: skip
        if "opens_on" in changed and opens_on > current.opens_on and current.invitations.exists():
            raise SurveyError(
                _("Invitations have gone out, so the survey cannot open later than %(day)s.")
                % {"day": formats.date_format(current.opens_on, "j F Y")},
                field="opens_on",
            )
        for name, value in changed.items():
            setattr(current, name, value)
        current.version += 1
        current.save(update_fields=[*changed, "version"])
        audit.record(by, "surveys.survey.rescheduled", current, opens_on=opens_on,
                     closes_on=closes_on)  # fmt: skip
    return current


# --- Emails -------------------------------------------------------------------------------


def _values(survey: Survey, cohort: Cohort) -> dict[str, str]:
    link = settings.SITE_URL + reverse("surveys:answer", args=[survey.pk])
    return {
        "survey": survey.instrument.title,
        "closes_on": formats.date_format(survey.closes_on, "l j F Y"),
        "cohort": str(cohort),
        "link": link,
    }


def _send(kind: str, user: User, survey: Survey, cohort: Cohort) -> None:
    outbox.enqueue(kind, to=user.email, user=user, scheme=cohort.scheme,
                   values=_values(survey, cohort))  # fmt: skip


def _invite(survey: Survey, cohort: Cohort, user: User, *, meeting_id: int = 0) -> bool:
    """Record the invitation and queue its email in one transaction; False if it exists."""
    kind = "survey_checkin" if survey.stage == Stage.CHECKIN else "survey_invitation"
    try:
        with transaction.atomic():
            Invitation.objects.create(survey=survey, user=user, meeting_id=meeting_id,
                                      emailed=True)  # fmt: skip
            kept.recount(survey.pk)  # the survey's people invited (decision 0023)
            _send(kind, user, survey, cohort)
    except IntegrityError:
        return False
    return True


def _open_surveys(today: datetime.date) -> Any:
    return Survey.objects.filter(opens_on__lte=today, closes_on__gte=today).select_related(
        "series__cohort__scheme", "instrument"
    )


def audience_of(survey: Survey) -> Any:
    """The active people in the survey's audience in its cohort."""
    members = Membership.objects.filter(
        cohort_id=survey.series.cohort_id, role=survey.series.audience, user__is_active=True
    )
    return User.objects.filter(pk__in=members.values("user_id"))


def invite_opened(today: datetime.date) -> int:
    """Invite the audience of every survey open ``today`` (but check-ins) who has not been
    invited yet; people who join the cohort later are invited on the next run."""
    sent = 0
    for survey in _open_surveys(today).exclude(stage=Stage.CHECKIN):
        invited = Invitation.objects.filter(survey=survey).values("user_id")
        cohort = survey.series.cohort
        for user in audience_of(survey).exclude(pk__in=invited).order_by("pk"):
            sent += _invite(survey, cohort, user)
    return sent


def invite_checkins(today: datetime.date) -> int:
    """For check-in surveys open ``today``: invite both partners' audience member after
    each meeting held while the survey is open, once per person and meeting."""
    sent = 0
    for survey in _open_surveys(today).filter(stage=Stage.CHECKIN):
        cohort = survey.series.cohort
        held = Meeting.objects.filter(
            pair__cohort=cohort, status=Meeting.Status.HELD,
            pair__status=Pair.Status.ACTIVE,
            starts_at__date__gte=survey.opens_on, starts_at__date__lte=survey.closes_on,
        ).select_related("pair__mentor", "pair__mentee")  # fmt: skip
        done = set(Invitation.objects.filter(survey=survey).values_list("meeting_id", "user_id"))
        for meeting in held:
            pair = meeting.pair
            person = pair.mentor if survey.series.audience == "mentor" else pair.mentee
            if person.is_active and (meeting.pk, person.pk) not in done:
                sent += _invite(survey, cohort, person, meeting_id=meeting.pk)
    return sent


def remind_closing(today: datetime.date) -> int:
    """Remind, once, everyone invited who has not answered a survey closing within
    ``REMIND_BEFORE``."""
    sent = 0
    soon = _open_surveys(today).filter(closes_on__lte=today + REMIND_BEFORE)
    for survey in soon.exclude(stage=Stage.CHECKIN):
        cohort = survey.series.cohort
        waiting = Invitation.objects.filter(survey=survey, answered=False, reminded=False)
        for invitation in waiting.select_related("user"):
            with transaction.atomic():
                # Only one run's conditional update can match: that run sends.
                if Invitation.objects.filter(pk=invitation.pk, reminded=False,
                                             answered=False).update(reminded=True):  # fmt: skip
                    _send("survey_reminder", invitation.user, survey, cohort)
                    sent += 1
    return sent


def remind_non_responders(survey: Survey, *, by: User, today: datetime.date | None = None) -> int:
    """A coordinator's reminder to everyone invited who has not answered: at most once a
    day (a second press the same day sends nothing and says so). Returns how many."""
    today = today or timezone.localdate()
    if not survey.is_open(today):
        raise SurveyError(_("Reminders can only go out while the survey is open."))
    with transaction.atomic():
        gate = Survey.objects.filter(pk=survey.pk).filter(
            Q(reminded_on__isnull=True) | ~Q(reminded_on=today)
        )
        if not gate.update(reminded_on=today):
            raise SurveyError(
                _("Non-responders were already reminded today. You can remind them again "
                  "tomorrow.")
            )  # fmt: skip
        cohort = survey.series.cohort
        waiting = Invitation.objects.filter(survey=survey, answered=False).select_related("user")
        people = {i.user_id: i.user for i in waiting if i.user.is_active}
        for user in people.values():
            _send("survey_reminder", user, survey, cohort)
        audit.record(by, "surveys.survey.reminded", survey, count=len(people))
    return len(people)


def run_surveys(now: datetime.datetime) -> str:
    """The scheduled job: invitations for surveys that opened, check-ins after held
    meetings, reminders before closing."""
    today = now.astimezone(LONDON).date()
    invited, checkins, reminded = invite_opened(today), invite_checkins(today), 0
    if now.astimezone(LONDON).hour >= 9:  # reminders in the daytime only
        reminded = remind_closing(today)
    return f"{invited} invitations, {checkins} check-ins, {reminded} reminders queued"
