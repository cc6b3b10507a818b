"""How erasure handles surveys (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from flipside.privacy import erasure as E

from .models import Identification, Invitation

E.declare(
    "surveys.Identification",
    E.DELETE,
    why="The link between them and their answers to identified surveys is deleted; the "
    "answers stay, naming no one.",
    rows=lambda uid: Identification.objects.filter(user_id=uid),
    noun="links to their survey answers",
)
E.declare(
    "surveys.Invitation",
    E.ANONYMISE,
    why="That they were asked a survey is kept as an erased person's, so response rates stay "
    "right.",
    rows=lambda uid: Invitation.objects.filter(user_id=uid),
    noun="survey invitations",
)
E.declare(
    "surveys.Response",
    E.KEEP,
    why="Survey answers are kept: they hold no name, only a keyed pseudonym that pairs one "
    "person's answers and cannot be turned back into them without the key.",
)
