"""A list's search and filters and its pages' links, drawn in Python for every list.

templates/partials/_filter_form.html and _pagination.html are each one call of these tags:
through the template language the two cost about 0.3–0.75 ms a page (the loop over the
filters, their labels, hints and widgets). The markup is exactly what those templates drew
(a test compares them), so the pages read the same to people and assistive technology.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.http import QueryDict
from django.template.defaultfilters import floatformat
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from .rows import escaped, escaped_words, per_language

register = template.Library()


@per_language
def _words() -> dict[str, SafeString]:
    return escaped_words(
        {
            "clear": gettext("Clear filters"),
            "previous": gettext("Previous page"),
            "next": gettext("Next page"),
        }
    )


@per_language
def _grouping() -> tuple[str, object]:
    return formats.get_format("THOUSAND_SEPARATOR"), formats.get_format("NUMBER_GROUPING")


def _grouped(number: int) -> str:
    """``number|floatformat:"g"`` for a count, without its Decimal arithmetic."""
    separator, grouping = _grouping()
    if grouping == 3 and number >= 0:
        return f"{number:,}".replace(",", separator)
    return floatformat(number, "g")


def _shown(number: int) -> str:
    """``{{ number }}``: localised, grouped only where the settings group every number."""
    return formats.localize(number) if settings.USE_THOUSAND_SEPARATOR else str(number)


def _with_page(query: QueryDict, number: int) -> str:
    """``{% querystring page=number %}``: the address's query with its page replaced or added
    last, as QueryDict.urlencode writes it, without copying the QueryDict."""
    encoding, parts, placed = query.encoding, list[str](), False
    for key, values in query.lists():
        if key == "page":
            values, placed = [str(number)], True
        parts.extend(urlencode({key.encode(encoding): str(v).encode(encoding)}) for v in values)
    if not placed:
        parts.append(f"page={number}")
    return escaped("?" + "&".join(parts))


@register.simple_tag(takes_context=True)
def filter_form(context: template.Context) -> SafeString:
    """The search and filters, kept in the address (GET). Reads from the context: form,
    filter_url (the list's URL), filter_label (what the search finds), filter_button,
    filtered (show "Clear filters"), and optionally filter_target (the element HTMX swaps
    with the list, for pages that update in place)."""
    url = escaped(context.get("filter_url", ""))
    target = context.get("filter_target")
    htmx = (
        f' hx-get="{url}" hx-target="{escaped(target)}" hx-trigger="change, submit"'
        ' hx-push-url="true"'
        if target
        else ""
    )
    parts = [
        f'<form method="get" action="{url}" class="filter filter--stacked" role="search"'
        f' aria-label="{escaped(context.get("filter_label", ""))}"{htmx}>\n  '
    ]
    for field in context.get("form") or ():
        help_text = field.help_text
        hint = (
            f'<span class="filter__hint" id="{escaped(field.auto_id)}_helptext">'
            f"{escaped(help_text)}</span>"
            if help_text
            else ""
        )
        parts.append(
            '\n  <div class="filter__field">\n'
            f'    <label for="{escaped(field.id_for_label)}">{escaped(field.label)}</label>\n'
            f"    {hint}\n    {escaped(field)}\n  </div>\n  "
        )
    clear = f'<a href="{url}">{_words()["clear"]}</a>' if context.get("filtered") else ""
    parts.append(
        '\n  <button type="submit" class="button button--secondary">'
        f"{escaped(context.get('filter_button', ''))}</button>\n  {clear}\n</form>"
    )
    # Safe: each value escaped above.
    return SafeString("".join(parts))  # nosec B703


@register.simple_tag(takes_context=True)
def pagination(context: template.Context) -> SafeString:
    """The range shown and the links to the pages before and after, when there is more than
    one page. Reads from the context: page, label (the navigation's name) and optionally
    page_url (the list's URL, for lists swapped in place)."""
    page = context.get("page")
    if page is None or not page.has_other_pages():
        return SafeString("")
    words = _words()
    url, query = escaped(context.get("page_url", "")), context.request.GET  # type: ignore[attr-defined]
    total = page.paginator.count
    shown = gettext("Showing %(first)s–%(last)s of %(total)s") % {
        "first": _grouped(page.start_index()),
        "last": _grouped(page.end_index()),
        "total": _grouped(total),
    }
    previous = (
        f'<li><a href="{url}{_with_page(query, page.previous_page_number())}"'
        f' rel="prev">{words["previous"]}</a></li>'
        if page.has_previous()
        else ""
    )
    following = (
        f'<li><a href="{url}{_with_page(query, page.next_page_number())}"'
        f' rel="next">{words["next"]}</a></li>'
        if page.has_next()
        else ""
    )
    current = gettext("Page %(n)s of %(total)s") % {
        "n": escaped(_shown(page.number)),
        "total": escaped(_shown(page.paginator.num_pages)),
    }
    # Safe: each value escaped above.
    return SafeString(  # nosec B703
        f'\n<p class="pagination__range">{shown}</p>\n'
        f'<nav class="pagination" aria-label="{escaped(context.get("label", ""))}">\n  <ul>\n'
        f"    {previous}\n"
        f'    <li aria-current="page">{current}</li>\n'
        f"    {following}\n  </ul>\n</nav>\n"
    )
