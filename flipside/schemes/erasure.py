"""How erasure handles roles (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from flipside.privacy import erasure as E

from .models import Membership, OrganisationCoordinator, SchemeCoordinator

E.declare(
    "schemes.Membership",
    E.ANONYMISE,
    why="Their place in each cohort is kept as an erased person, so the cohort's numbers stay "
    "right; their name is removed.",
    rows=lambda uid: Membership.objects.filter(user_id=uid),
    clear={"sort_name": E.ERASED_NAME},
    noun="places in cohorts",
    own_names=["sort_name"],
)
E.declare(
    "schemes.OrganisationCoordinator",
    E.DELETE,
    why="Their role as an organisation coordinator ends.",
    rows=lambda uid: OrganisationCoordinator.objects.filter(user_id=uid),
    noun="organisation coordinator roles",
)
E.declare(
    "schemes.SchemeCoordinator",
    E.DELETE,
    why="Their role as a scheme coordinator ends.",
    rows=lambda uid: SchemeCoordinator.objects.filter(user_id=uid),
    noun="scheme coordinator roles",
)
