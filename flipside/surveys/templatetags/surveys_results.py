"""A survey's results drawn in Python (decision 0008): the template loop over its questions
and their bars, with a translation or two a cell, cost about 5 ms at fifteen questions,
more than the rest of the page. The same HTML as the loop drew, whitespace aside."""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.lib.rows import escaped, escaped_url_with_id, per_language

from ..models import Survey
from ..results import Result, Results

register = template.Library()


@per_language
def _words() -> dict[str, str]:
    return {
        "read": escaped(_("Read the answers")),
        "answer": escaped(_("Answer")),
        "responses": escaped(_("Responses")),
        "people": escaped(_("People")),
        "share": escaped(_("Share")),
        "chart": escaped(_("Chart")),
        # The msgids of the template's {% blocktranslate %}, filled in for each question.
        "answers_to": _("Answers to “%(q)s”"),
        "fewer": _(
            "Fewer than %(least)s people answered this question, so its answers are not shown."
        ),
        "responses_share": _("%(c)s responses, %(s)s%%"),
        "people_share": _("%(c)s people, %(s)s%%"),
    }


@register.simple_tag
def result_sections(found: Results, survey: Survey, least: int) -> SafeString:
    """A ``<section>`` for each question: how many answered it, and its answers counted in a
    table of bars, a link to its free-text answers, or why they are not shown."""
    words = _words()
    link = escaped_url_with_id("surveys:text_answers", survey.pk)
    by_response = found.responses != found.people
    column = words["responses"] if by_response else words["people"]
    each = words["responses_share"] if by_response else words["people_share"]
    fewer = words["fewer"] % {"least": least}
    parts = [_section(n, result, words, link, column, each, fewer)
             for n, result in enumerate(found.questions, 1)]  # fmt: skip
    # Safe: each value escaped as the row is built (decision 0008).
    return SafeString("".join(parts))  # nosec B703


def _section(
    n: int, result: Result, words: dict[str, str], link: Any, column: str, each: str, fewer: str
) -> str:
    pk = int(result.question.pk)
    text = html.escape(result.question.text)
    answered = ngettext("%(n)s person answered.", "%(n)s people answered.", result.answered) % {
        "n": result.answered
    }
    parts = [
        f'<section aria-labelledby="q-{pk}">\n<h2 id="q-{pk}">{n}. {text}</h2>\n'
        f'<p class="field__hint">{answered}</p>\n'
    ]
    if not result.shown:
        parts.append(f"<p>{fewer}</p>\n")
    elif result.question.is_text:
        parts.append(
            f'<p><a href="{link(pk)}">{words["read"]}<span class="visually-hidden"> {text}'
            "</span></a></p>\n"
        )
    else:
        parts.append(
            f'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="t-{pk}">\n'
            f'<table class="chart-table">\n'
            f'  <caption id="t-{pk}" class="visually-hidden">'
            f"{words['answers_to'] % {'q': text}}</caption>\n"
            f'  <thead><tr><th scope="col">{words["answer"]}</th><th scope="col" class="num">'
            f'{column}</th><th scope="col" class="num">{words["share"]}</th>'
            f'<th scope="col" class="chart-table__bar">{words["chart"]}</th></tr></thead>\n'
            "  <tbody>\n"
        )
        for k, bar in enumerate(result.bars, 1):
            label, b = html.escape(bar.label), f"b-{pk}-{k}"
            desc = each % {"c": bar.count, "s": bar.share}
            parts.append(
                f'  <tr>\n    <th scope="row">{label}</th>\n'
                f'    <td class="num">{bar.count}</td>\n'
                f'    <td class="num">{bar.share}%</td>\n'
                f'    <td class="chart-table__bar"><svg class="bar" role="img" '
                f'viewBox="0 0 100 6" preserveAspectRatio="none" aria-labelledby="{b}-t {b}-d">'
                f'<title id="{b}-t">{label}</title><desc id="{b}-d">{desc}</desc>'
                f'<rect class="bar__track" width="100" height="6"/>'
                f'<rect class="bar__fill" width="{bar.share}" height="6"/></svg></td>\n'
                "  </tr>\n"
            )
        parts.append("  </tbody>\n</table>\n</div>\n")
    parts.append("</section>\n")
    return "".join(parts)
