"""Django's ``i18n`` template library with ``{% translate %}`` of a fixed message drawn once
per process and language, and ``{% blocktranslate %}``'s message put together once. A
template builtin (``TEMPLATES`` in settings): every template has these tags without loading
them, and the product's templates do not ``{% load i18n %}``, which would put Django's own
back (a test checks). Every other tag and filter is Django's own.

A page draws thirty to sixty fixed messages; Django makes each a lazy string, looks it up in
the catalogue and escapes it on every page (about 15 µs each). What a fixed message draws to
depends only on the language and on whether the page escapes, so each tag keeps its text
for each pair of them. A message with a context, a filter, a variable or ``as`` is drawn as
Django draws it. The kept texts are forgotten when settings or translation files change.
A ``{% blocktranslate %}`` puts its message together from its text and placeholders (and
trims it) on every page; that message never changes, so each tag does it once.
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


class RememberedBlockTranslateNode(django_i18n.BlockTranslateNode):
    def render_token_list(self, tokens: list[Any]) -> tuple[str, list[str]]:
        made = self.__dict__.setdefault("made", {})
        key = id(tokens)  # the singular's or the plural's, both kept by the node
        if key not in made:
            made[key] = super().render_token_list(tokens)
        message, names = made[key]
        return message, list(names)  # the caller extends the list


@register.tag("blocktranslate")
@register.tag("blocktrans")
def blocktranslate(parser: Parser, token: Token) -> RememberedBlockTranslateNode:
    """Django's ``{% blocktranslate %}``; its message put together once."""
    node = django_i18n.do_block_translate(parser, token)
    return RememberedBlockTranslateNode(**vars(node))
