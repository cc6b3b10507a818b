"""Each person's home page and the cohort overview, composed from what the base and each app
of the cycle offer (``providers.PROVIDERS``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.lib.sections import join
from flipside.lib.sql import columns, fetch, fields_of, instances
from flipside.privacy.audit import codes_for
from flipside.privacy.models import AuditEntry
from flipside.schemes import offers as base
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.offers import CardOffer, Link, NextStep, Part
from flipside.schemes.permissions import roles_of, taking_part
from flipside.schemes.selectors import cohorts_with_counts, next_step_for

from .providers import PROVIDERS


@dataclass
class CohortRow:
    cohort: Cohort
    step: NextStep

    @property
    def step_url(self) -> str:
        # A step without a page of its own (dates, rules, a change of stage) is done on the
        # cohort's page.
        return self.step.url or reverse("home:cohort", args=[self.cohort.pk])


@dataclass
class CoordinatorOverview:
    cohorts: list[CohortRow]
    stage_counts: list[tuple[Stage, int]]
    can_create_scheme: bool


@dataclass
class ParticipantCard:
    membership: Membership
    next_step: str
    parts: list[Part] = field(default_factory=list)
    own_cards: list[Part] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def take(self, offer: CardOffer) -> None:
        if offer.supersedes:
            self.parts = []
        if offer.next_step:
            self.next_step = offer.next_step
        self.parts += offer.parts
        self.own_cards += offer.own_cards
        self.links += offer.links


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """Each cohort's next step: the base's for the stages it keeps, else the app of the cycle
    that runs the stage, a later app's step before an earlier one's unless it is only a
    fallback (one query per app at most, whatever the number of cohorts)."""
    steps = base.coordinator_steps(cohorts)
    for provider in PROVIDERS:
        for cohort_id, step in provider.coordinator_steps(cohorts).items():
            if step.replaces(steps.get(cohort_id)):
                steps[cohort_id] = step
    return steps


def coordinator_overview(user: User) -> CoordinatorOverview | None:
    roles = roles_of(user)
    if not roles.coordinates_anything():
        return None
    cohorts = cohorts_with_counts(
        ids=roles.member_of(Role.COORDINATOR),
        schemes=roles.schemes,
        organisations=roles.organisations,
    )
    can_create = bool(roles.organisations)
    if not cohorts and not can_create:
        return None
    steps = coordinator_steps(cohorts)
    counts = Counter(c.stage for c in cohorts)
    return CoordinatorOverview(
        cohorts=[CohortRow(c, steps.get(c.pk, NextStep(""))) for c in cohorts],
        stage_counts=[(stage, counts.get(stage, 0)) for stage in Stage],
        can_create_scheme=can_create,
    )


def participant_cards(user: User) -> list[ParticipantCard]:
    """A card for each cohort the person takes part in: the stage's next step for their role,
    then what each app of the cycle adds, in the cycle's order."""
    # The person's roles are already known (the navigation asked): most coordinators take
    # part in nothing, and need not ask for memberships or what the apps offer them.
    if not any(roles_of(user).member_of(role) for role in Role if role != Role.COORDINATOR):
        return []
    memberships = taking_part(user)
    offers = [provider.participant_offers(user, memberships) for provider in PROVIDERS]
    cards = []
    for membership in memberships:
        card = ParticipantCard(membership, next_step_for(membership.role, membership.cohort))
        for offered in offers:
            if membership.pk in offered:
                card.take(offered[membership.pk])
        if membership.role != Role.OBSERVER:
            url = reverse("schemes:cohort_calendar", args=[membership.cohort_id])
            card.links.append(Link(_("Cohort dates (.ics)"), url, download=True))
        cards.append(card)
    return cards


def home_sections(user: User) -> list[Part]:
    return [part for provider in PROVIDERS for part in provider.home_sections(user)]


def cohort_sections(cohort: Cohort, *, can_manage: bool, viewer: User) -> SafeString:
    """Each app's sections of the cohort overview, in the cycle's order, drawn."""
    return join(
        section.html
        for provider in PROVIDERS
        for section in provider.cohort_sections(cohort, can_manage=can_manage, viewer=viewer)
    )


# Every coordinator's cohort page asks, so this is plain SQL: the ORM took ~2 ms to compile
# it with its join. Each entry is a whole AuditEntry (its details decoded as the model's
# field does) with the name of the person who acted as ``actor_name``.
_STAGE_HISTORY_SQL = """
    SELECT {columns}, u.display_name AS actor_name FROM privacy_auditentry e
    LEFT JOIN accounts_user u ON u.id = e.actor_id
    WHERE e.object_type = %s AND e.object_id = %s AND e.action IN ({codes})
    ORDER BY e.id DESC LIMIT 10
"""


def stage_history(cohort: Cohort) -> list[AuditEntry]:
    """The cohort's last ten changes of stage, newest first."""
    codes = codes_for("schemes.cohort.stage_changed")
    sql = _STAGE_HISTORY_SQL.format(
        columns=columns(AuditEntry, "e"), codes=", ".join(["%s"] * len(codes))
    )
    params = [cohort._meta.label_lower, str(cohort.pk), *codes]
    entries = []
    for row in fetch(sql, params, (*fields_of(AuditEntry), None)):
        (entry,) = instances(row[:-1], AuditEntry)
        entry.actor_name = row[-1]
        entries.append(entry)
    return entries
