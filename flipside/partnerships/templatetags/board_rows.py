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

from flipside.lib.rows import LocalDates, csrf_input, escaped, format_row, url_with_id

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
    """The ``<tr>`` of each pair in ``rows`` (``board.board_pairs``), with its actions."""
    words = {
        "l_mentee": escaped(_("Staff mentee")),
        "l_held": escaped(_("Meetings held (expected by today)")),
        "l_status": escaped(_("Status")),
        "l_contact": escaped(_("Last contact")),
        "l_unconfirmed": escaped(_("Records to confirm")),
    }
    labels = {key: str(label) for key, label in STATUSES.items()}
    none_yet = format_row('<span class="muted">{}</span>', _("None yet"))
    nudge = reverse("partnerships:nudge", args=[cohort.pk])
    dates = LocalDates()
    pause = url_with_id("partnerships:board_pause")
    resume = url_with_id("partnerships:board_resume")
    end = url_with_id("matching:end_pair")
    rematch = url_with_id("matching:rematch", cohort.pk)
    csrf = csrf_input(context) if any(getattr(p, "is_paused", False) for p in rows) else ""
    say = {
        "nudge": escaped(_("Nudge")), "pause": escaped(_("Pause")),
        "resume": escaped(_("Resume")), "end": escaped(_("End early")),
    }  # fmt: skip
    new_partner = _("New partner for <bdi>%(n)s</bdi>")
    out = []
    for pair in rows:
        mentor, mentee = pair.mentor.display_name, pair.mentee.display_name
        hidden = format_row(HIDDEN, mentor, mentee)
        if pair.status == "active":
            middle = (
                format_row(
                    '<li><form method="post" action="{}" class="inline-form">{}'
                    '<button type="submit" class="link-button">{}{}</button></form></li>',
                    resume(pair.pk), csrf, say["resume"], hidden,
                )
                if pair.is_paused
                else format_row(LINK, pause(pair.pk), say["pause"], hidden)
            )  # fmt: skip
            actions = (
                format_row(LINK, f"{nudge}?pair={pair.pk}", say["nudge"], hidden)
                + middle
                + format_row(LINK, end(pair.pk), say["end"], hidden)
            )  # fmt: skip
        else:
            actions = SafeString("".join(
                format_row('<li><a href="{}">{}</a></li>', rematch(person_id),
                           SafeString(new_partner % {"n": escaped(name)}))
                for person_id, name in ((pair.mentor_id, mentor), (pair.mentee_id, mentee))
            ))  # fmt: skip
        contact = (
            format_row(TIME, *dates.many(pair.last_contact, "c", "j M Y"))
            if pair.last_contact else none_yet
        )  # fmt: skip
        out.append(
            ROW.format(
                **words, mentor=escaped(mentor), mentee=escaped(mentee), held=pair.held,
                expected=expected, status=escaped(pair.board_status),
                status_label=escaped(labels[pair.board_status]), contact=contact,
                unconfirmed=pair.unconfirmed, actions=SafeString(actions),
            )
        )  # fmt: skip
    return SafeString("".join(out))
