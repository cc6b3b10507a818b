"""What recruitment offers the home page and the cohort overview: each person's own
applications, the calls' figures, and the coordinator's next step while a cohort recruits."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.accounts.models import User
from flipside.lib import sections as draw
from flipside.lib.sql import fetch, one_of
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.offers import CardOffer, NextStep, Part, Section

from .models import Application
from .selectors import applications_of

Status = Application.Status
# Submitted and not yet decided: shortlisting is a step of the review, not its outcome.
WAITING = [Status.SUBMITTED, Status.SHORTLISTED]


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """For recruiting cohorts: review the applications waiting, else open the calls, else
    invite people to them (one query for all the cohorts)."""
    ids = [cohort.pk for cohort in cohorts if cohort.stage == Stage.RECRUITING]
    if not ids:
        return {}
    rows = (
        Cohort.objects.filter(pk__in=ids)
        .annotate(
            calls_made=Count("calls", distinct=True),
            waiting=Count("calls__applications", filter=Q(calls__applications__status__in=WAITING)),
        )
        .values_list("pk", "calls_made", "waiting")
    )
    steps = {}
    for pk, calls_made, waiting in rows:
        url = reverse("recruitment:calls", args=[pk])
        if waiting:
            text = ngettext(
                "%(n)s application is waiting for review.",
                "%(n)s applications are waiting for review.",
                waiting,
            ) % {"n": waiting}
        elif not calls_made:
            text = _("Open a call for student mentors and one for staff mentees.")
        else:
            text = _("Invite student mentors and staff mentees.")
        steps[pk] = NextStep(text, url)
    return steps


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    # Applications are the person's own, not their cohorts': see home_sections.
    return {}


def home_sections(user: User) -> list[Part]:
    applications = applications_of(user)
    return [Part("recruitment/_home_applications.html", applications)] if applications else []


# Every coordinator's cohort page asks, so this is plain SQL: the ORM took ~3 ms to compile
# the two filtered counts. A subquery per figure needs no GROUP BY over the call's columns.
# The statuses are written into the statement (``lib.sql.one_of``): as parameters, the plan
# PostgreSQL kept read every application of the call to find the few waiting.
_CALLS_SQL = """
    SELECT c.id, c.role,
        (SELECT COUNT(*) FROM recruitment_application a
         WHERE a.call_id = c.id AND a.status IN ({received})) AS received,
        (SELECT COUNT(*) FROM recruitment_application a
         WHERE a.call_id = c.id AND a.status IN ({waiting})) AS waiting
    FROM recruitment_call c WHERE c.cohort_id = %s ORDER BY c.role, c.id
"""


# Once pairs meet, recruitment is long over: the calls are listed with links only, and their
# applications (a thousand or more a cohort) are not counted on every view.
_LISTED_SQL = """
    SELECT c.id, c.role, NULL, NULL FROM recruitment_call c WHERE c.cohort_id = %s
    ORDER BY c.role, c.id
"""
RECRUITMENT_OVER = (Stage.RUNNING, Stage.CLOSED)


@functools.cache
def _calls_sql() -> str:
    return _CALLS_SQL.format(
        received=", ".join(one_of(s, Status.values) for s in Status.values if s != Status.DRAFT),
        waiting=", ".join(one_of(s.value, Status.values) for s in WAITING),
    )


@dataclass(frozen=True)
class CallFigures:
    """A call as the cohort page lists it: its role and its applications' figures."""

    pk: int
    role: str
    received: int | None  # None once recruitment is over (not counted)
    waiting: int | None

    def get_role_display(self) -> str:
        return str(Role(self.role).label)


def cohort_sections(
    cohort: Cohort, *, can_manage: bool, viewer: User | None = None
) -> list[Section]:
    """For the cohort's coordinators: the calls, with how many applications each received and
    how many wait for review until pairs meet (one query)."""
    if not can_manage:
        return []
    over = cohort.stage in RECRUITMENT_OVER
    calls = [
        CallFigures(pk, role, *((None, None) if over else (int(received), int(waiting))))
        for pk, role, received, waiting in fetch(
            _LISTED_SQL if over else _calls_sql(), [cohort.pk], ()
        )
    ]
    return [Section(_section(cohort, calls), calls)]


def _section(cohort: Cohort, calls: list[CallFigures]) -> SafeString:
    lines: list[object] = [
        draw.link(draw.url("recruitment:calls", cohort.pk), _("Calls for applications"))
    ]
    for call in calls:
        after = ""
        if call.received is not None:
            after = draw.muted(
                _("(%(received)s received, %(waiting)s waiting for review)")
                % {"received": call.received, "waiting": call.waiting}
            )
        text = _("Applications: %(role)s") % {"role": call.get_role_display()}
        lines.append(draw.link(draw.url("recruitment:applications", call.pk), text, after))
    lines.append(
        draw.link(draw.url("recruitment:import_staff", cohort.pk), _("Import a staff list"))
    )
    return draw.join([draw.heading(_("Recruitment")), draw.actions(lines)])
