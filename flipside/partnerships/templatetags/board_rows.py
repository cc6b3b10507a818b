"""The progress board's rows, built in Python (decision 0008).

Drawn by the template language each pair cost about 1.4 ms (five translated column names,
the status's label, three links with the pair's names hidden for screen readers, a form);
here the words are translated and the URLs reversed once per table, and each row is one
``format_row``. The markup is the template's, which this replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from flipside.lib.rows import BAR, LocalDates, csrf_input, escaped, escaped_url_with_id, format_row

from ..progress import STATUSES

register = template.Library()

ROW = (
    '\n  <tr>\n    <th scope="row"><bdi>{mentor}</bdi></th>'
    '\n    <td data-label="{l_mentee}"><bdi>{mentee}</bdi></td>'
    '\n    <td class="num" data-label="{l_held}">{held} '
    '<span class="muted">({expected})</span></td>'
    '\n    <td data-label="{l_status}">'
    '<span class="tag tag--progress-{status}">{status_label}</span></td>'
    '\n    <td data-label="{l_contact}">{contact}</td>'
    '\n    <td class="num" data-label="{l_unconfirmed}">{unconfirmed}</td>'
    '\n    <td>\n      <ul class="row-actions">{actions}</ul>\n    </td>\n  </tr>'
)
LINK = '<li><a href="{}">{}{}</a></li>'
TIME = '<time datetime="{}">{}</time>'
HIDDEN = '<span class="visually-hidden"> <bdi>{}</bdi> &amp; <bdi>{}</bdi></span>'


@register.simple_tag(takes_context=True)
def board_rows(context: Any, rows: Sequence[Any], cohort: Any, expected: int) -> SafeString:
    """The ``<tr>`` of each pair in ``rows`` (``board.listing``), with its actions. Each
    name is escaped once; the words, the URLs (built from the reversed URL, a row's id in
    place) and the date formats are escaped or made once per table."""
    words = {
        "l_mentee": escaped(_("Staff mentee")),
        "l_held": escaped(_("Meetings held (expected by today)")),
        "l_status": escaped(_("Status")),
        "l_contact": escaped(_("Last contact")),
        "l_unconfirmed": escaped(_("Records to confirm")),
        "expected": expected,
    }
    # The table's words put in place once, each row's values left to fill.
    row_markup = ROW.format_map(_Keep({k: str(v).replace("{", "{{").replace("}", "}}")
                                       for k, v in words.items()}))  # fmt: skip
    labels = {key: escaped(label) for key, label in STATUSES.items()}
    none_yet = format_row('<span class="muted">{}</span>', _("None yet"))
    nudge = escaped(reverse("partnerships:nudge", args=[cohort.pk])) + "?pair="
    dates = LocalDates()
    pause = escaped_url_with_id("partnerships:board_pause")
    resume = escaped_url_with_id("partnerships:board_resume")
    end = escaped_url_with_id("matching:end_pair")
    rematch = escaped_url_with_id("matching:rematch", cohort.pk)
    csrf = csrf_input(context) if any(p.is_paused for p in rows) else ""
    say_nudge, say_pause, say_resume, say_end = (
        escaped(_("Nudge")), escaped(_("Pause")), escaped(_("Resume")), escaped(_("End early"))
    )  # fmt: skip
    new_partner = _("New partner for <bdi>%(n)s</bdi>")
    out = []
    for pair in rows:
        pk, mentor, mentee = pair.pk, escaped(pair.mentor_name), escaped(pair.mentee_name)
        if pair.status == "active":
            hidden = HIDDEN.format(mentor, mentee)
            middle = (
                f'<li><form method="post" action="{resume(pk)}" class="inline-form">{csrf}'
                f'<button type="submit" class="link-button">{say_resume}{hidden}</button>'
                "</form></li>"
                if pair.is_paused
                else LINK.format(pause(pk), say_pause, hidden)
            )
            actions = (
                LINK.format(f"{nudge}{pk}", say_nudge, hidden)
                + middle
                + LINK.format(end(pk), say_end, hidden)
            )
        else:
            actions = "".join(
                f'<li><a href="{rematch(person_id)}">{new_partner % {"n": name}}</a></li>'
                for person_id, name in ((pair.mentor_id, mentor), (pair.mentee_id, mentee))
            )
        if pair.last_contact:
            iso, shown = dates.many(pair.last_contact, "c", "j M Y")
            contact = TIME.format(iso, escaped(shown))
        else:
            contact = none_yet
        out.append(
            row_markup.format(
                mentor=mentor, mentee=mentee, held=pair.held, status=pair.board_status,
                status_label=labels[pair.board_status], contact=contact,
                unconfirmed=pair.unconfirmed, actions=actions,
            )
        )  # fmt: skip
    # Safe: each value escaped as the row is built (decision 0008).
    return SafeString("".join(out))  # nosec B703


class _Keep(dict[str, str]):
    """For ``str.format_map``: a name not given stays a placeholder, to fill per row."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@register.simple_tag(takes_context=True)
def status_bars(context: Any, bars: Sequence[dict[str, Any]]) -> SafeString:
    """The rows of the board's pairs-by-status table: each status linking to the board
    filtered by it (``{% querystring status=key page=None %}``), its count, and its bar
    (templates/matching/_bar.html), without a template loop."""
    query = context["request"].GET
    out = []
    for bar in bars:
        link = query.copy()
        link["status"] = bar["key"]
        link.pop("page", None)
        out.append(
            f'\n  <tr><th scope="row" class="nowrap"><a href="?{escaped(link.urlencode())}">'
            f'{escaped(bar["label"])}</a></th><td class="num">{int(bar["value"])}</td>'
            f'<td class="chart-table__bar">{BAR.format(int(bar["width"]))}</td></tr>'
        )
    # Safe: each value escaped as the row is built (decision 0008).
    return SafeString("".join(out))  # nosec B703
