"""What reports offer the home page and the cohort overview: for a closed cohort, the
coordinators' step to evaluate the year with its report; on the cohort page, links to the
cohort's report and its scheme's report across years (coordinators and observers); for
observers (leadership), links to their cohorts' and schemes' reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.ideas.models import Idea, Status
from flipside.lib import sections as draw
from flipside.schemes.models import Cohort, Membership, Role, Scheme, Stage
from flipside.schemes.offers import COORDINATOR_STEP, CardOffer, Link, NextStep, Part, Section
from flipside.schemes.permissions import roles_of


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """A closed cohort: evaluate the year, on its report. A fallback step, and not offered
    while the cohort has new ideas waiting for triage, so that step keeps its place. One
    query, only when a cohort is closed."""
    closed = [c for c in cohorts if c.stage == Stage.CLOSED]
    if not closed:
        return {}
    waiting = set(
        Idea.objects.filter(
            cohort__in=closed, status=Status.PROPOSED, merged_into__isnull=True
        ).values_list("cohort_id", flat=True)
    )
    return {
        cohort.pk: NextStep(
            str(COORDINATOR_STEP[Stage.CLOSED]),
            reverse("reports:cohort", args=[cohort.pk]),
            fallback=True,
        )
        for cohort in closed
        if cohort.pk not in waiting
    }


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    """Observers: their cohort's report. No query."""
    return {
        m.pk: CardOffer(
            links=[Link(_("Report on this cohort"), reverse("reports:cohort", args=[m.cohort_id]))]
        )
        for m in memberships
        if m.role == Role.OBSERVER
    }


@dataclass
class SchemeReports:
    schemes: list[Scheme]


def home_sections(user: User) -> list[Part]:
    """Observers: the reports across years of the schemes they observe a cohort of. No query
    for anyone else."""
    observed = roles_of(user).member_of(Role.OBSERVER)
    if not observed:
        return []
    schemes = list(Scheme.objects.filter(cohorts__in=observed).distinct().order_by("name"))
    return [Part("reports/_home_section.html", SchemeReports(schemes))] if schemes else []


def cohort_sections(
    cohort: Cohort, *, can_manage: bool, viewer: User | None = None
) -> list[Section]:
    """Everyone who sees the cohort page (coordinators and observers): a link to the cohort's
    report, and to its scheme's report across years for those who may read it (the scheme's
    coordinators and the cohort's observers; not a coordinator of this cohort alone). No
    query: the viewer's roles are known already."""
    links = [draw.link(draw.url("reports:cohort", cohort.pk), _("Report on this cohort"))]
    roles = roles_of(viewer) if viewer is not None else None
    if roles is not None and (
        roles.coordinates_scheme(cohort.scheme) or cohort.pk in roles.member_of(Role.OBSERVER)
    ):
        url = draw.url("reports:scheme", cohort.scheme_id)
        links.append(draw.link(url, _("Report on the scheme across years")))
    html = draw.join(
        [
            draw.heading(_("Reports")),
            draw.paragraph(_("Counts across people, with small numbers hidden; nobody is named.")),
            draw.actions(links),
        ]
    )
    return [Section(html, None)]
