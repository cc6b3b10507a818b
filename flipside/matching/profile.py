"""What a person shares with their partner: enough to get in touch and arrange to meet.

Never equality answers, the application statement, declared conflicts or topics (topics can
reveal lived experience; the person talks about them when they choose)."""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import quote

from django.utils.translation import gettext as _

from flipside.lib.sql import fetch, field_of
from flipside.lib.text import isolate
from flipside.recruitment.models import AVAILABILITY_SLOTS, Application, MeetingMode
from flipside.schemes.models import Cohort, Role

from .explain import slot_label


class Shared(NamedTuple):
    label: str
    value: str
    link: str = ""  # where the value leads, for pages (the email address: a mailto: link)


class _Facts(NamedTuple):
    role: str | None
    membership_site: str | None
    accepted: bool
    programme: str | None
    year: int | None
    job_title: str
    application_site: str | None
    mode: str
    availability: list[str] | None


# A person's membership and accepted application in the cohort, in one plain SQL query
# (decision 0011): the ORM compiled two queries with their joins on every partner page.
_FACTS_SQL = """
    SELECT m.role, membership_site.name, a.id IS NOT NULL, programme.name, a.year,
        COALESCE(a.job_title, ''), application_site.name, COALESCE(a.mode, ''), a.availability
    FROM (SELECT 1 AS one) one
    LEFT JOIN schemes_membership m ON m.cohort_id = %(cohort)s AND m.user_id = %(user)s
    LEFT JOIN schemes_site membership_site ON membership_site.id = m.site_id
    LEFT JOIN recruitment_application a ON a.id = (
        SELECT a2.id FROM recruitment_application a2
        JOIN recruitment_call c ON c.id = a2.call_id
        WHERE c.cohort_id = %(cohort)s AND a2.applicant_id = %(user)s AND a2.status = %(accepted)s
        ORDER BY a2.submitted_at DESC, a2.created_at DESC, a2.id DESC LIMIT 1)
    LEFT JOIN recruitment_programme programme ON programme.id = a.programme_id
    LEFT JOIN schemes_site application_site ON application_site.id = a.site_id
"""


def _facts(cohort: Cohort, user: Any) -> _Facts:
    fields = (None,) * 8 + (field_of(Application, "availability"),)
    params = {"cohort": cohort.pk, "user": user.pk, "accepted": Application.Status.ACCEPTED.value}
    (row,) = fetch(_FACTS_SQL, params, fields)
    row[2] = bool(row[2])  # SQLite answers 0 or 1
    return _Facts(*row)


def shared_profile(cohort: Cohort, user: Any, *, name: bool = True) -> list[Shared]:
    """Rows in the order shown; ``name=False`` leaves out the name and pronouns (for pages
    that show them as a heading)."""
    rows: list[Shared] = [Shared(_("Name"), user.display_name)] if name else []
    if user.pronouns and name:
        rows.append(Shared(_("Pronouns"), user.pronouns))
    rows.append(Shared(_("Email"), user.email, f"mailto:{quote(user.email, safe='@')}"))
    facts = _facts(cohort, user)
    if facts.accepted:
        if facts.role == Role.MENTOR and facts.programme:
            study = facts.programme
            if facts.year:
                study += _(", year %(year)d") % {"year": facts.year}
            rows.append(Shared(_("Studies"), study))
        if facts.job_title:
            rows.append(Shared(_("Role"), facts.job_title))
    site = facts.application_site or facts.membership_site
    if site:
        rows.append(Shared(_("Based at"), site))
    if facts.accepted:
        if facts.mode:
            ways = {
                MeetingMode.IN_PERSON: _("In person"),
                MeetingMode.ONLINE: _("Online"),
                MeetingMode.EITHER: _("In person or online"),
            }
            rows.append(Shared(_("Can meet"), ways[MeetingMode(facts.mode)]))
        slots = [slot_label(AVAILABILITY_SLOTS.index(s)) for s in facts.availability or []
                 if s in AVAILABILITY_SLOTS]  # fmt: skip
        if slots:
            rows.append(Shared(_("Usually free"), ", ".join(slots)))
    return rows


def profile_text(cohort: Cohort, user: Any) -> str:
    # Each value isolated: the text goes into emails, where a right-to-left name or place
    # must not reorder the label before it.
    rows = shared_profile(cohort, user)
    return "\n".join(f"{row.label}: {isolate(row.value)}" for row in rows)
