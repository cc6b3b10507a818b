"""Email addresses that wrap between their parts, never mid-word."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

# Where an address may wrap: after the @ and before each dot, as style guides advise for
# addresses and links. Hyphens are kept whole, so a reader never takes one for a line-end
# hyphen.
_BETWEEN_PARTS = re.compile(r"(?<=@)|(?=\.)")


@register.filter
def email_address(value: object) -> SafeString:
    """``value`` in a span whose parts never break inside, with a wrap point between them."""
    parts = [part for part in _BETWEEN_PARTS.split(str(value or "")) if part]
    if not parts:
        return SafeString("")
    inner = format_html_join(SafeString("<wbr>"), "<span>{}</span>", ((part,) for part in parts))
    return format_html('<span class="email-address">{}</span>', inner)
