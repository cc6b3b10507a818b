from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import coordinates_anything


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the header navigation needs to know about the signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_coordinator": False}
    return {"nav_is_coordinator": coordinates_anything(user)}
