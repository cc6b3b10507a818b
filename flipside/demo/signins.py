"""Who a visitor can sign in as: the demo's named people and their published password."""

from __future__ import annotations

from flipside.accounts.models import User

# Published in the README and printed by ``demo_signins``: it guards nothing of value.
DEMO_PASSWORD = "flipside-demo-2026"  # noqa: S105

COORDINATOR = "coordinator@demo.flipside.test"
MENTOR = "mentor@demo.flipside.test"
MENTEE = "mentee@demo.flipside.test"
OBSERVER = "observer@demo.flipside.test"
APPLICANT = "applicant@demo.flipside.test"
DEMO_SIGNINS = [
    ("Coordinator", COORDINATOR),
    ("Student mentor", MENTOR),
    ("Staff mentee", MENTEE),
    ("Observer", OBSERVER),
    ("Applicant", APPLICANT),
]
# The authenticator keys (hex) of the demo people who need a second factor, printed by
# ``demo_signins`` beside their sign-ins. Published, so they spell out that they are the demo's.
DEMO_TOTP_KEYS = {
    COORDINATOR: b"DEMO-ONLY-COORDINATR".hex(),
    OBSERVER: b"DEMO-ONLY-OBSERVER!!".hex(),
}
# email: (display name, pronouns)
DEMO_PEOPLE = {
    COORDINATOR: ("Dr Amara Okafor", ""),
    MENTOR: ("Sam Rivera", "they/them"),
    MENTEE: ("Professor Helen Carter", "she/her"),
    OBSERVER: ("Professor Mark Whitfield", "he/him"),
    APPLICANT: ("Priya Shah", "she/her"),
}


def is_seeded() -> bool:
    """Whether every demo sign-in exists, so printing them would not mislead."""
    emails = [email for _, email in DEMO_SIGNINS]
    return User.objects.filter(email__in=emails).count() == len(emails)
