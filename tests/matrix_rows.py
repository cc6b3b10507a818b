"""The roles the access matrix walks and how a row of expected statuses is written."""

from __future__ import annotations

ROLES = [
    "anonymous",
    "coordinator",
    "org_coordinator",
    "cohort_coordinator",
    "mentor",
    "mentee",
    "observer",
    "outsider",
    "nobody",
]
SIGNED_IN = ROLES[1:]


def row(anonymous: int, default: int, **by_role: int) -> dict[str, int]:
    """Expected GET status for each role: ``default`` for signed-in roles not named."""
    expected = {role: by_role.get(role, default) for role in SIGNED_IN}
    expected["anonymous"] = anonymous
    return expected


COORDINATORS = {"coordinator": 200, "org_coordinator": 200, "cohort_coordinator": 200}
SCHEME_COORDINATORS = {"coordinator": 200, "org_coordinator": 200}
PARTNERS = {"mentor": 200, "mentee": 200}
