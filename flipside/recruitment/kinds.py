"""The emails recruitment sends to applicants (registered with the outbox by this app)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from flipside.notifications.kinds import COHORT, FIRST_NAME, PRIVATE_LINK, MessageKind, Placeholder

CALL = Placeholder("call", _("the call's title"), "Call for student mentors 2027/28")


def kinds() -> list[MessageKind]:
    about = (
        FIRST_NAME,
        CALL,
        COHORT,
        Placeholder("role", _("the role applied for, e.g. Student mentor"), "Student mentor"),
        Placeholder("closes_on", _("the day the call closes"), "31 January 2027"),
        Placeholder("link", _("the link to the application"), "https://flipside.example.ac.uk/…"),
    )
    return [
        MessageKind(
            "application_verify",
            _("Confirm your email address to apply"),
            essential=True,
            placeholders=(FIRST_NAME, CALL, PRIVATE_LINK),
            secret=True,  # the link creates the applicant's account and sets its password
        ),
        MessageKind(
            "application_received",
            _("Application received"),
            essential=True,
            placeholders=about,
            secret=False,
        ),
        MessageKind(
            "application_accepted",
            _("Application accepted"),
            essential=True,
            placeholders=about,
            secret=False,
        ),
        MessageKind(
            "application_waitlisted",
            _("Application on the waiting list"),
            essential=True,
            placeholders=about,
            secret=False,
        ),
        MessageKind(
            "application_declined",
            _("Application not offered a place"),
            essential=True,
            placeholders=about,
            secret=False,
        ),
        MessageKind(
            "place_offered",
            _("A place has come free (from the waiting list)"),
            essential=True,
            placeholders=about,
            secret=False,
        ),
    ]
