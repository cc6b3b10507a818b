"""How erasure handles training (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from flipside.privacy import erasure as E

from .models import (
    AgreementAcceptance,
    AgreementVersion,
    Booking,
    Concern,
    HandbookAcknowledgement,
    HandbookVersion,
    ReadinessOverride,
)

_COUNTS = "kept as an erased person, so the cohort's training figures stay right"

E.declare(
    "training.Booking",
    E.ANONYMISE,
    why=f"Their training bookings and attendance are {_COUNTS}.",
    rows=lambda uid: Booking.objects.filter(user_id=uid),
    noun="training bookings",
)
E.declare(
    "training.HandbookAcknowledgement",
    E.ANONYMISE,
    why=f"That they read the handbook is {_COUNTS}.",
    rows=lambda uid: HandbookAcknowledgement.objects.filter(user_id=uid),
    noun="handbook readings",
)
E.declare(
    "training.AgreementAcceptance",
    E.ANONYMISE,
    why=f"That they agreed the rules is {_COUNTS}.",
    rows=lambda uid: AgreementAcceptance.objects.filter(user_id=uid),
    noun="agreements accepted",
)
E.declare(
    "training.ReadinessOverride",
    E.ANONYMISE,
    why="A coordinator's decision that they were ready is kept without its reason.",
    rows=lambda uid: ReadinessOverride.objects.filter(user_id=uid),
    clear={"reason": ""},
    noun="readiness decisions",
)
E.declare(
    "training.Concern",
    E.KEEP,
    why="Concerns they raised are kept for safeguarding, as raised by an erased person.",
    rows=lambda uid: Concern.objects.filter(raised_by_id=uid),
    noun="concerns raised",
)
E.declare(
    "training.HandbookVersion",
    E.KEEP,
    why="Handbooks they published are kept.",
    rows=lambda uid: HandbookVersion.objects.filter(published_by_id=uid),
    noun="handbooks published",
)
E.declare(
    "training.AgreementVersion",
    E.KEEP,
    why="Agreements they published are kept.",
    rows=lambda uid: AgreementVersion.objects.filter(published_by_id=uid),
    noun="agreements published",
)
E.declare(
    "training.TrainingSession",
    E.KEEP,
    why="Training sessions are kept; their name is removed where they facilitated.",
)
