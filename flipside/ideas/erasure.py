"""How erasure handles ideas (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from django.db.models import Q

from flipside.privacy import erasure as E

from .models import Idea, IdeaChange, Owner, Proposer, no_experience

E.declare(
    "ideas.Idea",
    E.ANONYMISE,
    why="Ideas they raised or own are kept for the organisation, with an erased person in "
    "their place; the experience behind an idea they raised is deleted.",
    rows=lambda uid: Idea.objects.filter(created_by_id=uid),
    clear={"experience_ciphertext": no_experience},
    noun="ideas raised",
)
E.declare(
    "ideas.Proposer",
    E.ANONYMISE,
    why="That they proposed an idea is kept as an erased person's.",
    rows=lambda uid: Proposer.objects.filter(user_id=uid),
    noun="ideas proposed",
)
E.declare(
    "ideas.Owner",
    E.DELETE,
    why="Their role as an owner of ideas ends.",
    rows=lambda uid: Owner.objects.filter(user_id=uid),
    noun="idea owner roles",
)
E.declare(
    "ideas.IdeaChange",
    E.KEEP,
    why="The history of ideas is kept, with an erased person in their place.",
    rows=lambda uid: IdeaChange.objects.filter(Q(by_id=uid)),
    noun="idea changes",
)
