"""The email privacy sends (registered with the outbox by this app's ``ready()``): a person
asked for their records to be erased, to their organisation's coordinators."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from flipside.notifications.kinds import FIRST_NAME, LINK, MessageKind, Placeholder

PERSON = Placeholder("person", _("the person who asked"), "Sam Rivera")
EMAIL = Placeholder("email", _("the address of the person who asked"), "sam.rivera@example.ac.uk")


def kinds() -> list[MessageKind]:
    return [
        MessageKind(
            "erasure_requested",
            _("A person asked for their records to be erased (to organisation coordinators)"),
            essential=True,
            overridable=False,
            placeholders=(FIRST_NAME, PERSON, EMAIL, LINK),
            secret=False,  # the link opens the coordinator's own erasure page
        ),
    ]
