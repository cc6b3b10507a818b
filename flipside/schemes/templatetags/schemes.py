"""Template helpers for links that depend on who is looking."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from flipside.schemes.permissions import roles_of

register = template.Library()


@register.simple_tag(takes_context=True)
def scheme_crumb(context: Any, scheme: Any) -> str:
    """The scheme's name, linked to its page only for people who may open that page."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is not None and roles_of(user).coordinates_scheme(scheme):
        return format_html(
            '<a href="{}">{}</a>', reverse("schemes:detail", args=[scheme.pk]), scheme.name
        )
    return format_html("<span>{}</span>", scheme.name)
