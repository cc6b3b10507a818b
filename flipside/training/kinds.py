"""The emails training sends: bookings and their changes, and concerns raised to coordinators
(registered with the outbox by this app)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from flipside.notifications.kinds import COHORT, FIRST_NAME, LINK, SCHEME, MessageKind, Placeholder


def kinds() -> list[MessageKind]:
    about = (
        FIRST_NAME,
        Placeholder(
            "session", _("the training session's title"), "Mentor training: psychological safety"
        ),
        COHORT,
        Placeholder("when", _("the day and time"), "Tuesday 12 January 2027, 14:00"),
        Placeholder("where", _("the place or online link"), "Room 2.14, Medical School"),
        LINK,
    )
    return [
        MessageKind(
            "training_booked",
            _("Training place confirmed (with calendar invitation)"),
            essential=True,
            placeholders=about,
            secret=False,
        ),
        MessageKind(
            "training_changed",
            _("Training session changed (with updated invitation)"),
            essential=True,
            placeholders=about,
            secret=False,
        ),
        MessageKind(
            "training_cancelled",
            _("Training place or session cancelled"),
            essential=True,
            placeholders=about,
            secret=False,
        ),
        MessageKind(
            "concern_raised",
            _("A concern was raised (to coordinators)"),
            essential=True,
            overridable=False,
            # Not the concern's subject or body: they are encrypted at rest, and an email's
            # words stay in the outbox (and in mailboxes) in plain text.
            placeholders=(FIRST_NAME, SCHEME, LINK),
            secret=False,
        ),
    ]
