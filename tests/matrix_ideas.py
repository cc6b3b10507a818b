"""The access matrix's rows for the ideas app's URLs, and the objects its URLs name
(read by tests/test_access_matrix.py)."""

from __future__ import annotations

from typing import Any

from conftest import World
from tests.matrix_rows import COORDINATORS, PARTNERS, row

PUBLIC_TOKEN = "matrix-public-board-token"

# URL name → row(anonymous, default, **by_role), as in tests/test_access_matrix.py.
EXPECTED: dict[str, dict[str, int]] = {
    # Mentors and mentees record ideas; coordinators enter them; observers do neither.
    "ideas:record": row(302, 404, **COORDINATORS, **PARTNERS),
    # The sample idea was raised by the pair together: its proposers and coordinators.
    "ideas:idea": row(302, 404, **COORDINATORS, **PARTNERS),
    "ideas:status": row(302, 405),
    "ideas:naming": row(302, 405),
    "ideas:owner": row(302, 404, **COORDINATORS),
    "ideas:merge": row(302, 404, **COORDINATORS),
    "ideas:mine": row(302, 200),
    # Each person's own: everyone signed in reads theirs (empty unless they own ideas).
    "ideas:owned": row(302, 200),
    "ideas:register": row(302, 404, **COORDINATORS),
    "ideas:board": row(302, 404, **COORDINATORS, **PARTNERS, observer=200),
    # Turned on for the sample organisation: anyone with the address.
    "ideas:public_board": row(200, 200),
    "ideas:owners": row(302, 404, **COORDINATORS),
    "ideas:owner_search": row(302, 404, **COORDINATORS),
    "ideas:owner_left": row(302, 405),
    # The public page is the organisation's decision: its organisation coordinators only.
    "ideas:settings": row(302, 404, org_coordinator=200),
}

# The sets of URL keyword arguments this app's URLs use, beyond the shared ones.
KWARG_SETS: list[list[str]] = [["idea_id"], ["owner_id"]]


def samples(world: World) -> dict[str, Any]:
    """Ids of objects in ``world``'s cohort for this app's URL keyword arguments: an idea
    raised by the mentor and mentee together, an owner, and the public board turned on."""
    from flipside.ideas.models import Idea, IdeaSettings, Owner, Proposer

    idea, _ = Idea.objects.get_or_create(
        cohort=world.cohort,
        title="Matrix idea",
        defaults={
            "organisation": world.organisation,
            "description": "Change it.",
            "area": "curriculum",
            "level": "departmental",
            "source": "pair",
        },
    )
    for person in (world.mentor, world.mentee):
        Proposer.objects.get_or_create(idea=idea, user=person)
    owner, _ = Owner.objects.get_or_create(organisation=world.organisation, user=world.nobody)
    IdeaSettings.objects.update_or_create(
        organisation=world.organisation,
        defaults={"public_board": True, "public_token": PUBLIC_TOKEN},
    )
    return {
        "idea_id": idea.pk,
        "owner_id": owner.pk,
        "organisation_id": world.organisation.pk,
        "token": PUBLIC_TOKEN,
    }
