"""The emails matching sends when pairs are published or end (registered with the outbox by
this app)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from flipside.notifications.kinds import COHORT, FIRST_NAME, LINK, MessageKind, Placeholder


def kinds() -> list[MessageKind]:
    partner = Placeholder("partner", _("the partner's name"), "Dr Priya Shah")
    return [
        MessageKind(
            "pair_introduction",
            _("Introduction to a new partner (when pairs are published)"),
            essential=True,
            placeholders=(
                FIRST_NAME,
                partner,
                COHORT,
                Placeholder(
                    "profile",
                    _("what the partner shares: name, pronouns, email, role, site, times"),
                    "Name: Dr Priya Shah\nEmail: p.shah@nhs.example",
                ),
                Placeholder(
                    "first_contact",
                    _("who gets in touch first to arrange the first meeting"),
                    "Dr Priya Shah will get in touch in the next week.",
                ),
                Placeholder("min_meetings", _("how many times pairs meet at least"), "4"),
                Placeholder("link", _("the link to the partner page"), LINK.sample),
            ),
            secret=False,
        ),
        MessageKind(
            "pair_ended",
            _("A pair has ended early"),
            essential=True,
            placeholders=(
                FIRST_NAME,
                partner,
                COHORT,
                Placeholder("link", _("the link to support"), LINK.sample),
            ),
            secret=False,
        ),
    ]
