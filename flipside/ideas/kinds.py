"""The emails the ideas register sends (registered with the outbox by this app's
``ready()``): a proposer hears when an idea they raised changes status; an owner hears when
they are given an idea, and a new owner gets a link to set their password."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from flipside.notifications.kinds import FIRST_NAME, LINK, PRIVATE_LINK, MessageKind, Placeholder

IDEA = Placeholder("idea", _("the idea's title"), "Name the reading list's authors' backgrounds")
STATUS = Placeholder("status", _("the idea's new status"), "Accepted")
NOTE = Placeholder("note", _("what was said about the change"), "The library will do this.")
ORGANISATION = Placeholder("organisation", _("the organisation"), "Faculty of Medicine")
EMAIL = Placeholder("email", _("the recipient's sign-in address"), "a.senior@example.ac.uk")


def kinds() -> list[MessageKind]:
    return [
        MessageKind(
            "idea_status_changed",
            _("An idea you raised changed status (to its proposers)"),
            essential=False,
            placeholders=(FIRST_NAME, IDEA, STATUS, NOTE, LINK),
            secret=False,  # the link opens the idea's page, which needs the reader's sign-in
        ),
        MessageKind(
            "idea_assigned",
            _("You own an idea for change (to its new owner)"),
            essential=True,
            placeholders=(FIRST_NAME, IDEA, ORGANISATION, LINK),
            secret=False,  # the link opens the idea's page, which needs the reader's sign-in
        ),
        MessageKind(
            "idea_owner_invited",
            _("An account to own ideas for change, with a link to set a password"),
            essential=True,
            overridable=False,
            placeholders=(FIRST_NAME, IDEA, ORGANISATION, EMAIL, PRIVATE_LINK),
            secret=True,  # the link sets the new account's password
        ),
    ]
