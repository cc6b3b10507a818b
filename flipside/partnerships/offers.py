"""What partnerships offers the home page and the cohort overview: each partner's next
meeting and progress, the cohort's pairs by status for its coordinators (counts only for
observers), and the coordinator's next step while a cohort runs. One query per call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.accounts.models import User
from flipside.lib import sections as draw
from flipside.lib.sql import fetch, field_of, partial
from flipside.matching.models import Pair
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.offers import CardOffer, Link, NextStep, Part, Section
from flipside.schemes.permissions import roles_of

from . import board
from .models import Meeting, PairFacts
from .progress import STATUSES
from .selectors import progress_of


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """For running cohorts: keep the pairs meeting, saying how many are behind (the kept
    counts of all the cohorts in one query)."""
    running = {c.pk: c for c in cohorts if c.stage == Stage.RUNNING}
    if not running:
        return {}
    steps = {}
    for cohort_id, counts in board.status_counts_of(running).items():
        # The cohort page asks for its step first: its section reads these counts again.
        running[cohort_id]._partnership_counts = counts  # type: ignore[attr-defined]
        n_behind = sum(counts[key] for key in board.NEEDS_NUDGE)
        url = reverse("partnerships:board", args=[cohort_id])
        if n_behind:
            text = ngettext(
                "Keep pairs meeting: %(n)s pair behind.",
                "Keep pairs meeting: %(n)s pairs behind.",
                n_behind,
            ) % {"n": n_behind}
        elif sum(counts.values()) > counts["ended"]:
            text = _("Keep pairs meeting: every pair is on track. Plan the reflection meetings.")
        else:
            continue  # no pair meeting: matching's step (find people new partners) stands
        steps[cohort_id] = NextStep(text, url)
    return steps


@dataclass
class PairProgress:
    pair: Pair
    progress: Any
    next_meeting: Any  # datetime or None
    to_record: int = 0  # arranged meetings whose time has passed, not recorded yet
    to_confirm: int = 0  # records the partner made, waiting for this person
    to_answer: int = 0  # times the partner proposed, waiting for this person

    def next_step(self) -> str:
        """What this person should do next in this partnership, most pressing first."""
        if self.to_record:
            return str(_("Record whether your last meeting happened."))
        if self.to_confirm:
            return str(_("Confirm the meeting your partner recorded."))
        if self.to_answer:
            return str(_("Answer the meeting times your partner proposed."))
        if self.next_meeting is None:
            return str(_("Arrange your next meeting with your partner."))
        return ""


# Asked on every view of a participant's home: plain SQL (decision 0010), where the ORM spent
# about 10 ms building and compiling the pairs with their four subqueries.
_OWN_PAIRS_SQL = """
    SELECT p.id, p.cohort_id, p.mentor_id, p.mentee_id, p.status, p.started_at,
        COALESCE(f.held, 0), COALESCE(f.contacts, 0), COALESCE(f.paused, FALSE),
        (SELECT MIN(m.starts_at) FROM partnerships_meeting m
         WHERE m.pair_id = p.id AND m.status = 'accepted' AND m.starts_at >= %(now)s),
        (SELECT COUNT(*) FROM partnerships_meeting m
         WHERE m.pair_id = p.id AND m.status = 'accepted' AND m.starts_at < %(now)s),
        (SELECT COUNT(*) FROM partnerships_meeting m
         WHERE m.pair_id = p.id AND m.record = 'unconfirmed'
         AND (m.recorded_by_id IS NULL OR m.recorded_by_id <> %(user)s)),
        (SELECT COUNT(*) FROM partnerships_meeting m
         WHERE m.pair_id = p.id AND m.status = 'proposed'
         AND (m.proposed_by_id IS NULL OR m.proposed_by_id <> %(user)s))
    FROM matching_pair p
    LEFT JOIN partnerships_pairfacts f ON f.pair_id = p.id
    WHERE (p.mentor_id = %(user)s OR p.mentee_id = %(user)s) AND p.status = 'active'
    ORDER BY p.started_at, p.id
"""
_OWN_PAIRS_FIELDS = (
    None, None, None, None, None, field_of(Pair, "started_at"), None, None,
    field_of(PairFacts, "paused"), field_of(Meeting, "starts_at"), None, None, None,
)  # fmt: skip


def _own_active_pairs(user: User, cohorts: dict[int, Cohort]) -> list[PairProgress]:
    """The person's active pairs in ``cohorts``, each with its progress, next meeting and
    what waits for this person, in one query."""
    params = {"user": user.pk, "now": timezone.now()}
    found = []
    for row in fetch(_OWN_PAIRS_SQL, params, _OWN_PAIRS_FIELDS):
        pk, cohort_id, mentor_id, mentee_id, status, started_at, *figures = row
        if cohort_id not in cohorts:
            continue
        held, contacts, paused, next_at, to_record, to_confirm, to_answer = figures
        pair = partial(Pair, {"id": pk, "cohort_id": cohort_id, "mentor_id": mentor_id,
                              "mentee_id": mentee_id, "status": status,
                              "started_at": started_at})  # fmt: skip
        pair.cohort = cohorts[cohort_id]
        progress = progress_of(pair, held=int(held), contacts=int(contacts), paused=paused)
        waiting = {"to_record": int(to_record), "to_confirm": int(to_confirm),
                   "to_answer": int(to_answer)}  # fmt: skip
        found.append(PairProgress(pair, progress, next_at, **waiting))
    return found


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    """For mentors and mentees in running cohorts: each active pair's next meeting and
    progress, with links to the workspace, talking points and reflection events."""
    running = [
        m for m in memberships
        if m.role in (Role.MENTOR, Role.MENTEE) and m.cohort.stage == Stage.RUNNING
    ]  # fmt: skip
    if not running:
        return {}
    by_cohort: dict[int, list[PairProgress]] = {}
    for item in _own_active_pairs(user, {m.cohort_id: m.cohort for m in running}):
        by_cohort.setdefault(item.pair.cohort_id, []).append(item)
    offers = {}
    for membership in running:
        mine = by_cohort.get(membership.cohort_id, [])
        cohort_id = membership.cohort_id
        links = [
            Link(_("Talking points"), reverse("partnerships:points", args=[cohort_id])),
            Link(_("Reflection events"), reverse("partnerships:events", args=[cohort_id])),
            Link(_("Your calendar feed"), reverse("partnerships:feed")),
        ]
        if not mine:
            offers[membership.pk] = CardOffer(links=links)
            continue
        steps = [step for step in (item.next_step() for item in mine) if step]
        offers[membership.pk] = CardOffer(
            next_step=steps[0] if steps else "",
            parts=[Part("partnerships/_card_progress.html", item) for item in mine],
            links=[
                *(Link(_("Your partnership"), reverse("partnerships:workspace", args=[i.pair.pk]))
                  for i in mine),
                *links,
            ],
        )  # fmt: skip
    return offers


def home_sections(user: User) -> list[Part]:
    # Each partner's progress is on their cohort's card (participant_offers).
    return []


@dataclass
class CohortProgress:
    cohort: Cohort
    rows: list[tuple[str, str, int]]  # (key, label, count)
    total: int
    can_manage: bool


def cohort_sections(
    cohort: Cohort, *, can_manage: bool, viewer: User | None = None
) -> list[Section]:
    """The pairs by status, for coordinators with links to the board, events and talking
    points (for the scheme's curators of talking points: the viewer, when known, is one); for
    observers, counts only. Shown once the cohort runs (one aggregate query)."""
    if cohort.stage not in (Stage.RUNNING, Stage.CLOSED):
        return []
    counts = getattr(cohort, "_partnership_counts", None)
    if counts is None:  # observers' page, or a closed cohort: no step was asked
        counts = board.status_counts(cohort)
    rows = [(key, str(label), counts[key]) for key, label in STATUSES.items()]
    data = CohortProgress(cohort, rows, sum(counts.values()), can_manage)
    curates = viewer is not None and roles_of(viewer).coordinates_scheme(cohort.scheme)
    return [Section(_section(data, curates=can_manage and curates), data)]


def _section(data: CohortProgress, *, curates: bool) -> SafeString:
    parts: list[object] = [draw.heading(_("Pairs' progress"), id="progress-title")]
    if data.total:
        parts.append(
            draw.figures(((label, n) for _key, label, n in data.rows), labelled_by="progress-title")
        )
    else:
        parts.append(draw.paragraph(_("No pairs yet.")))
    if data.can_manage:
        cohort = data.cohort
        lines = [
            draw.link(draw.url("partnerships:board", cohort.pk), _("See each pair's progress")),
            draw.link(draw.url("partnerships:events", cohort.pk), _("Reflection events")),
        ]
        if curates:
            url = draw.url("partnerships:points_manage", cohort.scheme_id)
            lines.append(draw.link(url, _("Talking points")))
        feed_note = draw.muted(_("(reflection events in your calendar program)"))
        lines.append(draw.link(draw.url("partnerships:feed"), _("Your calendar feed"), feed_note))
        parts.append(draw.actions(lines))
    return draw.join(parts)
