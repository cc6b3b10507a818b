"""Reads for the pages: what each person's home page and the cohort overviews show."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, Q, QuerySet, When
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from flipside.lib.dates import london_datetime
from flipside.notifications.calendar import Event, event_uid
from flipside.training.readiness import readiness_of

from .models import Cohort, CohortQuerySet, Membership, Role, Scheme, Stage
from .permissions import (
    coordinated_organisations,
    coordinators_of,
    managed_cohorts,
    memberships_of,
)

PLANNING_STEP = _(
    "The coordinators are planning this cohort. We will email you when there is something to do."
)

# What a participant should do next, by role and stage. Later steps of the cycle link here.
NEXT_STEP: dict[tuple[str, str], Any] = {
    (Role.MENTOR, Stage.PLANNING): PLANNING_STEP,
    (Role.MENTOR, Stage.RECRUITING): _(
        "Recruitment is open. Your coordinator will confirm your place."
    ),
    (Role.MENTOR, Stage.TRAINING): _(
        "Come to the mentor training and read the handbook before you are paired."
    ),
    (Role.MENTOR, Stage.MATCHING): _(
        "Your coordinator is pairing mentors and mentees. You will get an introduction email."
    ),
    (Role.MENTOR, Stage.RUNNING): _(
        "Meet your partner at least %(n)s times this year. Your time is paid."
    ),
    (Role.MENTEE, Stage.PLANNING): PLANNING_STEP,
    (Role.MENTEE, Stage.RECRUITING): _(
        "Thank you for taking part. Your coordinator will confirm your place."
    ),
    (Role.MENTEE, Stage.TRAINING): _("Read the handbook and ground rules before you are paired."),
    (Role.MENTEE, Stage.MATCHING): _(
        "You will soon be paired with a student mentor. "
        "As the senior partner, you make first contact."
    ),
    (Role.MENTEE, Stage.RUNNING): _(
        "Meet your mentor at least %(n)s times this year, and bring ideas for change."
    ),
}
PAIRED_STEP = _("You have a partner. Read about them and arrange your first meeting.")
CLOSED_STEP = _("This cohort has finished. Thank you for taking part.")
OBSERVER_STEP = _("You can see anonymised figures for this cohort.")

COORDINATOR_STEP: dict[str, Any] = {
    Stage.PLANNING: _("Check the dates and meeting rules, then open recruitment."),
    Stage.RECRUITING: _("Invite student mentors and staff mentees."),
    Stage.TRAINING: _("Run training for mentors and share the handbook."),
    Stage.MATCHING: _("Pair mentors with mentees, then publish the pairs."),
    Stage.RUNNING: _("Keep pairs meeting and plan the reflection meetings."),
    Stage.CLOSED: _("Evaluate the year and share what changed."),
}

# Where a coordinator's next step is done, for the stages that have a page for it.
COORDINATOR_LINK: dict[str, str] = {
    Stage.MATCHING: "matching:overview",
    Stage.RUNNING: "matching:pairs",
}


@dataclass
class ParticipantCard:
    membership: Membership
    next_step: str
    # Before pairing (training and matching stages): done, or what is left, with links.
    ready: bool | None = None
    ready_by_override: bool = False
    still_to_do: list[tuple[str, str]] = field(default_factory=list)
    # Once pairs are published: the person's active partners in this cohort.
    partners: list[Any] = field(default_factory=list)


@dataclass
class CoordinatorOverview:
    cohorts: list[Cohort]
    stage_counts: list[tuple[Stage, int]]
    can_create_scheme: bool
    schemes: list[Scheme] = field(default_factory=list)


def next_step_for(role: str, cohort: Cohort) -> str:
    if cohort.stage == Stage.CLOSED:
        return str(CLOSED_STEP)
    if role == Role.OBSERVER:
        return str(OBSERVER_STEP)
    return str(NEXT_STEP[(role, cohort.stage)]) % {"n": cohort.min_meetings}


BEFORE_PAIRING = (Stage.TRAINING, Stage.MATCHING)


def participant_cards(user: Any) -> list[ParticipantCard]:
    cards = []
    partners = _partners_by_cohort(user)
    for membership in memberships_of(user).exclude(role=Role.COORDINATOR):
        cohort = membership.cohort
        card = ParticipantCard(membership, next_step_for(membership.role, cohort))
        if membership.role in (Role.MENTOR, Role.MENTEE):
            card.partners = partners.get(cohort.pk, [])
        if card.partners and cohort.stage == Stage.MATCHING:
            # Pairs are published before the cohort moves on: the next step is the partner.
            card.next_step = str(PAIRED_STEP)
        elif membership.role in (Role.MENTOR, Role.MENTEE) and cohort.stage in BEFORE_PAIRING:
            _add_readiness(card, user)
        cards.append(card)
    return cards


def _partners_by_cohort(user: Any) -> dict[int, list[Any]]:
    """The person's partners in active pairs, by cohort (one query)."""
    from flipside.matching.models import Pair

    if not getattr(user, "is_authenticated", False):
        return {}
    pairs = (
        Pair.objects.filter(status=Pair.Status.ACTIVE)
        .filter(Q(mentor=user) | Q(mentee=user))
        .select_related("mentor", "mentee")
        .order_by("started_at", "pk")
    )
    found: dict[int, list[Any]] = {}
    for pair in pairs:
        partner = pair.mentee if pair.mentor_id == user.pk else pair.mentor
        found.setdefault(pair.cohort_id, []).append(partner)
    return found


def _add_readiness(card: ParticipantCard, user: Any) -> None:
    """What the person still has to do before they are paired (a few queries per cohort in
    training or matching; people are rarely in more than one such cohort at once)."""
    cohort = card.membership.cohort
    readiness = readiness_of(user, cohort)
    if readiness is None:
        return
    links = [
        (readiness.trained, reverse("training:sessions", args=[cohort.pk])),
        (readiness.handbook, reverse("training:handbook", args=[cohort.scheme_id])),
        (readiness.agreement, reverse("training:agreement", args=[cohort.scheme_id])),
    ]
    # ``missing`` lists the checks still False in this same order.
    urls = [url for check, url in links if check is False]
    card.ready = readiness.complete
    card.ready_by_override = readiness.override is not None
    card.still_to_do = list(zip(readiness.missing, urls, strict=True))


def cohorts_with_counts(cohorts: CohortQuerySet) -> list[Cohort]:
    rows = list(
        cohorts.select_related("scheme").with_member_counts().order_by("scheme__name", "-starts_on")
    )
    for cohort in rows:
        cohort.next_step = COORDINATOR_STEP[cohort.stage]  # type: ignore[attr-defined]
        link = COORDINATOR_LINK.get(cohort.stage)
        cohort.next_url = reverse(link, args=[cohort.pk]) if link else ""  # type: ignore[attr-defined]
    return rows


def coordinator_overview(user: Any) -> CoordinatorOverview | None:
    cohorts = cohorts_with_counts(managed_cohorts(user))
    can_create = coordinated_organisations(user).exists()
    if not cohorts and not can_create:
        return None
    counts = Counter(c.stage for c in cohorts)
    return CoordinatorOverview(
        cohorts=cohorts,
        stage_counts=[(stage, counts.get(stage, 0)) for stage in Stage],
        can_create_scheme=can_create,
    )


def cohort_counts(cohort: Cohort) -> dict[str, int]:
    """How many people hold each role in the cohort (coordinators by any route)."""
    counts = Counter(cohort.memberships.values_list("role", flat=True))
    result = {role.value: counts.get(role.value, 0) for role in Role}
    result[Role.COORDINATOR.value] = coordinators_of(cohort).count()
    return result


# Student mentors first: the scheme centres them.
ROLE_ORDER = Case(
    *(
        When(role=role, then=n)
        for n, role in enumerate([Role.MENTOR, Role.MENTEE, Role.COORDINATOR])
    ),
    default=3,
)


def cohort_people(cohort: Cohort, *, role: str | None = None) -> QuerySet[Membership]:
    people = cohort.memberships.select_related("user", "site").order_by(
        ROLE_ORDER, "user__display_name"
    )
    return people.filter(role=role) if role else people


def cohort_key_dates(cohort: Cohort) -> list[Event]:
    """All-day calendar events for the first and last day of a cohort's year."""

    def day(name: str, date: datetime.date, text: str) -> Event:
        start = london_datetime(date, datetime.time())  # midnight is never skipped or repeated
        return Event(
            uid=event_uid(f"cohort-{name}", cohort.pk),
            starts_at=start,
            ends_at=start + datetime.timedelta(days=1),
            summary=text,
            url=settings.SITE_URL + reverse("home"),
            all_day=True,
        )

    return [
        day("start", cohort.starts_on, gettext("%(cohort)s starts") % {"cohort": cohort}),
        day("end", cohort.ends_on, gettext("%(cohort)s ends") % {"cohort": cohort}),
    ]
