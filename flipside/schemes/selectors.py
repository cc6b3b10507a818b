"""Reads for the schemes' pages: cohorts with their member counts, a cohort's people and key
dates, and what a participant does next at each stage (pages and emails)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from flipside.accounts.models import Invitation
from flipside.lib.background import Verdict
from flipside.lib.dates import london_datetime
from flipside.lib.sql import Listing, fetch, partial, reached
from flipside.notifications.calendar import Event, event_uid
from flipside.notifications.models import OutboxMessage

from .models import Cohort, Membership, Role, Scheme, Stage

PLANNING_STEP = _(
    "The coordinators are planning this cohort. We will email you when there is something to do."
)

# What a participant should do next, by role and stage (the home page and the stage-change
# email). On the home page the apps of the cycle may say more, from the cohort's state.
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
CLOSED_STEP = _("This cohort has finished. Thank you for taking part.")
OBSERVER_STEP = _("You can see anonymised figures for this cohort.")


def next_step_for(role: str, cohort: Cohort) -> str:
    if cohort.stage == Stage.CLOSED:
        return str(CLOSED_STEP)
    if role == Role.OBSERVER:
        return str(OBSERVER_STEP)
    return str(NEXT_STEP[(role, cohort.stage)]) % {"n": cohort.min_meetings}


# The coordinator's home and a scheme's page list cohorts with their mentors and mentees.
# Plain SQL, as for roles (decision 0007): the ORM took ~1 ms to compile the join and the
# four filtered counts on every home page. A subquery per figure is answered from the
# (cohort, role) index without grouping the cohort's members.
_COHORTS_SQL = """
    SELECT c.*, s.name AS scheme_name, s.organisation_id AS scheme_organisation_id,
        (SELECT COUNT(*) FROM schemes_membership m
         WHERE m.cohort_id = c.id AND m.role = %s) AS mentor_count,
        (SELECT COUNT(*) FROM schemes_membership m
         WHERE m.cohort_id = c.id AND m.role = %s) AS mentee_count
    FROM schemes_cohort c JOIN schemes_scheme s ON s.id = c.scheme_id
    WHERE {where}
    ORDER BY s.name, c.starts_on DESC, c.id
"""


def cohorts_with_counts(
    *, ids: Iterable[int] = (), schemes: Iterable[int] = (), organisations: Iterable[int] = ()
) -> list[Cohort]:
    """Cohorts with these ids, of these schemes or of these organisations' schemes, by scheme
    name then newest first, each with ``mentor_count`` and ``mentee_count`` and its scheme's
    name loaded (the scheme's other fields load when asked for)."""
    where: list[str] = []
    params: list[Any] = [Role.MENTOR.value, Role.MENTEE.value]
    for column, values in (
        ("c.id", list(ids)),
        ("c.scheme_id", list(schemes)),
        ("s.organisation_id", list(organisations)),
    ):
        if values:
            where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params += values
    if not where:
        return []
    cohorts = list(Cohort.objects.raw(_COHORTS_SQL.format(where=" OR ".join(where)), params))
    for cohort in cohorts:
        read: Any = cohort  # with the query's extra columns
        cohort.scheme = partial(
            Scheme,
            {
                "id": cohort.scheme_id,
                "organisation_id": read.scheme_organisation_id,
                "name": read.scheme_name,
            },
            using=cohort._state.db or "default",
        )
    return cohorts


class PersonRow(NamedTuple):
    """A row of the people page."""

    role: str
    site__name: str | None
    user__display_name: str
    user__pronouns: str
    user__email: str


# Student mentors first (the scheme centres them), then mentees, coordinators and everyone
# else, each by name. Plain SQL, as for roles (decision 0007).
_PEOPLE_RANKS: tuple[tuple[str, ...], ...] = (
    (Role.MENTOR.value,),
    (Role.MENTEE.value,),
    (Role.COORDINATOR.value,),
    tuple(r.value for r in Role if r not in (Role.MENTOR, Role.MENTEE, Role.COORDINATOR)),
)
# A page's rows of one rank in name order, along the membership_people index (decision 0014):
# the counts by role say which ranks a page reaches and where in each it starts, so a page
# reads its own rows, never the whole cohort.
_PEOPLE_RANK = """
    SELECT * FROM (
        SELECT {rank} AS rank, m.id, m.user_id, m.site_id, m.role, m.sort_name
        FROM schemes_membership m WHERE {where} AND m.role IN ({roles})
        ORDER BY m.sort_name, m.id LIMIT %s OFFSET %s
    ) rank{rank}
"""
# The names are subqueries of the page's rows: joined, PostgreSQL read every person.
_PEOPLE_PAGE = """
    SELECT p.role,
        (SELECT site.name FROM schemes_site site WHERE site.id = p.site_id),
        (SELECT u.display_name FROM accounts_user u WHERE u.id = p.user_id),
        (SELECT u.pronouns FROM accounts_user u WHERE u.id = p.user_id),
        (SELECT u.email FROM accounts_user u WHERE u.id = p.user_id)
    FROM ({ranks}) p
    ORDER BY p.rank, p.sort_name, p.id
"""


class _People(Listing[PersonRow]):
    """A cohort's people (``where`` picks the memberships), counted by role and read a rank at
    a time."""

    def __init__(self, where: str, params: list[Any], ranks: list[tuple[int, tuple[str, ...]]]):
        super().__init__(
            select="", source="", params=params, order="", row=PersonRow, fields=(None,) * 5
        )
        self.where, self.ranks = where, ranks
        self._by_role: dict[str, int] | None = None

    def by_role(self) -> dict[str, int]:
        if self._by_role is None:
            sql = f"SELECT m.role, COUNT(*) FROM schemes_membership m WHERE {self.where} GROUP BY m.role"  # noqa: S608, E501  # nosec B608
            self._by_role = {role: int(n) for role, n in fetch(sql, self.params, (None, None))}
        return self._by_role

    def count(self) -> int:  # type: ignore[override]
        return sum(self.by_role().values())

    def page_sql(self, start: int, stop: int) -> tuple[str, list[Any]]:
        by_role = self.by_role()
        sizes = [sum(by_role.get(role, 0) for role in roles) for _, roles in self.ranks]
        pages = [
            (*self.ranks[i], limit, offset) for i, limit, offset in reached(sizes, start, stop)
        ]
        if not pages:  # past the end: a statement that reads nothing
            pages.append((*self.ranks[0], 0, 0))
        parts: list[str] = []
        params: list[Any] = []
        for rank, roles, limit, offset in pages:
            placeholders = ", ".join(["%s"] * len(roles))
            parts.append(_PEOPLE_RANK.format(rank=rank, where=self.where, roles=placeholders))
            params += [*self.params, *roles, limit, offset]
        return _PEOPLE_PAGE.format(ranks=" UNION ALL ".join(parts)), params


def cohort_people(cohort: Cohort, *, role: str | None = None, q: str = "") -> Listing[PersonRow]:
    """The cohort's people, student mentors first then by name; ``q`` matches a name or an
    email address."""
    where: list[str] = ["m.cohort_id = %s"]
    params: list[Any] = [cohort.pk]
    if q:
        # The ORM's matching (case-insensitive, with % and _ taken literally, as each database
        # does it), compiled only when someone searches.
        found = Membership.objects.filter(cohort=cohort).filter(
            Q(user__display_name__icontains=q) | Q(user__email__icontains=q)
        )
        sql, found_params = found.order_by().values("pk").query.sql_with_params()
        where.append(f"m.id IN ({sql})")
        params.extend(found_params)
    ranks = [(rank, roles) for rank, roles in enumerate(_PEOPLE_RANKS) if roles]
    if role:
        where.append("m.role = %s")
        params.append(role)
        ranks = [(rank, roles) for rank, roles in ranks if role in roles] or ranks[:1]
    return _People(" AND ".join(where), params, ranks)


# The people page shows the cohort's pending invitations with how their email is doing:
# plain SQL (decision 0007), where the ORM compiled the join on every visit.
_PENDING_INVITATIONS_SQL = """
    SELECT i.*, m.status AS message_status, m.attempts AS message_attempts
    FROM accounts_invitation i LEFT JOIN notifications_outboxmessage m ON m.id = i.message_id
    WHERE i.cohort_id = %s AND i.accepted_at IS NULL AND i.revoked_at IS NULL
    ORDER BY i.created_at DESC, i.id DESC
"""


def pending_invitations(cohort: Cohort) -> list[Invitation]:
    """The cohort's invitations not yet accepted or cancelled, newest first, each with the
    status of its email (what ``Invitation.delivery`` reads)."""
    invitations = list(Invitation.objects.raw(_PENDING_INVITATIONS_SQL, [cohort.pk]))
    for invitation in invitations:
        read: Any = invitation  # with the query's extra columns
        invitation.message = (
            partial(
                OutboxMessage,
                {
                    "id": invitation.message_id,
                    "status": read.message_status,
                    "attempts": read.message_attempts,
                },
                using=invitation._state.db or "default",
            )
            if invitation.message_id
            else None
        )
    return invitations


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


#: Who a person picker may offer: the role asked for in the search URL.
PICKABLE = {
    "mentor": (Role.MENTOR,),
    "mentee": (Role.MENTEE,),
    "participant": (Role.MENTOR, Role.MENTEE),
}


def members(cohort: Cohort, roles: tuple[str, ...]) -> QuerySet[Any]:
    """The cohort's active people holding one of ``roles``, by name: what a person picker
    offers and accepts."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__cohort=cohort, memberships__role__in=roles)
        .distinct()
        .order_by("display_name", "pk")
    )


def picker_url(cohort: Cohort, kind: str) -> str:
    """The search URL a person picker for ``kind`` (a key of ``PICKABLE``) asks as you type."""
    return reverse("schemes:people_search", args=[cohort.pk]) + f"?role={kind}"


def check_sort_names() -> Verdict:
    """For ``selfcheck``: every membership keeps its person's name as it is now, so the people
    page lists them in name order (decision 0014)."""
    stale = list(
        Membership.objects.exclude(sort_name=F("user__display_name"))
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
    summary = f"Cohorts' people kept in name order: {'yes' if not stale else 'NO'}"
    return Verdict(summary, (f"memberships with an old name: {stale}",) if stale else ())
