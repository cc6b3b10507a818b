"""How erasure handles matching and pairs (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from django.db.models import Q

from flipside.privacy import erasure as E

from .models import Capacity, MatchingSettings, Pair, PairRule, PastPair, Proposal, Run, Unmatched


def _either(uid: int) -> Q:
    return Q(mentor_id=uid) | Q(mentee_id=uid)


E.declare(
    "matching.Pair",
    E.ANONYMISE,
    why="Their pairs are kept with an erased person in their place, so their partner's "
    "history and the cohort's figures stay right.",
    rows=lambda uid: Pair.objects.filter(_either(uid)),
    noun="pairs",
)
E.declare(
    "matching.Proposal",
    E.ANONYMISE,
    why="Proposed pairs in matching runs are kept with an erased person in their place.",
    rows=lambda uid: Proposal.objects.filter(_either(uid)),
    noun="proposed pairs",
)
E.declare(
    "matching.PairRule",
    E.DELETE,
    why="Matching rules about them are deleted.",
    rows=lambda uid: PairRule.objects.filter(_either(uid)),
    noun="matching rules",
)
E.declare(
    "matching.Unmatched",
    E.ANONYMISE,
    why="Notes that a matching run left them unpaired are kept without the detail.",
    rows=lambda uid: Unmatched.objects.filter(user_id=uid),
    clear={"detail": ""},
    noun="notes of being left unpaired",
)
E.declare(
    "matching.Capacity",
    E.DELETE,
    why="How many people they could be paired with is deleted.",
    rows=lambda uid: Capacity.objects.filter(user_id=uid),
    noun="pairing capacities",
)
E.declare(
    "matching.PastPair",
    E.KEEP,
    why="Past pairs are kept only as one-way digests, which name no one.",
    rows=lambda uid: PastPair.objects.none(),
)
E.declare(
    "matching.Run",
    E.KEEP,
    why="Matching runs they started or published are kept.",
    rows=lambda uid: Run.objects.filter(Q(created_by_id=uid) | Q(published_by_id=uid)),
    noun="matching runs",
)
E.declare(
    "matching.MatchingSettings",
    E.KEEP,
    why="Matching settings they changed are kept.",
    rows=lambda uid: MatchingSettings.objects.filter(updated_by_id=uid),
    noun="matching settings",
)
