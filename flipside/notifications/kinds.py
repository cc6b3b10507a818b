"""What a kind of email is: what it may say, whether people can turn it off, and whether its
text carries a secret that only its recipient may read; and the register of every kind, to
which each app that sends mail adds its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Placeholder:
    """``secret`` values (a single-use or sign-in link, a code) may appear only in the body of
    the email, never in its subject, which coordinators see on the outbox page."""

    name: str
    meaning: StrOrPromise
    sample: str
    secret: bool = False


@dataclass(frozen=True)
class MessageKind:
    """``essential`` messages (invitations, security) are always sent; the rest respect the
    recipient's preferences and carry an unsubscribe link. ``overridable`` kinds can be
    reworded per scheme by its coordinators.

    ``secret`` says whether the body carries something that lets its reader act as the
    recipient: a single-use link, a sign-in link, a code. Such a body is never shown, logged or
    quoted to anyone; only the recipient reads it, in their mailbox. A link to a page that
    needs the recipient's own sign-in is not a secret. Every kind declares it: a kind that
    does not (``None``) is treated as secret, so a new kind cannot leak by omission.
    """

    key: str
    label: StrOrPromise
    essential: bool
    overridable: bool = True
    placeholders: tuple[Placeholder, ...] = field(default_factory=tuple)
    secret: bool | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.secret is False and self.secret_placeholder_names:
            raise ValueError(
                f"{self.key} declares secret=False but its placeholders "
                f"{sorted(self.secret_placeholder_names)} carry a secret."
            )

    @property
    def body_is_secret(self) -> bool:
        return self.secret is not False

    @property
    def placeholder_names(self) -> set[str]:
        return {p.name for p in self.placeholders}

    @property
    def secret_placeholder_names(self) -> set[str]:
        return {p.name for p in self.placeholders if p.secret}

    def samples(self) -> dict[str, str]:
        return {p.name: p.sample for p in self.placeholders}


FIRST_NAME = Placeholder("first_name", _("the recipient's first name"), "Sam")
COHORT = Placeholder(
    "cohort",
    _("the cohort, e.g. Pride Reverse Mentoring 2026/27"),
    "Pride Reverse Mentoring 2026/27",
)
SCHEME = Placeholder("scheme", _("the scheme's name"), "Pride Reverse Mentoring")
LINK = Placeholder("link", _("the link the email is about"), "https://flipside.example.ac.uk/…")
PRIVATE_LINK = Placeholder(
    "link",
    _("the recipient's private link, which works once (in the email text only, not the subject)"),
    LINK.sample,
    secret=True,
)

#: Every kind of email, by key, in the order registered (the order of INSTALLED_APPS, which
#: pages list them in). Apps of the cycle register theirs in their ``AppConfig.ready()``, so
#: the outbox knows none of them by name.
KINDS: dict[str, MessageKind] = {}


def register(*kinds: MessageKind) -> None:
    """Make kinds known to the outbox. A key is one kind for good: a second, different kind
    under a key already taken is refused, because stored messages and schemes' wording refer
    to kinds by key."""
    new: dict[str, MessageKind] = {}
    for kind in kinds:
        existing = new.get(kind.key) or KINDS.get(kind.key)
        if existing is not None and existing != kind:
            raise ValueError(f"A kind of email {kind.key!r} is already registered.")
        new.setdefault(kind.key, kind)
    for key, kind in new.items():
        KINDS.setdefault(key, kind)


# The base's own kinds: invitations and password resets (accounts), stage changes (schemes).
register(
    MessageKind(
        "invitation",
        _("Invitation to join a cohort"),
        essential=True,
        placeholders=(
            COHORT,
            SCHEME,
            Placeholder(
                "role", _("the role they are invited to, e.g. Student mentor"), "Student mentor"
            ),
            Placeholder("inviter", _("the coordinator who invited them"), "Dr Amara Okafor"),
            PRIVATE_LINK,
            Placeholder("expires_on", _("the last day the link works"), "6 December 2026"),
        ),
        secret=True,  # the link joins the cohort, and creates an account if there is none
    ),
    MessageKind(
        "invitation_requested",
        _("Request for a new invitation (to coordinators)"),
        essential=True,
        placeholders=(
            FIRST_NAME,
            Placeholder(
                "email", _("the address that asked for a new link"), "sam.rivera@example.ac.uk"
            ),
            COHORT,
            LINK,
        ),
        secret=False,  # the link opens the coordinator's own invitation page
    ),
    MessageKind(
        "password_reset",
        _("Password reset"),
        essential=True,
        overridable=False,
        placeholders=(FIRST_NAME, PRIVATE_LINK),
        secret=True,
    ),
    MessageKind(
        "second_factor_reset",
        _("Second factor reset (to the person)"),
        essential=True,
        overridable=False,
        placeholders=(
            FIRST_NAME,
            Placeholder("by", _("the organisation coordinator who reset it"), "Dr Amara Okafor"),
            LINK,
        ),
        secret=False,  # the link is the sign-in page
    ),
    MessageKind(
        "stage_changed",
        _("Cohort moves to its next stage (to mentors and mentees)"),
        essential=False,
        placeholders=(
            FIRST_NAME,
            COHORT,
            SCHEME,
            Placeholder("stage", _("the new stage, e.g. Training"), "Training"),
            Placeholder(
                "next_step", _("what the person should do next"), "Come to the mentor training."
            ),
            LINK,
        ),
        secret=False,  # its unsubscribe link is blanked wherever the body is shown
    ),
)


def get_kind(key: str) -> MessageKind:
    return KINDS[key]


def body_is_secret(key: str) -> bool:
    """Whether an email of this kind must be read by its recipient only. A kind that is no
    longer registered (an old row) is treated as secret: nothing says it is safe."""
    kind = KINDS.get(key)
    return kind is None or kind.body_is_secret
