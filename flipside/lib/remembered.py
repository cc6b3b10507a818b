"""The template language's ``{% url %}`` and ``|date`` as Django draws them, each answer
remembered for the next page that asks the same.

Registered as template builtins (``TEMPLATES`` in settings): later builtins take the place
of Django's tags and filters of the same name, so every template gets these. A URL depends
only on the URL patterns, the view's name, its arguments, the current app, the script prefix
and the language; a date's text only on the moment, its time zone, the format and the
language. With those as the key an answer is the one Django would give, and a page stops
paying ~25 µs a URL and ~30 µs a date (the cohort page draws fifteen URLs and twenty dates).
Arguments that are not plain numbers or text (a model, a lazy string) are reversed afresh
each time. The remembered answers are forgotten when a test changes the settings.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template import defaultfilters, defaulttags
from django.template.base import Parser, Token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.autoreload import file_changed
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

_PLAIN = (int, str)


@lru_cache(maxsize=4096)
def _reverse(
    view_name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    prefix: str,
    urlconf: str | None,
    language: str | None,
) -> str:
    return reverse(
        view_name, args=args, kwargs=dict(kwargs), current_app=current_app, urlconf=urlconf
    )


def _plain(value: Any) -> bool:
    # Text includes SafeString, which the template language makes of every literal.
    return isinstance(value, _PLAIN)


class RememberedURLNode(defaulttags.URLNode):
    def render(self, context: Any) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((k, v.resolve(context)) for k, v in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        if not (_plain(view_name) and all(map(_plain, args)) and all(_plain(v) for _, v in kwargs)):
            return str(super().render(context))
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = _reverse(
                view_name, args, kwargs, current_app, get_script_prefix(), get_urlconf(),
                get_language(),
            )  # fmt: skip
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> RememberedURLNode:
    """Django's ``{% url %}``, each URL reversed once per process."""
    node = defaulttags.url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@lru_cache(maxsize=4096)
def _date(value: datetime.date, zone: str, arg: str | None, language: str | None) -> str:
    return str(defaultfilters.date(value, arg))


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    """Django's ``|date``, each moment's text worked out once per format, time zone and
    language."""
    if isinstance(value, datetime.date) and (arg is None or isinstance(arg, str)):
        zone = str(value.tzinfo) if isinstance(value, datetime.datetime) else ""
        # Two moments in different zones are equal datetimes: the zone is part of the key.
        return _date(value, zone, arg, get_language())
    return str(defaultfilters.date(value, arg))


_generation = [0]


def generation() -> int:
    """Which remembering this is: moves on whenever what is remembered is forgotten."""
    return _generation[0]


def forget(**kwargs: Any) -> None:
    _reverse.cache_clear()
    _date.cache_clear()
    _generation[0] += 1


setting_changed.connect(forget, dispatch_uid="flipside.lib.remembered.forget")
# A changed translation file (runserver reloads them without restarting).
file_changed.connect(forget, dispatch_uid="flipside.lib.remembered.forget_files")
