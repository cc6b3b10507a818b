"""What a person shares with their partner: enough to get in touch and arrange to meet.

Never equality answers, the application statement, declared conflicts or topics (topics can
reveal lived experience; the person talks about them when they choose)."""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import quote

from django.utils.translation import gettext as _

from flipside.lib.text import isolate
from flipside.recruitment.models import AVAILABILITY_SLOTS, Application, MeetingMode
from flipside.schemes.models import Cohort, Membership, Role

from .explain import slot_label


class Shared(NamedTuple):
    label: str
    value: str
    link: str = ""  # where the value leads, for pages (the email address: a mailto: link)


def shared_profile(cohort: Cohort, user: Any, *, name: bool = True) -> list[Shared]:
    """Rows in the order shown; ``name=False`` leaves out the name and pronouns (for pages
    that show them as a heading)."""
    rows: list[Shared] = [Shared(_("Name"), user.display_name)] if name else []
    if user.pronouns and name:
        rows.append(Shared(_("Pronouns"), user.pronouns))
    rows.append(Shared(_("Email"), user.email, f"mailto:{quote(user.email, safe='@')}"))
    # One membership per person and cohort: no ordering (the model's would join the user).
    membership = (
        Membership.objects.filter(cohort=cohort, user=user).select_related("site").order_by()
    ).first()
    application = (
        Application.objects.filter(
            call__cohort=cohort, applicant=user, status=Application.Status.ACCEPTED
        )
        .select_related("programme", "site")
        .first()
    )
    if application is not None:
        if membership is not None and membership.role == Role.MENTOR and application.programme:
            study = application.programme.name
            if application.year:
                study += _(", year %(year)d") % {"year": application.year}
            rows.append(Shared(_("Studies"), study))
        if application.job_title:
            rows.append(Shared(_("Role"), application.job_title))
    site = (application and application.site) or (membership and membership.site)
    if site:
        rows.append(Shared(_("Based at"), site.name))
    if application is not None:
        if application.mode:
            ways = {
                MeetingMode.IN_PERSON: _("In person"),
                MeetingMode.ONLINE: _("Online"),
                MeetingMode.EITHER: _("In person or online"),
            }
            rows.append(Shared(_("Can meet"), ways[MeetingMode(application.mode)]))
        slots = [slot_label(AVAILABILITY_SLOTS.index(s)) for s in application.availability
                 if s in AVAILABILITY_SLOTS]  # fmt: skip
        if slots:
            rows.append(Shared(_("Usually free"), ", ".join(slots)))
    return rows


def profile_text(cohort: Cohort, user: Any) -> str:
    # Each value isolated: the text goes into emails, where a right-to-left name or place
    # must not reorder the label before it.
    rows = shared_profile(cohort, user)
    return "\n".join(f"{row.label}: {isolate(row.value)}" for row in rows)
