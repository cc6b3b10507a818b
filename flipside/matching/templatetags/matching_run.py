"""The run page's table of proposed pairs, its rows built in Python.

Drawn by the template language each row cost about 0.5 ms on a published run (four
``{% translate %}`` labels, an ``{% include %}`` of the bar, the reasons' loop) and twice that
on a draft (two forms, each with a ``{% url %}``, a ``{% csrf_token %}`` and a
``{% blocktranslate %}``). Here the words are translated and the URLs reversed once per
table, and every value is escaped as the template escaped it. The markup is the
template's, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from flipside.lib.rows import BAR, csrf_input, escaped, url_with_id
from flipside.matching.models import Proposal, Run
from flipside.matching.selectors import ProposalRow

register = template.Library()

ROW = """
  <tr id="proposal-{pk}">
    <th scope="row" data-label="{mentor_label}"><bdi>{mentor}</bdi>{mentor_ready}</th>
    <td data-label="{mentee_label}"><bdi>{mentee}</bdi>{mentee_ready}
      {badges}</td>
    <td data-label="{score_label}" class="score"><span class="score__number">{score}</span>{bar}</td>
    <td data-label="{why_label}" class="break">
      {reasons}
      {warnings}
    </td>
    {actions}
  </tr>
  """  # noqa: E501 (the template's markup, byte for byte)
ACTIONS = """
    <td class="row-actions">
      <form method="post" action="{lock_url}" class="inline-form">
        {csrf}<input type="hidden" name="lock" value="{wanted}">
        <button type="submit" class="button button--secondary button--small">{lock}</button>
      </form>
      {remove}
    </td>
    """
REMOVE = """
      <form method="post" action="{remove_url}" class="inline-form">
        {csrf}<input type="hidden" name="version" value="{version}">
        <button type="submit" class="button button--secondary button--small">{remove}</button>
      </form>
      """


@register.simple_tag(takes_context=True)
def proposal_rows(context: Any, rows: Sequence[Any], run: Run, here: str) -> SafeString:
    """One ``<tr>`` per row (a ``ProposalRow`` and whether each partner is ready), with the
    lock and remove forms on a draft, as the template's loop drew them."""
    labels = {
        "mentor_label": escaped(_("Student mentor")),
        "mentee_label": escaped(_("Staff mentee")),
        "score_label": escaped(_("Score")),
        "why_label": escaped(_("Why")),
    }
    not_ready = f' <span class="tag tag--not-ready">{escaped(_("Not ready yet"))}</span>'
    locked_tag = f'<span class="tag tag--locked">{escaped(_("Locked"))}</span>'
    manual_tag = f' <span class="tag tag--manual">{escaped(_("Added by hand"))}</span>'
    nothing = f'<span class="muted">{escaped(_("Nothing in common was found."))}</span>'
    warnings_label = escaped(_("Warnings"))
    warning = f"<li><strong>{escaped(_('Warning:'))}</strong> "
    draft = run.is_draft
    # Reasons and warnings are lists of plain text (JSON), so each is escaped as text.
    if draft:
        # The msgids of the template's {% blocktranslate %}: markup ours, names escaped.
        unlock = _(
            'Unlock<span class="visually-hidden"> <bdi>%(a)s</bdi> and <bdi>%(b)s</bdi></span>'
        )
        lock = _('Lock<span class="visually-hidden"> <bdi>%(a)s</bdi> and <bdi>%(b)s</bdi></span>')
        remove = _(
            'Remove<span class="visually-hidden"> <bdi>%(a)s</bdi> and <bdi>%(b)s</bdi></span>'
        )
        lock_url = url_with_id("matching:lock", run.pk)
        remove_url = url_with_id("matching:remove", run.pk)
        csrf = csrf_input(context)
        query = escaped(here)
        version = escaped(run.version)
    out = []
    for row in rows:
        p: ProposalRow = row.proposal
        mentor, mentee = escaped(p.mentor_name), escaped(p.mentee_name)
        manual = p.source == Proposal.Source.MANUAL
        if p.locked or manual:
            badges = (
                '<span class="badges">'
                f"{locked_tag if p.locked else ''}{manual_tag if manual else ''}</span>"
            )
        else:
            badges = ""
        if p.reasons:
            items = "".join([f"<li>{escape(reason)}</li>" for reason in p.reasons])
            reasons = f'<ul class="reasons">{items}</ul>'
        else:
            reasons = nothing
        if p.warnings:
            items = "".join([f"{warning}{escape(w)}</li>" for w in p.warnings])
            warnings = f'<ul class="warnings" aria-label="{warnings_label}">{items}</ul>'
        else:
            warnings = ""
        actions = ""
        if draft:
            names = {"a": mentor, "b": mentee}
            actions = ACTIONS.format(
                lock_url=escaped(lock_url(p.pk)) + query,
                csrf=csrf,
                wanted="unlock" if p.locked else "lock",
                lock=(unlock if p.locked else lock) % names,
                remove=""
                if p.locked
                else REMOVE.format(
                    remove_url=escaped(remove_url(p.pk)) + query,
                    csrf=csrf,
                    version=version,
                    remove=remove % names,
                ),
            )
        out.append(
            ROW.format(
                pk=escaped(p.pk),
                mentor=mentor,
                mentor_ready="" if row.mentor_ready else not_ready,
                mentee=mentee,
                mentee_ready="" if row.mentee_ready else not_ready,
                badges=badges,
                score=escaped(p.score),
                bar=BAR.format(escaped(p.score)),
                reasons=reasons,
                warnings=warnings,
                actions=actions,
                **labels,
            )
        )
    # Safe: each value escaped as the row is built (decision 0008).
    return SafeString("".join(out))  # nosec B703


@register.simple_tag
def score_bar(width: int) -> SafeString:
    """templates/matching/_bar.html for a whole-number width, without an ``{% include %}``."""
    # Safe: a whole number.
    return SafeString(BAR.format(escaped(int(width or 0))))  # nosec B703
