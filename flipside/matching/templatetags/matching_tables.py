"""The rows of the pairs table, built in Python: the template loop cost about 1 ms a row."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, Protocol

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from flipside.lib.rows import (
    BAR,
    LocalDates,
    escaped_url_with_id,
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
    words = escaped_words(
        {
            "mentor": _("Student mentor"),
            "mentee": _("Staff mentee"),
            "score": _("Score"),
            "started": _("Started"),
            "status": _("Status"),
            "not_scored": _("Not scored"),
        }
    )
    table = _Table(
        row=_row_markup(words),
        not_scored=f'<span class="muted">{words["not_scored"]}</span>',
        statuses=escaped_words({value: str(label) for value, label in Pair.Status.choices}),
        # Messages that hold markup, as {% blocktranslate %} had them, filled when used.
        on=_("on %(when)s"),
        end=_(
            'End early<span class="visually-hidden"> the pair of <bdi>%(a)s</bdi> and '
            "<bdi>%(b)s</bdi></span>"
        ),
        end_url=escaped_url_with_id("matching:end_pair"),
        dates=LocalDates(),
        can_end=can_end,
    )
    # Safe: each value escaped as the row is built (decision 0008).
    return SafeString("".join([_row(pair, table) for pair in pairs]))  # nosec B703


class _Table(NamedTuple):
    """What every row of one table shares: its markup with the words in place, and the
    words, messages, URL and dates its rows fill in."""

    row: str
    not_scored: str
    statuses: Mapping[str, str]
    on: str
    end: str
    end_url: Callable[[object], str]
    dates: LocalDates
    can_end: bool


def _row_markup(words: Mapping[str, str]) -> str:
    """A row's markup with the table's (escaped) words in place, once per table: ``{}`` for
    each of a row's values (id, mentor, mentee, score, start as ISO and as shown, status and
    the action cell), all of them escaped or built from escaped parts."""
    w = {name: text.replace("{", "{{").replace("}", "}}") for name, text in words.items()}
    return (
        '<tr id="pair-{}">\n'
        f'    <th scope="row" data-label="{w["mentor"]}"><bdi>{{}}</bdi></th>\n'
        f'    <td data-label="{w["mentee"]}"><bdi>{{}}</bdi></td>\n'
        f'    <td data-label="{w["score"]}" class="score">{{}}</td>\n'
        f'    <td data-label="{w["started"]}" class="nowrap">'
        '<time datetime="{}">{}</time></td>\n'
        f'    <td data-label="{w["status"]}">{{}}</td>\n'
        "    {}\n"
        "  </tr>\n"
    )


# A score and its bar (an integer: nothing to escape).
_SCORE = '<span class="score__number">{0}</span>' + BAR.replace("{}", "{0}")


def _row(pair: PairRow, table: _Table) -> str:
    mentor, mentee = html.escape(pair.mentor__display_name), html.escape(pair.mentee__display_name)
    active = pair.status == Pair.Status.ACTIVE
    action = ""
    if table.can_end:
        link = ""
        if active:
            url = table.end_url(pair.pk)
            link = f'<a href="{url}">{table.end % {"a": mentor, "b": mentee}}</a>'
        action = f"<td>{link}</td>"
    started, shown = table.dates.many(pair.started_at, "c", "j M Y")
    return table.row.format(
        pair.pk,
        mentor,
        mentee,
        table.not_scored if pair.score is None else _SCORE.format(int(pair.score)),
        html.escape(started),
        html.escape(shown),
        _status(pair, active, table),
        action,
    )


def _status(pair: PairRow, active: bool, table: _Table) -> str:
    label = table.statuses.get(pair.status)
    if label is None:
        label = html.escape(pair.status)
    if active:
        return f'<span class="tag tag--pair-active">{label}</span>'
    status = f'<span class="tag tag--pair-ended">{label}</span>'
    if pair.ended_at:
        when = html.escape(table.dates(pair.ended_at, "j M Y"))
        status += f' <span class="cell-note">{table.on % {"when": when}}</span>'
    if pair.end_reason:
        status += f'<span class="cell-note break">{html.escape(pair.end_reason)}</span>'
    return status


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
