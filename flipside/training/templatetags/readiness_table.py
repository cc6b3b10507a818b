"""The readiness page's table of people, its rows built in Python.

Drawn by the template language each row cost about 0.5 ms (three ``{% include %}`` of a
check, a dozen ``{% translate %}`` labels, the role's lazy label), so a page of 50 people cost
25 ms. The words are translated once per table here and each row is one ``format_html``, which
escapes every value as the template did. The markup is the template's, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from flipside.lib.rows import csrf_input
from flipside.schemes.models import Role
from flipside.training.readiness import Readiness

register = template.Library()

ROW = """
  <tr id="person-{pk}">
    <th scope="row"><bdi>{name}</bdi></th>
    <td>{role}</td>
    <td>{trained}
</td>
    <td>{handbook}
</td>
    <td>{agreement}
</td>
    <td>{state}</td>
    <td>{let_through}</td>
  </tr>
  """
UNDO = """
      <form method="post" action="{action}" class="inline-form">
        {csrf}
        <button type="submit" name="remove" value="1" class="link-button">{undo}</button>
      </form>
      """
LET_THROUGH = """
      <details class="override">
        <summary>{summary}</summary>
        <form method="post" action="{action}">
          {csrf}
          <label for="reason-{pk}">{why}</label>
          <input type="text" name="reason" id="reason-{pk}" maxlength="300" required>
          <button type="submit" class="button button--secondary">{button}</button>
        </form>
      </details>
      """
NONE = "–"


@register.simple_tag(takes_context=True)
def readiness_rows(context: Any, rows: Sequence[Readiness], cohort: Any) -> SafeString:
    """One ``<tr>`` per person, as the template's loop drew them: each check, whether they
    are ready, and the form that lets them through or undoes it."""
    # As templates/training/_readiness_check.html, which the participant's card includes.
    checks = {
        None: format_html('<span class="check check--none">{}</span>', _("Not required yet")),
        True: format_html(
            '<span class="check check--done"><span aria-hidden="true">✓ </span>{}</span>',
            _("Done"),
        ),
        False: format_html('<span class="check check--todo">{}</span>', _("To do")),
    }
    ready = format_html('<span class="tag tag--ready">{}</span>', _("Ready"))
    let_through_by = format_html(
        '<span class="tag tag--let-through">{}</span>', _("Let through by a coordinator")
    )
    not_ready = format_html('<span class="tag tag--not-ready">{}</span>', _("Not ready"))
    # The messages of {% blocktranslate with name=… %} are ours (markup allowed); the name is
    # escaped.
    undo = _('Undo<span class="visually-hidden"> letting <bdi>%(name)s</bdi> through</span>')
    summary = _('Let through<span class="visually-hidden"> <bdi>%(name)s</bdi></span>')
    why, button = _("Why may they be paired now?"), _("Let through")
    roles = {role.value: str(role.label) for role in Role}
    request = context.get("request")
    query = f"?{request.GET.urlencode()}" if request is not None and request.GET else ""
    csrf: list[SafeString] = []  # {% csrf_token %}, read only if a form is drawn

    def form_parts(readiness: Readiness) -> dict[str, Any]:
        if not csrf:
            csrf.append(csrf_input(context))
        url = reverse("training:readiness_override", args=[cohort.pk, readiness.user.pk])
        name = conditional_escape(readiness.user.display_name)
        return {"action": url + query, "csrf": csrf[0], "name": name}

    result = []
    for r in rows:
        user = r.user
        if r.complete:
            state = ready
        elif r.override:
            state = let_through_by + format_html(
                '<span class="cell-note break">{}</span>', r.override.reason
            )
        else:
            state = not_ready
        let_through: str
        if r.override:
            parts = form_parts(r)
            let_through = format_html(
                UNDO, action=parts["action"], csrf=parts["csrf"],
                # Safe: our own message; the name escaped.
                undo=SafeString(undo % {"name": parts["name"]}),  # nosec B703
            )  # fmt: skip
        elif not r.complete:
            parts = form_parts(r)
            let_through = format_html(
                LET_THROUGH, action=parts["action"], csrf=parts["csrf"], pk=user.pk, why=why,
                # Safe: our own message; the name escaped.
                summary=SafeString(summary % {"name": parts["name"]}), button=button,  # nosec B703
            )  # fmt: skip
        else:
            let_through = NONE
        row = format_html(
            ROW,
            pk=user.pk,
            name=user.display_name,
            role=roles.get(r.membership.role, r.membership.role),
            trained=checks[r.trained],
            handbook=checks[r.handbook],
            agreement=checks[r.agreement],
            state=state,
            let_through=let_through,
        )
        result.append(row)
    # Safe: each value escaped as the row is built (decision 0008).
    return SafeString("".join(result))  # nosec B703
