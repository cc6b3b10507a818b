"""Writes of surveys, by what they change: ``instruments`` (the builder: instruments and
questions, Flipside's standard ones), ``schedules`` (surveys of a cohort, invitations and
reminders) and ``answers`` (a respondent's response). Each is a verb-first function in one
transaction; coordinators' changes are audited, answers never are."""

from __future__ import annotations

from flipside.lib.conflicts import EditConflict


class SurveyError(Exception):
    """A change refused for a reason the person can act on: the message says which.
    ``field`` names the form field it is about, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        Exception.__init__(self, message)
        self.field = field


class SurveyConflict(SurveyError, EditConflict):
    """Someone saved the object after the form was opened; nothing was written."""

    def __init__(self, message: str, *, latest: object) -> None:
        SurveyError.__init__(self, message)
        self.latest = latest  # as EditConflict keeps it
