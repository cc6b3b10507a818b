"""Loading the demo: each step of the cycle in order, in one transaction, once.

The names here are the ones the commands, the README's sign-ins and the tests know the demo by.
"""

from __future__ import annotations

from io import TextIOBase

from django.db import transaction

from flipside.schemes.models import Organisation

from . import (
    ideas,
    matching,
    notifications,
    partnerships,
    payments,
    recruitment,
    surveys,
    training,
)
from .organisation import FACULTY, ORGANISATION, SITES, create_organisation
from .signins import (
    APPLICANT,
    COORDINATOR,
    DEMO_PASSWORD,
    DEMO_SIGNINS,
    MENTEE,
    MENTOR,
    OBSERVER,
    is_seeded,
)

__all__ = [
    "APPLICANT",
    "COORDINATOR",
    "DEMO_PASSWORD",
    "DEMO_SIGNINS",
    "FACULTY",
    "MENTEE",
    "MENTOR",
    "OBSERVER",
    "ORGANISATION",
    "SITES",
    "is_seeded",
    "seed",
]


def seed(stdout: TextIOBase | None = None) -> bool:
    """Create the demo unless it exists already; True if it created anything."""
    if Organisation.objects.filter(name=ORGANISATION).exists():
        return False
    with transaction.atomic():
        demo = create_organisation(stdout)
        # Invitations went out while the cohort now being matched was recruiting, before
        # next year's calls opened.
        notifications.add_invitations(demo)
        recruitment.add_recruitment(demo)
        training.add_training(demo)
        matching.add_pairs(demo)
        partnerships.add_partnerships(demo)
        payments.add_payments(demo)
        surveys.add_surveys(demo)
        ideas.add_ideas(demo)
    return True
