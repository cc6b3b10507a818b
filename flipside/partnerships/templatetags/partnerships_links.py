"""Template helpers for partnerships' links that depend on who is looking."""

from __future__ import annotations

from typing import Any

from django import template

from flipside.schemes.permissions import roles_of

register = template.Library()


@register.simple_tag(takes_context=True)
def curates_points(context: Any, scheme: Any) -> bool:
    """Whether the person looking curates the scheme's talking points (its coordinators and
    its organisation's): the page ``partnerships:points_manage`` opens only for them, so a
    coordinator of one cohort is not sent there."""
    user = getattr(context.get("request"), "user", None)
    return user is not None and roles_of(user).coordinates_scheme(scheme)
