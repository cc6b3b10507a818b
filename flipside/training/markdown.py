"""Render coordinators' Markdown safely: no scripts, no raw HTML, only web and mail links."""

from __future__ import annotations

from dataclasses import dataclass

import markdown as markdown_lib  # type: ignore[import-untyped]
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "p", "br", "hr", "strong", "em", "ul", "ol", "li", "blockquote",
    "a", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "nav", "div",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "div": {"class"},
    "th": {"scope"},
}


def _heading_id(value: str, separator: str) -> str:
    # A prefix keeps a heading such as "Main content" from taking an id the page already uses
    # (the skip link's target, form fields), which would break links and assistive technology.
    return "section-" + (slugify(value) or "untitled")


@dataclass(frozen=True)
class Rendered:
    html: SafeString
    toc: SafeString


def render(text: str) -> Rendered:
    """HTML and a table of contents for ``text``. Raw HTML in the source is shown as text,
    and links other than http(s) and mailto are removed."""
    converter = markdown_lib.Markdown(
        extensions=["toc", "tables", "sane_lists"],
        extension_configs={"toc": {"toc_depth": "2-3", "permalink": False, "slugify": _heading_id}},
        output_format="html",
    )
    # Escape any HTML the author typed, so it is shown, never run or hidden.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    html = converter.convert(escaped)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    toc = nh3.clean(getattr(converter, "toc", ""), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)
    return Rendered(html=mark_safe(clean), toc=mark_safe(toc))  # noqa: S308 - sanitised by nh3  # nosec B308, B703
