"""Django's ``i18n`` template library with ``{% translate %}`` of a fixed message drawn once
per process and language (``TEMPLATES`` maps the name ``i18n`` here, so ``{% load i18n %}``
loads it; every other tag and filter is Django's own).

A page draws thirty to sixty fixed messages; Django makes each a lazy string, looks it up in
the catalogue and escapes it on every page (about 15 µs each). What a fixed message draws to
depends only on the language and on whether the page escapes, so each tag keeps its text
for each pair of them. A message with a context, a filter, a variable or ``as`` is drawn as
Django draws it. The kept texts are forgotten when settings or translation files change.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import Parser, Token
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .remembered import generation

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class RememberedTranslateNode(django_i18n.TranslateNode):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        expression = self.filter_expression
        self.fixed = not (
            self.noop
            or self.asvar
            or self.message_context
            or expression.filters
            or expression.var.lookups is not None
        )
        self.drawn: dict[tuple[Any, ...], SafeString | str] = {}

    def render(self, context: Any) -> SafeString | str:
        if not self.fixed:
            return super().render(context)
        key = (get_language(), context.autoescape, generation())
        try:
            return self.drawn[key]
        except KeyError:
            drawn = self.drawn[key] = super().render(context)
            return drawn


@register.tag("translate")
@register.tag("trans")
def translate(parser: Parser, token: Token) -> RememberedTranslateNode:
    """Django's ``{% translate %}``; a fixed message's text kept per language."""
    node = django_i18n.do_translate(parser, token)
    return RememberedTranslateNode(
        node.filter_expression, node.noop, node.asvar, node.message_context
    )
