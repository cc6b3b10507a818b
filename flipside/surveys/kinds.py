"""The emails surveys sends: an invitation when a survey opens, a reminder to those who have
not answered, and an invitation to a short check-in after a held meeting. None carries a
secret (each link opens a page that needs its reader's own sign-in) and none says anything
about anyone's answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from flipside.notifications.kinds import COHORT, FIRST_NAME, LINK, MessageKind, Placeholder

SURVEY = Placeholder("survey", _("the survey's title"), "Student mentors: before, during and after")
CLOSES = Placeholder("closes_on", _("the last day to answer"), "Friday 16 October 2026")


def kinds() -> list[MessageKind]:
    fields = (FIRST_NAME, SURVEY, CLOSES, COHORT, LINK)
    return [
        MessageKind("survey_invitation", _("Invitation to answer a survey"), essential=True,
                    placeholders=fields, secret=False),
        MessageKind("survey_reminder", _("Reminder: a survey waits for your answers"),
                    essential=False, placeholders=fields, secret=False),
        MessageKind("survey_checkin", _("Two quick questions after a meeting"),
                    essential=False, placeholders=fields, secret=False),
    ]  # fmt: skip
