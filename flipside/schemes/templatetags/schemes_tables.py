"""The rows of a cohort's people table, built in Python: the template loop cost about
0.15 ms a row, mostly lookups and each role's lazily translated label."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from flipside.lib.rows import escaped_words, format_row, join_html

from ..models import Role
from ..selectors import PersonRow

register = template.Library()


@register.simple_tag
def people_rows(people: Iterable[PersonRow]) -> SafeString:
    """``<tr>`` for each membership: name (and pronouns), role, site and email address."""
    roles = escaped_words({value: str(label) for value, label in Role.choices})

    def row(person: PersonRow) -> SafeString:
        pronouns = (
            format_row(' <span class="muted">(<bdi>{}</bdi>)</span>', person.user__pronouns)
            if person.user__pronouns
            else ""
        )
        return format_row(
            "<tr>\n"
            '    <th scope="row"><bdi>{}</bdi>{}</th>\n'
            "    <td>{}</td>\n"
            "    <td>{}</td>\n"
            "    <td>{}</td>\n"
            "  </tr>\n",
            person.user__display_name,
            pronouns,
            roles.get(person.role, person.role),
            person.site__name or "–",
            person.user__email,
        )

    return join_html(row(person) for person in people)
