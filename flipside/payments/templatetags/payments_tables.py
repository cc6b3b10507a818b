"""The rows of the coordinators' review table, built in Python (decision 0008): the template
loop, with a dozen translations, three forms and a disclosure a row, cost about 2 ms a row.

A row holds no form of its own (decision 0024): its buttons and message submit the page's one
``decide`` form (``form="decide"``), each button to its line's address (``formaction``) with
the version the page showed (``name="version"``), and its box to tick belongs to the page's
``approve-selected`` form. The words "Approve" (``review-approve``) are drawn once by the page;
each row names its line once (``line-<id>``), for its box, its button and its message."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import template
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from flipside.lib.money import format_pounds
from flipside.lib.rows import escaped, escaped_url_with_id, per_language

from ..activity import hours_text
from ..models import Line, PaymentRun
from ..review_reads import ReviewLine
from ..services.timesheets import DECIDABLE, REVISABLE

register = template.Library()

# As payments/views/timesheets.py's STATUS_TAGS and PAID_TAG.
_TAGS: dict[str, str] = {
    Line.Status.DRAFT: "tag",
    Line.Status.SUBMITTED: "tag tag--application-submitted",
    Line.Status.APPROVED: "tag tag--application-accepted",
    Line.Status.QUERIED: "tag tag--session-waiting",
    Line.Status.REJECTED: "tag tag--not-ready",
}
_PAID_TAG = "tag tag--run-done"


@per_language
def _words() -> dict[str, Any]:
    """The rows' words, escaped: plain words, and messages holding markup (the msgids the
    template's ``{% blocktranslate %}`` had)."""
    plain = {
        "approve": _("Approve"),
        "tick": _("Tick to approve"),
        "mentor": _("Mentor"),
        "date": _("Date"),
        "activity": _("Activity"),
        "hours": _("Hours"),
        "rate": _("Rate"),
        "amount": _("Amount"),
        "status": _("Status"),
        "decide": _("Decide"),
        "no_rtw": _("Right to work not recorded"),
        "disputed": _("Disputed by partner"),
        "unconfirmed": _("Not confirmed by partner"),
        "paid": _("Paid"),
        "message": _("Message to the mentor"),
        "query": _("Query"),
        "query_or_reject": _("Query or reject"),
        "reject": _("Reject"),
    }
    words: dict[str, Any] = {name: escaped(text) for name, text in plain.items()}
    words.update(
        {
            # Messages with markup: filled with escaped values.
            "the_line": _("the line of <bdi>%(name)s</bdi> on %(day)s: %(what)s"),
            "record_check": _(
                'Record the check<span class="visually-hidden"> for <bdi>%(name)s</bdi></span>'
            ),
            "an_hour": _("%(rate)s an hour"),
            "from": _("from %(day)s"),
            "holiday": _("+ %(h)s holiday pay"),
            "by": _("by <bdi>%(name)s</bdi>"),
            "kinds": {value: str(label) for value, label in Line.Kind.choices},
            "statuses": {value: escaped(str(label)) for value, label in Line.Status.choices},
            # Escaped once: a row's dates are these and digits.
            "months": [""] + [escaped(str(MONTHS_3[n]).title()) for n in range(1, 13)],
            "weekdays": [escaped(str(WEEKDAYS_ABBR[n])) for n in range(7)],
        }
    )
    return words


def _pounds(amount: Decimal | None) -> str:
    return "–" if amount is None else format_pounds(amount)


@register.simple_tag
def review_rows(rows: Iterable[ReviewLine], cohort_id: int, *, ticking: bool) -> SafeString:
    """``<tr>`` for each line under review: a box to tick (``ticking``: while the page shows
    lines waiting for approval), the mentor (and a link to record their right-to-work check
    when it is missing), date, activity, hours, rate, amount, status and the coordinator's
    decisions, submitting the page's ``decide`` form.

    The same HTML as the template loop draws, whitespace aside; each value escaped once."""
    words = _words()
    months, weekdays, kinds = words["months"], words["weekdays"], words["kinds"]
    approve_url = escaped_url_with_id("payments:approve")
    query_url = escaped_url_with_id("payments:query")
    reject_url = escaped_url_with_id("payments:reject")
    employment_url = escaped_url_with_id("payments:employment_edit", cohort_id)

    def day(value: datetime.date) -> str:
        return f"{value.day} {months[value.month]} {value.year}"

    def row(line: ReviewLine) -> str:
        pk, version = line.id, line.version
        name = escaped(line.mentor_name)
        kind = escaped(kinds.get(line.kind, line.kind))
        what = escaped(line.description) if line.description else kind
        when = day(line.worked_on)
        open_line = line.payment_run_id is None
        decidable = open_line and line.status in DECIDABLE
        revisable = open_line and line.status in REVISABLE
        cells = ["<tr>\n"]
        if ticking:
            if decidable:
                cells.append(
                    f'<td class="select-cell" data-label="{words["tick"]}">'
                    f'<input type="checkbox" name="lines" value="{pk}:{version}" '
                    f'form="approve-selected" aria-labelledby="review-approve line-{pk}"></td>\n'
                )
            else:
                cells.append('<td class="select-cell"></td>\n')
        mentor = f"<bdi>{name}</bdi>"
        if not line.right_to_work:
            check = words["record_check"] % {"name": name}
            mentor += (
                f'<br><strong class="tag tag--not-ready">{words["no_rtw"]}</strong><br>'
                f'<a href="{employment_url(line.mentor_id)}?from=review">{check}</a>'
            )
        cells.append(f'<th scope="row" data-label="{words["mentor"]}">{mentor}</th>\n')
        weekday = weekdays[line.worked_on.weekday()]
        cells.append(f'<td data-label="{words["date"]}" class="nowrap">{weekday} {when}</td>\n')
        record = ""
        if line.meeting_record == "disputed":
            record = f' <strong class="tag tag--session-waiting">{words["disputed"]}</strong>'
        elif line.meeting_record == "unconfirmed":
            record = f' <strong class="tag tag--session-waiting">{words["unconfirmed"]}</strong>'
        cells.append(
            f'<td data-label="{words["activity"]}" class="break">{what} '
            f'<span class="muted">({kind})</span>{record}</td>\n'
        )
        cells.append(
            f'<td data-label="{words["hours"]}" class="num">'
            f"{hours_text(line.hours)}</td>\n"  # digits only
        )
        if line.hourly is None:
            rate = "–"
        else:
            rate = words["an_hour"] % {"rate": _pounds(line.hourly)}  # £, digits and commas
            if line.rate_from:
                rate += (
                    f' <span class="muted">{words["from"] % {"day": day(line.rate_from)}}</span>'
                )
        cells.append(f'<td data-label="{words["rate"]}">{rate}</td>\n')
        amount = _pounds(line.amount)
        if line.holiday:
            holiday = words["holiday"] % {"h": _pounds(line.holiday)}
            amount += f'<br><span class="muted">{holiday}</span>'
        cells.append(f'<td data-label="{words["amount"]}" class="num">{amount}</td>\n')
        if line.run_status == PaymentRun.Status.PAID:
            tag, status = _PAID_TAG, words["paid"]
        else:
            tag = _TAGS.get(line.status, "tag")
            status = words["statuses"].get(line.status, escaped(line.status))
        status = f'<strong class="{tag}">{status}</strong>'
        if line.decided_by_name:
            by = words["by"] % {"name": escaped(line.decided_by_name)}
            status += f'<br><span class="muted">{by}</span>'
        if line.message:
            status += f'<br><span class="break">“{escaped(line.message)}”</span>'
        cells.append(f'<td data-label="{words["status"]}">{status}</td>\n')
        decide, the_line = [], ""
        if decidable or revisable:
            # The line named once (``line-<id>``), for its box, its button and its message.
            the_line = words["the_line"] % {"name": name, "day": when, "what": what}
        if decidable:
            if not revisable:  # (every line that can be approved can be queried today)
                decide.append(f'<span hidden id="line-{pk}">{the_line}</span>')
            decide.append(
                f'<button class="button" form="decide" formaction="{approve_url(pk)}" '
                f'name="version" value="{version}" aria-labelledby="review-approve line-{pk}">'
                f"{words['approve']}</button>"
            )
        if revisable:
            about = f'form="decide" aria-describedby="line-{pk}"'
            decide.append(
                f'<details class="disclosure"><summary>{words["query_or_reject"]}'
                f'<span class="visually-hidden" id="line-{pk}"> {the_line}</span></summary>'
                f'<label>{words["message"]} <textarea name="message-{pk}" rows="2" '
                f'maxlength="500" form="decide"></textarea></label>'
                f'<button class="button button--secondary" {about} '
                f'formaction="{query_url(pk)}" name="version" value="{version}">'
                f"{words['query']}</button>"
                f'<button class="button button--warning" {about} '
                f'formaction="{reject_url(pk)}" name="version" value="{version}">'
                f"{words['reject']}</button></details>"
            )
        if not decide:
            decide.append("–")
        cells.append(f'<td data-label="{words["decide"]}">{"".join(decide)}</td>\n')
        cells.append("</tr>\n")
        return "".join(cells)

    # Safe: each value escaped as the row is built (decision 0008).
    return SafeString("".join(row(line) for line in rows))  # nosec B703
