"""What matching offers the home page and the cohort overview: each participant's partners,
the pairs' figures, and the coordinator's next step while a cohort is matched and runs.

Only models are imported here: the engine and its solvers take seconds to load, and the home
page must not wait for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flipside.accounts.models import User
from flipside.lib import sections as draw
from flipside.lib.sql import fetch, partial
from flipside.schemes.models import Cohort, Membership, Role, Stage
from flipside.schemes.offers import CardOffer, NextStep, Part, Section

from .models import Pair, Run

PAIRED_STEP = gettext_lazy("You have a partner. Read about them and arrange your first meeting.")


# Both coordinators' pages ask, so this is plain SQL: the ORM took ~2 ms to compile these
# subqueries. ``draft`` is the newest finished proposal not yet published.
_STEP_FACTS_SQL = """
    SELECT c.id AS pk, c.stage,
        EXISTS(SELECT 1 FROM matching_pair p WHERE p.cohort_id = c.id AND p.status = %s)
            AS active,
        (SELECT r.id FROM matching_run r
         WHERE r.cohort_id = c.id AND r.status = %s AND r.published_at IS NULL
         ORDER BY r.number DESC LIMIT 1) AS draft,
        (SELECT r.number FROM matching_run r
         WHERE r.cohort_id = c.id AND r.status = %s AND r.published_at IS NULL
         ORDER BY r.number DESC LIMIT 1) AS draft_number,
        EXISTS(SELECT 1 FROM matching_run r WHERE r.cohort_id = c.id AND r.status IN (%s, %s))
            AS working,
        EXISTS(SELECT 1 FROM matching_run r
               WHERE r.cohort_id = c.id AND r.published_at IS NOT NULL) AS published{figures}
    FROM schemes_cohort c WHERE c.id IN ({ids})
"""
# Asked about one cohort (its own page), the same query also gives its pairs' figures for
# the cohort's section while the kept ones hold (decision 0016); when they do not, the
# section counts and keeps them, so the next page reads them again.
_ONE_COHORT_FIGURES = """,
        (SELECT k.active FROM matching_paircount k
         WHERE k.cohort_id = c.id AND k.counted_generation = k.generation) AS active_count,
        (SELECT k.ended FROM matching_paircount k
         WHERE k.cohort_id = c.id AND k.counted_generation = k.generation) AS ended_count"""


def coordinator_steps(cohorts: Sequence[Cohort]) -> dict[int, NextStep]:
    """For cohorts in matching: propose pairs, wait for a proposal, publish one, then move to
    running; for running cohorts: keep the pairs meeting (one query for all the cohorts)."""
    asked = [c for c in cohorts if c.stage in (Stage.MATCHING, Stage.RUNNING)]
    if not asked:
        return {}
    one = len(asked) == 1
    sql = _STEP_FACTS_SQL.format(
        ids=", ".join(["%s"] * len(asked)), figures=_ONE_COHORT_FIGURES if one else ""
    )
    statuses = [Pair.Status.ACTIVE, Run.Status.DONE, Run.Status.DONE, Run.Status.QUEUED]
    params: list[str | int] = [*statuses, Run.Status.RUNNING]
    params += [c.pk for c in asked]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    if one and rows and rows[0]["active_count"] is not None:
        row = rows[0]
        asked[0]._pair_figures = PairFigures(row["active_count"], row["ended_count"])  # type: ignore[attr-defined]
    return {
        row["pk"]: _running_step(row) if row["stage"] == Stage.RUNNING else _matching_step(row)
        for row in rows
    }


def _matching_step(row: Mapping[str, Any]) -> NextStep:
    if row["published"]:
        # The stage buttons are on the cohort's own page.
        return NextStep(_("Move the cohort to running: the pairs are published."))
    if row["draft"]:
        return NextStep(
            _("Publish the pairs: proposal %(number)s is ready for you to check.")
            % {"number": row["draft_number"]},
            reverse("matching:run", args=[row["draft"]]),
        )
    overview = reverse("matching:overview", args=[row["pk"]])
    if row["working"]:
        return NextStep(_("Pairs are being proposed. Check them when they are ready."), overview)
    return NextStep(_("Propose pairs of mentors and mentees."), overview)


def _running_step(row: Mapping[str, Any]) -> NextStep:
    url = reverse("matching:pairs", args=[row["pk"]])
    if row["active"]:
        return NextStep(_("Keep pairs meeting and plan the reflection meetings."), url)
    return NextStep(_("No pair is meeting: find people new partners."), url)


def participant_offers(user: User, memberships: Sequence[Membership]) -> dict[int, CardOffer]:
    """Each mentor's and mentee's active partners; once published, in the matching stage,
    the partner replaces getting ready as the next thing to do."""
    if not any(m.role in (Role.MENTOR, Role.MENTEE) for m in memberships):
        return {}
    partners = _partners_by_cohort(user)
    offers = {}
    for membership in memberships:
        found = partners.get(membership.cohort_id, [])
        if membership.role not in (Role.MENTOR, Role.MENTEE) or not found:
            continue
        # Pairs are published before the cohort moves on: the next step is the partner.
        paired = membership.cohort.stage == Stage.MATCHING
        offers[membership.pk] = CardOffer(
            next_step=str(PAIRED_STEP) if paired else "",
            own_cards=[Part("matching/_partner_card.html", partner) for partner in found],
            supersedes=paired,
        )
    return offers


# Every participant's home page asks: plain SQL (decision 0011), where the ORM compiled the
# pairs with both partners' whole accounts. Only the partner's name and pronouns are shown.
_PARTNERS_SQL = """
    SELECT p.cohort_id, partner.id, partner.display_name, partner.pronouns
    FROM matching_pair p JOIN accounts_user partner ON partner.id =
        CASE WHEN p.mentor_id = %(user)s THEN p.mentee_id ELSE p.mentor_id END
    WHERE p.status = %(active)s AND (p.mentor_id = %(user)s OR p.mentee_id = %(user)s)
    ORDER BY p.started_at, p.id
"""


def _partners_by_cohort(user: User) -> dict[int, list[User]]:
    """The person's partners in active pairs, by cohort (one query); each partner's other
    columns load when asked for."""
    found: dict[int, list[User]] = {}
    params = {"user": user.pk, "active": Pair.Status.ACTIVE.value}
    for cohort_id, pk, name, pronouns in fetch(_PARTNERS_SQL, params, (None,) * 4):
        partner = partial(User, {"id": pk, "display_name": name, "pronouns": pronouns})
        found.setdefault(cohort_id, []).append(partner)
    return found


def home_sections(user: User) -> list[Part]:
    return []


@dataclass
class PairFigures:
    active: int
    ended: int


def cohort_sections(
    cohort: Cohort, *, can_manage: bool, viewer: User | None = None
) -> list[Section]:
    """For the cohort's coordinators: the matching links, and how many pairs are active and
    how many ended early (read with the cohort's next step while the kept figures hold)."""
    if not can_manage:
        return []
    figures = getattr(cohort, "_pair_figures", None)
    if figures is None:
        # Counted and kept as the pairs page does. Imported here, on the rare way: the
        # selectors bring the engine, which the home page must not wait for.
        from .selectors import pair_figures

        counts = pair_figures(cohort).counts
        figures = PairFigures(counts[Pair.Status.ACTIVE], counts[Pair.Status.ENDED])
    return [Section(_section(cohort, figures), figures)]


def _section(cohort: Cohort, figures: PairFigures) -> SafeString:
    counts = _("%(active)s active, %(ended)s ended early") % {
        "active": figures.active,
        "ended": figures.ended,
    }
    note = draw.muted(_("(end a pair early, find someone a new partner)"))
    published = draw.link(draw.url("matching:pairs", cohort.pk), _("Published pairs"))
    lines = [
        draw.link(draw.url("matching:overview", cohort.pk), _("Propose, check and publish pairs")),
        draw.join([published, ": ", counts, note]),
    ]
    return draw.join([draw.heading(_("Matching")), draw.actions(lines)])
