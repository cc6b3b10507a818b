"""The parts of a cohort page's section, drawn in Python (decision 0025).

Every coordinator's cohort page shows a section from each app of the cycle. Drawn by seven
``{% include %}`` templates they cost about 1 ms a page, as much as a sixth of the page; the
same markup built here costs a tenth of that. A section is a heading, perhaps figures, and a
list of links, each part escaped as ``format_html`` would (text values with ``escaped``;
what is already safe, such as another part, kept as it is).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .remembered import _reverse
from .rows import escaped


def url(view_name: str, *args: int | str) -> str:
    """``reverse(view_name, args=args)``, remembered as ``{% url %}`` remembers it."""
    return _reverse(
        view_name, args, (), None, get_script_prefix(), get_urlconf(), get_language()
    )  # fmt: skip


def heading(text: object, *, id: str = "") -> SafeString:
    """The section's ``<h2>``, with an id when its figures are labelled by it."""
    attribute = f' id="{escaped(id)}"' if id else ""
    # Safe: each value escaped.
    return SafeString(f"<h2{attribute}>{escaped(text)}</h2>\n")  # nosec B703


def link(href: str, text: object, after: object = "") -> SafeString:
    """A link, and what follows it on its line (a figure, a muted note)."""
    # Safe: each value escaped.
    return SafeString(f'<a href="{escaped(href)}">{escaped(text)}</a>{escaped(after)}')  # nosec B703


def muted(text: object) -> SafeString:
    """A note after a link, with the space before it."""
    # Safe: each value escaped.
    return SafeString(f' <span class="muted">{escaped(text)}</span>')  # nosec B703


def actions(items: Iterable[object]) -> SafeString:
    """The section's list of links, one item each (``<ul class="actions-list">``)."""
    lines = "".join(f"  <li>{escaped(item)}</li>\n" for item in items)
    # Safe: each value escaped.
    return SafeString(f'<ul class="actions-list">\n{lines}</ul>\n')  # nosec B703


def figures(rows: Iterable[tuple[object, object]], *, labelled_by: str) -> SafeString:
    """Figures as a list of terms and numbers, labelled by the section's heading."""
    items = "".join(f"  <div><dt>{escaped(t)}</dt><dd>{escaped(d)}</dd></div>\n" for t, d in rows)
    # Safe: each value escaped.
    return SafeString(  # nosec B703
        f'<dl class="summary summary--numbers" aria-labelledby="{escaped(labelled_by)}">\n'
        f"{items}</dl>\n"
    )


def paragraph(content: object) -> SafeString:
    # Safe: each value escaped.
    return SafeString(f"<p>{escaped(content)}</p>\n")  # nosec B703


def join(parts: Iterable[object]) -> SafeString:
    """Parts one after another, each escaped unless already safe."""
    # Safe: each value escaped.
    return SafeString("".join(map(escaped, parts)))  # nosec B703
