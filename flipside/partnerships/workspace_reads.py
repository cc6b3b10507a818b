"""What a pair's workspace reads on every view, in plain SQL (decisions 0010 and 0011): the
pair with its cohort, scheme and both partners; one row of figures; the meetings waiting and
coming; a page of past meetings; a few talking points. The ORM spent about 1 ms building and
compiling each of the eleven queries these replace, more than the database took to answer."""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any, NamedTuple

from flipside.accounts.models import User
from flipside.lib.sql import Listing, columns, fetch, field_of, fields_of, instances
from flipside.matching.models import Pair
from flipside.schemes.models import Cohort, Organisation, Role, Scheme

from .models import Meeting, Pause, TalkingPoint


@cache
def _own_pair_sql() -> str:
    return f"""
        SELECT {columns(Pair, "p")}, {columns(Cohort, "c")}, {columns(Scheme, "s")},
            {columns(Organisation, "o")}, {columns(User, "mentor")}, {columns(User, "mentee")}
        FROM matching_pair p
        JOIN schemes_cohort c ON c.id = p.cohort_id
        JOIN schemes_scheme s ON s.id = c.scheme_id
        JOIN schemes_organisation o ON o.id = s.organisation_id
        JOIN accounts_user mentor ON mentor.id = p.mentor_id
        JOIN accounts_user mentee ON mentee.id = p.mentee_id
        WHERE p.id = %s AND (p.mentor_id = %s OR p.mentee_id = %s)
    """  # noqa: S608 - fixed fragments  # nosec B608


def own_pair(user_id: int, pair_id: int) -> Pair | None:
    """The pair if the person is one of its partners, with its cohort, scheme, organisation
    and both partners loaded."""
    models = (Pair, Cohort, Scheme, Organisation, User, User)
    rows = fetch(_own_pair_sql(), [pair_id, user_id, user_id], fields_of(*models))
    if not rows:
        return None
    pair, cohort, scheme, organisation, mentor, mentee = instances(rows[0], *models)
    scheme.organisation = organisation
    cohort.scheme = scheme
    pair.cohort, pair.mentor, pair.mentee = cohort, mentor, mentee
    return pair  # type: ignore[no-any-return]


class Figures(NamedTuple):
    """A pair's figures as its workspace shows them."""

    held: int  # meetings that count (the kept facts)
    contacts: int  # meetings proposed, arranged, held or missed
    paused_since: datetime.datetime | None  # when the open pause began, if there is one
    members: int  # how many of the two partners are still members of the cohort in their role
    journal_entries: int  # the person's own
    points_total: int  # the scheme's published talking points
    points_used: int  # of those, the ones the pair has used
    past_meetings: int  # held, not held, cancelled, or arranged and already begun


# A meeting is "coming" while proposed, or arranged for a time not yet come; every other
# meeting is past. ``%(now)s`` is the request's time.
_COMING = "(m.status = 'proposed' OR (m.status = 'accepted' AND m.starts_at >= %(now)s))"

_FIGURES_SQL = f"""
    SELECT COALESCE(f.held, 0), COALESCE(f.contacts, 0),
        (SELECT MIN(z.paused_at) FROM partnerships_pause z
         WHERE z.pair_id = %(pair)s AND z.resumed_at IS NULL),
        (SELECT COUNT(*) FROM schemes_membership ms WHERE ms.cohort_id = %(cohort)s
         AND ((ms.user_id = %(mentor)s AND ms.role = %(mentor_role)s)
              OR (ms.user_id = %(mentee)s AND ms.role = %(mentee_role)s))),
        (SELECT COUNT(*) FROM partnerships_journalentry j
         WHERE j.pair_id = %(pair)s AND j.author_id = %(user)s),
        (SELECT COUNT(*) FROM partnerships_talkingpoint t
         WHERE t.scheme_id = %(scheme)s AND t.status = %(published)s),
        (SELECT COUNT(DISTINCT u.point_id) FROM partnerships_talkingpointuse u
         JOIN partnerships_talkingpoint t ON t.id = u.point_id
         WHERE u.pair_id = %(pair)s AND t.scheme_id = %(scheme)s AND t.status = %(published)s),
        (SELECT COUNT(*) FROM partnerships_meeting m
         WHERE m.pair_id = %(pair)s AND NOT {_COMING})
    FROM (SELECT 1 AS one) one
    LEFT JOIN partnerships_pairfacts f ON f.pair_id = %(pair)s
"""  # noqa: S608 - fixed fragments  # nosec B608


def figures(pair: Pair, user: Any, now: datetime.datetime) -> Figures:
    params = {
        "pair": pair.pk, "cohort": pair.cohort_id, "scheme": pair.cohort.scheme_id,
        "user": user.pk, "mentor": pair.mentor_id, "mentee": pair.mentee_id,
        "mentor_role": Role.MENTOR.value, "mentee_role": Role.MENTEE.value,
        "published": TalkingPoint.Status.PUBLISHED.value, "now": now,
    }  # fmt: skip
    fields = (None, None, field_of(Pause, "paused_at"), None, None, None, None, None)
    (row,) = fetch(_FIGURES_SQL, params, fields)
    held, contacts, paused_since, *counts = row
    return Figures(int(held), int(contacts), paused_since, *map(int, counts))


@cache
def _meetings_sql() -> str:
    """The oldest meeting waiting for the person (kind 0: arranged and its time has come, to
    record; or recorded by the partner, to confirm) and the first of those coming (kind 1),
    each with the number of times offered, in one statement."""
    select = f"{columns(Meeting, 'm')}, %(kind)s AS kind, {{offered}} AS offered"
    offered = "(SELECT COUNT(*) FROM partnerships_meetingoption o WHERE o.meeting_id = m.id)"
    waiting = f"""
        SELECT {select.replace("%(kind)s", "0").format(offered="0")}
        FROM partnerships_meeting m
        WHERE m.pair_id = %(pair)s AND (
            (m.status = 'accepted' AND m.starts_at < %(now)s)
            OR (m.record = 'unconfirmed'
                AND (m.recorded_by_id IS NULL OR m.recorded_by_id <> %(user)s)))
        ORDER BY m.starts_at, m.id LIMIT 1
    """  # noqa: S608 - fixed fragments  # nosec B608
    coming = f"""
        SELECT {select.replace("%(kind)s", "1").format(offered=offered)}
        FROM partnerships_meeting m
        WHERE m.pair_id = %(pair)s AND {_COMING}
        ORDER BY m.starts_at NULLS LAST, m.proposed_at, m.id LIMIT %(coming)s
    """  # noqa: S608 - fixed fragments  # nosec B608
    # Each branch in its own subquery: SQLite allows ORDER BY and LIMIT only there.
    return f"SELECT * FROM ({waiting}) w UNION ALL SELECT * FROM ({coming}) c"  # noqa: S608  # nosec B608


class Meetings(NamedTuple):
    waiting: Meeting | None
    coming: list[Meeting]  # each with ``offered``, the number of times offered


def meetings(pair: Pair, user: Any, now: datetime.datetime, *, coming: int) -> Meetings:
    """The meeting waiting for the person, if any, and the first ``coming`` coming ones."""
    params = {"pair": pair.pk, "user": user.pk, "now": now, "coming": coming}
    rows = fetch(_meetings_sql(), params, (*fields_of(Meeting), None, None))
    waiting, found = None, []
    for *values, kind, offered in rows:
        (meeting,) = instances(values, Meeting)
        meeting.offered = int(offered)
        if int(kind) == 0:
            waiting = meeting
        else:
            found.append(meeting)
    return Meetings(waiting, found)


def past_meetings(pair: Pair, now: datetime.datetime) -> Listing[Meeting]:
    """The pair's past meetings, latest first, a page at a time (for ``Paginator``)."""
    return Listing(
        select=columns(Meeting, "m"),
        source=f"partnerships_meeting m WHERE m.pair_id = %s AND NOT {_COMING % {'now': '%s'}}",
        params=[pair.pk, now],
        order="m.starts_at DESC NULLS LAST, m.proposed_at DESC, m.id DESC",
        row=lambda *values: instances(values, Meeting)[0],
        fields=fields_of(Meeting),
    )


class Point(NamedTuple):
    pk: int
    theme: str
    text: str
    used: bool


_POINTS_SQL = """
    SELECT t.id, t.theme, t.text, EXISTS(
        SELECT 1 FROM partnerships_talkingpointuse u
        WHERE u.pair_id = %(pair)s AND u.point_id = t.id) AS used
    FROM partnerships_talkingpoint t
    WHERE t.scheme_id = %(scheme)s AND t.status = %(published)s
    ORDER BY used, t.theme, t.id LIMIT %(shown)s
"""


def points(pair: Pair, *, shown: int) -> list[Point]:
    """A few of the scheme's published talking points, those the pair has not used first."""
    params = {"pair": pair.pk, "scheme": pair.cohort.scheme_id, "shown": shown,
              "published": TalkingPoint.Status.PUBLISHED.value}  # fmt: skip
    return [Point(pk, theme, text, bool(used))
            for pk, theme, text, used in fetch(_POINTS_SQL, params, (None,) * 4)]  # fmt: skip
