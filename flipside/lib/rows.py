"""Helpers for building a long table's rows in Python rather than in a template loop.

A 50-row list drawn by the template language spends most of its time on per-row lookups,
``{% translate %}``, ``{% include %}``, ``{% url %}`` and ``|date`` (about 1 ms a row). Row
tags (decision 0008) translate their words once per table and build each row with
``format_row``, which escapes as ``format_html`` does, only faster; the other helpers stand
in for ``{% blocktranslate %}``, ``{% url %}`` and ``|date``.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString
from django.utils.translation import get_language

T = TypeVar("T")


def escaped(value: object) -> str:
    """``conditional_escape`` without the lazy-translation wrapper around ``escape``, which
    costs more than the escaping itself when called a thousand times a page."""
    kind = type(value)  # exact types first: the common cases, without isinstance
    if kind is SafeString:
        return value  # type: ignore[return-value]
    if kind is str:
        return html.escape(value)  # type: ignore[type-var,return-value]
    if kind is int:  # an id or a count: nothing in it to escape
        return str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def per_language(build: Callable[[], T]) -> Callable[[], T]:
    """``build()`` once per process and language: for a table's words, which depend only on
    the code and the language (``gettext`` costs ~5 µs a call, a table asks a dozen)."""
    built: dict[str | None, T] = {}

    def get() -> T:
        language = get_language()
        if language not in built:
            built[language] = build()
        return built[language]

    return get


def escaped_words(words: dict[str, str]) -> dict[str, SafeString]:
    """A row tag's words (translated once per table), escaped once per table too."""
    # Safe: escaped here.
    return {name: SafeString(escaped(text)) for name, text in words.items()}  # nosec B703


def format_row(format_string: str, *args: object) -> SafeString:
    """``format_html`` for a table's rows: each argument escaped unless already safe."""
    # Safe: each argument escaped.
    return SafeString(format_string.format(*map(escaped, args)))  # nosec B703


def url_with_id(viewname: str, *args: object) -> Callable[[object], str]:
    """``reverse(viewname, args=[*args, id])`` for every row: the URL reversed once, each
    row's id put in place of a stand-in (``reverse`` costs ~25 µs a call)."""
    stand_in = 2147483647
    url = reverse(viewname, args=[*args, stand_in])
    before, after = url.rsplit(str(stand_in), 1)
    return lambda pk: f"{before}{pk}{after}"


def escaped_url_with_id(viewname: str, *args: object) -> Callable[[object], str]:
    """``url_with_id``, escaped for an attribute once per table (an id needs no escaping)."""
    stand_in = "2147483647"
    before, after = escaped(url_with_id(viewname, *args)(stand_in)).rsplit(stand_in, 1)
    return lambda pk: f"{before}{pk}{after}"


# As templates/matching/_bar.html, which pages include: a bar for a whole-number width (0 to
# 100), filled in with ``BAR.format(width)``.
BAR = (
    '<svg class="bar" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true" '
    'focusable="false"><rect class="bar__track" width="100" height="4"></rect>'
    '<rect class="bar__fill" width="{}" height="4"></rect></svg>\n'
)


def csrf_input(context: Any) -> SafeString:
    """``{% csrf_token %}`` of a row tag's template context: drawn once per table."""
    # Safe: Django's own csrf_token markup.
    return SafeString(CsrfTokenNode().render(context))  # nosec B703


def translated_html(message: str, **values: object) -> SafeString:
    """A translated message holding HTML and ``%(name)s`` placeholders (the msgid of a
    ``{% blocktranslate %}``), with each value escaped, as ``{% blocktranslate %}`` does."""
    # Safe: our own message; each value escaped.
    return SafeString(message % {name: escaped(value) for name, value in values.items()})  # nosec B703


def join_html(parts: Iterable[object]) -> SafeString:
    """Fragments joined, each escaped unless already safe (as those from ``format_row``)."""
    # Safe: each part escaped unless already safe.
    return SafeString("".join(map(escaped, parts)))  # nosec B703


@per_language
def _month_names() -> list[str]:
    return [""] + [str(MONTHS_3[n]).title() for n in range(1, 13)]


class LocalDates:
    """``|date`` for one table: the value in local time, the formats rows use most made
    without ``dateformat`` (which costs ~70 µs a call), the month names translated once
    per process and language."""

    def __init__(self) -> None:
        # timezone.localtime looks the zone up on every call: most of a row's date's cost.
        self._zone = timezone.get_current_timezone()
        self._months: list[str] = []
        self._fast: dict[str, Callable[[datetime.datetime], str]] = {
            "c": datetime.datetime.isoformat,
            "j M Y": lambda d: f"{d.day} {self.month(d)} {d.year}",
            "j M Y,": lambda d: f"{d.day} {self.month(d)} {d.year},",
            "H:i": lambda d: f"{d.hour:02d}:{d.minute:02d}",
        }

    def month(self, value: datetime.datetime) -> str:
        if not self._months:
            self._months = _month_names()
        return self._months[value.month]

    def __call__(self, value: datetime.datetime, format_string: str) -> str:
        return self.many(value, format_string)[0]

    def many(self, value: datetime.datetime, *format_strings: str) -> list[str]:
        """The value in each format, converted to local time once."""
        if timezone.is_naive(value):  # as timezone.localtime: a naive value's zone is unknown
            raise ValueError("LocalDates needs aware datetimes")
        local = value.astimezone(self._zone)
        return [
            self._fast[f](local) if f in self._fast else dateformat.format(local, f)
            for f in format_strings
        ]
