"""The kinds of email Flipside sends, what each may say, whether people can turn it off, and
whether its text carries a secret that only its recipient may read."""

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

CALL = Placeholder("call", _("the call's title"), "Call for student mentors 2027/28")


def _application_kinds() -> list[MessageKind]:
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


def _training_kinds() -> list[MessageKind]:
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
            placeholders=(
                FIRST_NAME,
                SCHEME,
                Placeholder("subject", _("the concern's subject"), "Placement"),
                LINK,
            ),
            secret=False,
        ),
    ]


def _matching_kinds() -> list[MessageKind]:
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


KINDS: dict[str, MessageKind] = {
    kind.key: kind
    for kind in [
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
        *_application_kinds(),
        *_training_kinds(),
        *_matching_kinds(),
    ]
}


def get_kind(key: str) -> MessageKind:
    return KINDS[key]


def body_is_secret(key: str) -> bool:
    """Whether an email of this kind must be read by its recipient only. A kind that is no
    longer registered (an old row) is treated as secret: nothing says it is safe."""
    kind = KINDS.get(key)
    return kind is None or kind.body_is_secret
