"""The rows of the pairs table, built in Python: the template loop cost about 1 ms a row."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from flipside.lib.rows import (
    LocalDates,
    escaped_words,
    format_row,
    join_html,
    translated_html,
    url_with_id,
)
from flipside.schemes.models import Cohort, Role

from ..models import Pair
from ..selectors import UnpairedRow

register = template.Library()


class PairRow(Protocol):
    """A pair as the pairs page fetches it (``selectors.PairRow``)."""

    pk: int
    score: int | None
    status: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    end_reason: str
    mentor__display_name: str
    mentee__display_name: str


@register.simple_tag
def pair_rows(pairs: Iterable[PairRow], *, can_end: bool) -> SafeString:
    """``<tr>`` for each pair: both names, score and bar, start date, status, and (with
    ``can_end``) the link to end an active pair early."""
    words: dict[str, str] = {
        **escaped_words(
            {
                "mentor": _("Student mentor"),
                "mentee": _("Staff mentee"),
                "score": _("Score"),
                "started": _("Started"),
                "status": _("Status"),
                "not_scored": _("Not scored"),
            }
        ),
        # Messages that hold markup, as {% blocktranslate %} had them, filled when used.
        "on": _("on %(when)s"),
        "end": _(
            'End early<span class="visually-hidden"> the pair of <bdi>%(a)s</bdi> and '
            "<bdi>%(b)s</bdi></span>"
        ),
    }
    statuses = escaped_words({value: str(label) for value, label in Pair.Status.choices})
    end_url = url_with_id("matching:end_pair")
    dates = LocalDates()
    return join_html(_row(pair, words, statuses, end_url, dates, can_end) for pair in pairs)


def _row(
    pair: PairRow,
    words: dict[str, str],
    statuses: Mapping[str, str],
    end_url: Callable[[object], str],
    dates: LocalDates,
    can_end: bool,
) -> SafeString:
    mentor, mentee = pair.mentor__display_name, pair.mentee__display_name
    active = pair.status == Pair.Status.ACTIVE
    action = SafeString("")
    if can_end:
        link = SafeString("")
        if active:
            link = format_row(
                '<a href="{}">{}</a>',
                end_url(pair.pk),
                translated_html(words["end"], a=mentor, b=mentee),
            )
        action = format_row("<td>{}</td>", link)
    return format_row(
        '<tr id="pair-{}">\n'
        '    <th scope="row" data-label="{}"><bdi>{}</bdi></th>\n'
        '    <td data-label="{}"><bdi>{}</bdi></td>\n'
        '    <td data-label="{}" class="score">{}</td>\n'
        '    <td data-label="{}" class="nowrap"><time datetime="{}">{}</time></td>\n'
        '    <td data-label="{}">{}</td>\n'
        "    {}\n"
        "  </tr>\n",
        pair.pk,
        words["mentor"], mentor,
        words["mentee"], mentee,
        words["score"], _score(pair.score, words),
        words["started"], *dates.many(pair.started_at, "c", "j M Y"),
        words["status"], _status(pair, active, statuses, words, dates),
        action,
    )  # fmt: skip


def _score(score: int | None, words: dict[str, str]) -> SafeString:
    if score is None:
        return format_row('<span class="muted">{}</span>', words["not_scored"])
    # The same bar as matching/_bar.html draws.
    return format_row(
        '<span class="score__number">{}</span><svg class="bar" viewBox="0 0 100 4" '
        'preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        '<rect class="bar__track" width="100" height="4"></rect>'
        '<rect class="bar__fill" width="{}" height="4"></rect></svg>\n',
        score,
        score,
    )


def _status(
    pair: PairRow,
    active: bool,
    statuses: Mapping[str, str],
    words: dict[str, str],
    dates: LocalDates,
) -> SafeString:
    label = statuses.get(pair.status, pair.status)
    if active:
        return format_row('<span class="tag tag--pair-active">{}</span>', label)
    parts = [format_row('<span class="tag tag--pair-ended">{}</span>', label)]
    if pair.ended_at:
        when = dates(pair.ended_at, "j M Y")
        parts.append(
            format_row(
                ' <span class="cell-note">{}</span>', translated_html(words["on"], when=when)
            )
        )
    if pair.end_reason:
        parts.append(format_row('<span class="cell-note break">{}</span>', pair.end_reason))
    return join_html(parts)


@register.simple_tag
def unpaired_items(people: Iterable[UnpairedRow], cohort: Cohort) -> SafeString:
    """``<li>`` for each person without a partner: name, role, and a link to find one."""
    roles = escaped_words({Role.MENTOR: _("student mentor"), Role.MENTEE: _("staff mentee")})
    find = _('Find a new partner<span class="visually-hidden"> for <bdi>%(name)s</bdi></span>')
    rematch_url = url_with_id("matching:rematch", cohort.pk)
    return join_html(
        format_row(
            '<li><bdi>{}</bdi> <span class="muted">({})</span> – <a href="{}">{}</a></li>\n',
            person.display_name,
            roles[Role.MENTOR] if person.role == Role.MENTOR else roles[Role.MENTEE],
            rematch_url(person.user_id),
            translated_html(find, name=person.display_name),
        )
        for person in people
    )
