"""What the ideas register offers the home page and the cohort overview: for coordinators,
the new ideas waiting for triage (their next step while a cohort runs or after it closes)
and the cohort's ideas by status; for mentors and mentees, links to record an idea and see
the board; for observers, the board; for owners and proposers, a link to their ideas. Each
call reads at most once, in plain SQL (decision 0010)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.accounts.models import User
from flipside.lib import sections as draw
from flipside.lib.sql import fetch, whole
from flipside.schemes.models import Cohort, Membership, Role
from flipside.schemes.offers import CardOffer, Link, NextStep, Part, Section

from .models import RECORDING, Status

# Ideas come from pairs meeting and from the reflection events, the last after the end.
RAISING = RECORDING

# Along the index on the organisation and status is not enough here: by cohort, so one
# scan of the cohorts' ideas (a few dozen a year each), counted by status.
_BY_STATUS_SQL = """
    SELECT cohort_id, status, COUNT(*) FROM ideas_idea
    WHERE cohort_id IN ({cohorts}) AND merged_into_id IS NULL
    GROUP BY cohort_id, status
"""


def _counts(cohorts: Sequence[Cohort]) -> dict[int, dict[str, int]]:
    """Each cohort's ideas (not merged away) by status, in one query."""
    counts: dict[int, dict[str, int]] = {c.pk: {} for c in cohorts}
    if not cohorts:
        return counts
    sql = _BY_STATUS_SQL.format(cohorts=", ".join(whole(c.pk) for c in cohorts))
    for cohort_id, status, n in fetch(sql, [], ()):
        counts[cohort_id][status] = int(n)
    for cohort in cohorts:
        setattr(cohort, "_idea_counts", counts[cohort.pk])  # noqa: B010 - kept for its section
    return counts


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """While a cohort runs or after it closes: triage its new ideas, saying how many."""
    raising = [c for c in cohorts if c.stage in RAISING]
    steps = {}
    counts = _counts(raising) if raising else {}
    for cohort in raising:
        waiting = counts[cohort.pk].get(Status.PROPOSED, 0)
        if waiting:
            text = ngettext(
                "Triage %(n)s new idea for change.", "Triage %(n)s new ideas for change.", waiting
            ) % {"n": waiting}
            url = reverse("ideas:register", args=[cohort.scheme.organisation_id])
            steps[cohort.pk] = NextStep(text, f"{url}?status=proposed", fallback=True)
    return steps


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    """Mentors and mentees of a running or closed cohort: record an idea (the stages in
    which ``permissions.get_recording_cohort`` lets them); every participant of such a
    cohort: the organisation's board. No query."""
    offers = {}
    for membership in memberships:
        cohort = membership.cohort
        if cohort.stage not in RAISING:
            continue
        links = []
        if membership.role in (Role.MENTOR, Role.MENTEE):
            links.append(
                Link(_("Record an idea for change"), reverse("ideas:record", args=[cohort.pk]))
            )
        organisation_id = cohort.scheme.organisation_id
        links.append(
            Link(
                _("You said, we did: ideas for change"),
                reverse("ideas:board", args=[organisation_id]),
            )
        )
        offers[membership.pk] = CardOffer(links=links)
    return offers


# Every home page asks: one statement for the ideas the person owns (where they have not
# left) and those they raised.
_MINE_SQL = """
    SELECT
        (SELECT COUNT(*) FROM ideas_idea i JOIN ideas_owner o
            ON o.organisation_id = i.organisation_id AND o.user_id = i.owner_id
            WHERE i.owner_id = %s AND o.left_at IS NULL AND i.merged_into_id IS NULL
            AND i.status IN ('accepted', 'in_progress', 'considering', 'proposed')),
        (SELECT COUNT(*) FROM ideas_proposer WHERE user_id = %s)
"""


@dataclass
class Mine:
    owned_open: int
    raised: int


def home_sections(user: User) -> list[Part]:
    """For an owner (their open ideas) or a proposer: a link to their ideas."""
    owned, raised = fetch(_MINE_SQL, [user.pk, user.pk], ())[0]
    if not owned and not raised:
        return []
    return [Part("ideas/_home_section.html", Mine(int(owned or 0), int(raised or 0)))]


@dataclass
class CohortIdeas:
    cohort: Cohort
    rows: list[tuple[str, str, int]]  # (status, label, count)
    total: int


def cohort_sections(
    cohort: Cohort, *, can_manage: bool, viewer: User | None = None
) -> list[Section]:
    """For coordinators once a cohort runs: its ideas by status and the register's links
    (the counts its step read, or one query)."""
    if not can_manage or cohort.stage not in RAISING:
        return []
    counts = getattr(cohort, "_idea_counts", None)
    if counts is None:
        counts = _counts([cohort])[cohort.pk]
    rows = [(s.value, str(s.label), counts.get(s.value, 0)) for s in Status]
    data = CohortIdeas(cohort, rows, sum(counts.values()))
    return [Section(_section(data), data)]


def _section(data: CohortIdeas) -> SafeString:
    organisation = data.cohort.scheme.organisation_id
    lines = [
        draw.link(
            draw.url("ideas:register", organisation), _("Triage and follow ideas for change")
        ),
        draw.link(
            draw.url("ideas:record", data.cohort.pk),
            _("Enter an idea raised at a reflection event"),
        ),
        draw.link(draw.url("ideas:board", organisation), _("The “you said, we did” board")),
    ]
    return draw.join(
        [
            draw.heading(_("Ideas for change"), id="ideas-title"),
            draw.figures(((label, n) for _s, label, n in data.rows), labelled_by="ideas-title"),
            draw.actions(lines),
        ]
    )
