"""Turn a cohort's people and their application answers into an engine ``Problem``.

A fixed number of queries whatever the cohort's size; scalar answers are read with
``values_list`` so 10,000 people per side load in well under a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model

from flipside.lib.names import normalise_name
from flipside.recruitment.models import AVAILABILITY_SLOTS, Application, Preference, Topic
from flipside.schemes.models import Cohort, Membership, Role, Site

from . import engine
from .models import Capacity, MatchingSettings, Pair, PairRule, PastPair

User = get_user_model()

MODES = {"in_person": engine.IN_PERSON, "online": engine.ONLINE}
PREFERENCE_BITS = {
    Preference.SAME_SITE: engine.SAME_SITE,
    Preference.OTHER_SITE: engine.OTHER_SITE,
    Preference.NOT_MY_PROGRAMME: engine.NOT_MY_PROGRAMME,
}
SLOT_INDEX = {slot: n for n, slot in enumerate(AVAILABILITY_SLOTS)}


class NotReady(Exception):
    """A locked pair includes someone who is not ready (and the run does not include them)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        super().__init__(str(user))


class AlreadyFull(Exception):
    """A locked pair includes someone whose places are all used by pairs already running."""

    def __init__(self, user: Any) -> None:
        self.user = user
        super().__init__(str(user))


@dataclass
class Full:
    """Someone left out because pairs already running use all their places."""

    user: Any
    role: str
    partners: list[Any]  # their partners in those pairs
    places: int


@dataclass
class Loaded:
    problem: engine.Problem
    mentors: list[Any]  # users, aligned with problem.mentors
    mentees: list[Any]
    topics: list[Topic]  # topic index -> Topic
    sites: dict[int, str]  # site id -> name
    # (user, role, what they still have to do) left out as not ready
    unready: list[tuple[Any, str, list[str]]] = field(default_factory=list)
    locks: list[PairRule] = field(default_factory=list)
    full: list[Full] = field(default_factory=list)  # left out: no place left

    def mentor_index(self) -> dict[int, int]:
        return {int(uid): n for n, uid in enumerate(self.problem.mentors.ids)}

    def mentee_index(self) -> dict[int, int]:
        return {int(uid): n for n, uid in enumerate(self.problem.mentees.ids)}


@dataclass
class _Who:
    """Who is loaded (mentors and mentees in user id order) and who is left out."""

    users: dict[int, Any]  # user id -> user, for everyone loaded or named below
    mentor_ids: list[int]
    mentee_ids: list[int]
    membership_site: dict[int, int | None]  # user id -> their membership's site
    places: dict[int, int]  # user id -> partners they may still have
    paired: list[tuple[int, int]]  # every pair of the cohort, running or ended
    running: set[tuple[int, int]]
    full_ids: set[int]
    unready_ids: set[int]
    full: list[Full]
    unready: list[tuple[Any, str, list[str]]]
    mentor_at: dict[int, int] = field(init=False)  # user id -> index on their side
    mentee_at: dict[int, int] = field(init=False)

    def __post_init__(self) -> None:
        self.mentor_at = {uid: n for n, uid in enumerate(self.mentor_ids)}
        self.mentee_at = {uid: n for n, uid in enumerate(self.mentee_ids)}


@dataclass
class _Codes:
    """Small whole-number codes for what both sides' answers refer to."""

    topic_index: dict[int, int]  # topic id -> topic index
    words: int  # 64-bit words per topic bit set
    studies: dict[tuple[int, int], int]  # (programme id, year) -> study code
    programmes: dict[int, int]  # programme id -> programme code
    # normalised department -> code, filled in as the sides are built
    departments: dict[str, int] = field(default_factory=dict)


def load(
    cohort: Cohort,
    *,
    settings: MatchingSettings,
    include_unready: bool = False,
    user_ids: Iterable[int] | None = None,
    mode: str = "best",
    remaining_places: bool = False,
) -> Loaded:
    """The cohort's mentors and mentees (ready ones, unless ``include_unready``; only
    ``user_ids`` if given) with everything matching needs. Locks whose people are both
    loaded become engine locks; a lock with someone left out for readiness raises
    NotReady. Two people paired in this cohort before (in a pair running or ended) are
    never paired again.

    With ``remaining_places`` (for a run), the cohort's active pairs use up places: each
    person's capacity is the places left, and people with none left are left out and
    listed in ``Loaded.full`` (a lock with one of them raises AlreadyFull, unless the locked
    pair is one of those running)."""
    who = _who(cohort, include_unready, user_ids, remaining_places)
    topics = list(Topic.objects.filter(scheme_id=cohort.scheme_id).order_by("id"))
    answers = _answers(cohort, who.mentor_ids + who.mentee_ids)
    topic_rows = _topics(cohort, answers)
    codes = _codes(topics, answers, who.mentor_ids)
    mentors_side = _side(who.mentor_ids, who, answers, topic_rows, codes, mentors=True)
    mentees_side = _side(who.mentee_ids, who, answers, topic_rows, codes, mentors=False)
    forbidden, locks = _forbidden(cohort, who, answers)
    keys = sorted(forbidden)
    problem = engine.Problem(
        mentors=mentors_side,
        mentees=mentees_side,
        weights=engine.Weights(**settings.weights()),
        avoid_same_department=settings.avoid_same_department,
        require_meetable=settings.require_meetable,
        forbidden=np.asarray(keys, dtype=np.int64).reshape(-1, 2),
        forbidden_why=np.asarray([forbidden[k] for k in keys], dtype=np.int8),
        locks=np.asarray(
            [(who.mentor_at[r.mentor_id], who.mentee_at[r.mentee_id]) for r in locks],
            dtype=np.int64,
        ).reshape(-1, 2),
        mode=mode,
    )
    site_ids = {int(s) for s in np.concatenate([mentors_side.site, mentees_side.site]) if s >= 0}
    return Loaded(
        problem=problem,
        mentors=[who.users[uid] for uid in who.mentor_ids],
        mentees=[who.users[uid] for uid in who.mentee_ids],
        topics=topics,
        sites=dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "name")),
        unready=who.unready,
        locks=locks,
        full=who.full,
    )


def _who(
    cohort: Cohort, include_unready: bool, user_ids: Iterable[int] | None, remaining_places: bool
) -> _Who:
    """The people to load, and those left out: already full through running pairs (with
    ``remaining_places``), or not ready (unless ``include_unready`` or ``user_ids``)."""
    memberships = Membership.objects.filter(cohort=cohort, role__in=[Role.MENTOR, Role.MENTEE])
    if user_ids is not None:
        memberships = memberships.filter(user_id__in=list(user_ids))
    people = list(memberships.order_by("user_id").values_list("user_id", "role", "site_id"))
    capacities = dict(Capacity.objects.filter(cohort=cohort).values_list("user_id", "partners"))
    paired, running = _cohort_pairs(cohort)
    taken = Counter(uid for pair in running for uid in pair) if remaining_places else Counter()
    full_ids = {uid for uid, _r, _s in people if taken[uid] >= capacities.get(uid, 1)}
    partners_of = _partners(running, full_ids)
    missing: dict[int, list[str]] = {}
    if not include_unready and user_ids is None:
        from flipside.training.readiness import cohort_readiness

        missing = {r.user.pk: r.missing for r in cohort_readiness(cohort) if not r.ready}
    partner_ids = {p for found in partners_of.values() for p in found}
    users = User.objects.in_bulk(sorted({uid for uid, _r, _s in people} | partner_ids))
    full = [
        Full(users[uid], role, [users[p] for p in partners_of[uid]], capacities.get(uid, 1))
        for uid, role, _s in people
        if uid in full_ids
    ]
    people = [p for p in people if p[0] not in full_ids]
    unready_ids = set(missing) - full_ids
    unready = [(users[uid], role, missing[uid]) for uid, role, _s in people if uid in missing]
    people = [p for p in people if p[0] not in unready_ids]
    return _Who(
        users=users,
        mentor_ids=[uid for uid, role, _s in people if role == Role.MENTOR],
        mentee_ids=[uid for uid, role, _s in people if role == Role.MENTEE],
        membership_site={uid: site for uid, _role, site in people},
        places={uid: capacities.get(uid, 1) - taken[uid] for uid, _r, _s in people},
        paired=paired,
        running=running,
        full_ids=full_ids,
        unready_ids=unready_ids,
        full=full,
        unready=unready,
    )


def _codes(
    topics: list[Topic], answers: dict[int, dict[str, Any]], mentor_ids: list[int]
) -> _Codes:
    """Codes for the topics, and for the programmes and years the mentors study."""
    studies: dict[tuple[int, int], int] = {}
    programmes: dict[int, int] = {}
    for uid in mentor_ids:
        a = answers.get(uid)
        if a and a["programme_id"]:
            programmes.setdefault(a["programme_id"], len(programmes))
            if a["year"]:
                studies.setdefault((a["programme_id"], a["year"]), len(studies))
    return _Codes(
        topic_index={t.pk: n for n, t in enumerate(topics)},
        words=max(1, (len(topics) + 63) // 64),
        studies=studies,
        programmes=programmes,
    )


def _side(
    ids: list[int],
    who: _Who,
    answers: dict[int, dict[str, Any]],
    topic_rows: dict[int, list[int]],
    codes: _Codes,
    *,
    mentors: bool,
) -> engine.People:
    """One side's arrays for the engine, a row per person in ``ids``."""
    side = _blank_side(ids, codes)
    for row, uid in enumerate(ids):
        side.capacity[row] = who.places[uid]
        a = answers.get(uid)
        site_id = (a and a["site_id"]) or who.membership_site.get(uid)
        if site_id:
            side.site[row] = site_id
        if a is None:
            continue
        _answer_row(side, row, a, topic_rows.get(a["id"], ()), codes)
        if mentors:
            if a["programme_id"] in codes.programmes:
                side.programme[row] = codes.programmes[a["programme_id"]]
                side.study[row] = codes.studies.get((a["programme_id"], a["year"]), -1)
        else:
            for taught in a["teaching"] or ():
                key = (taught.get("programme"), taught.get("year"))
                if key in codes.studies:
                    side.teaching[row, codes.studies[key]] = True
                if key[0] in codes.programmes:
                    side.teaching_programmes[row, codes.programmes[key[0]]] = True
    return side


def _blank_side(ids: list[int], codes: _Codes) -> engine.People:
    """A side with nothing known yet: no topics, times, site or department; either mode."""
    n = len(ids)
    return engine.People(
        ids=np.asarray(ids, dtype=np.int64),
        topics=np.zeros((n, codes.words), dtype=np.uint64),
        slots=np.zeros(n, dtype=np.int32),
        mode=np.zeros(n, dtype=np.int8),
        site=np.full(n, -1, dtype=np.int32),
        department=np.full(n, -1, dtype=np.int32),
        study=np.full(n, -1, dtype=np.int32),
        programme=np.full(n, -1, dtype=np.int32),
        teaching=np.zeros((n, max(1, len(codes.studies))), dtype=bool),
        teaching_programmes=np.zeros((n, max(1, len(codes.programmes))), dtype=bool),
        prefs=np.zeros(n, dtype=np.int8),
        capacity=np.ones(n, dtype=np.int16),
    )


def _answer_row(
    side: engine.People, row: int, a: dict[str, Any], topic_ids: Iterable[int], codes: _Codes
) -> None:
    """The answers both roles give, into one row: topics, times, mode, department and
    preferences."""
    for topic_id in topic_ids:
        k = codes.topic_index.get(topic_id)
        if k is not None:
            side.topics[row, k // 64] |= np.uint64(1 << (k % 64))
    bits = 0
    for slot in a["availability"] or ():
        if slot in SLOT_INDEX:
            bits |= 1 << SLOT_INDEX[slot]
    side.slots[row] = bits
    side.mode[row] = MODES.get(a["mode"], engine.EITHER)
    name = normalise_name(a["department"] or "")
    if name:
        side.department[row] = codes.departments.setdefault(name, len(codes.departments))
    p = 0
    for code in a["preferences"] or ():
        p |= PREFERENCE_BITS.get(code, 0)
    side.prefs[row] = p


def _forbidden(
    cohort: Cohort, who: _Who, answers: dict[int, dict[str, Any]]
) -> tuple[dict[tuple[int, int], int], list[PairRule]]:
    """Every pair that may never be proposed, (mentor index, mentee index) -> the Forbid
    code of its first reason (a rule, a named conflict, a past pair, a pair in this cohort),
    and the locks to keep."""
    forbidden, locks = _rules(cohort, who)
    for i, j in _named_conflicts(answers, who):
        forbidden.setdefault((i, j), engine.Forbid.NAMED)
    for i, j in _past_pairs(cohort, who):
        forbidden.setdefault((i, j), engine.Forbid.PAST)
    for mentor_id, mentee_id in who.paired:
        if mentor_id in who.mentor_at and mentee_id in who.mentee_at:
            pair = (who.mentor_at[mentor_id], who.mentee_at[mentee_id])
            forbidden.setdefault(pair, engine.Forbid.PAST)
    return forbidden, locks


def _rules(cohort: Cohort, who: _Who) -> tuple[dict[tuple[int, int], int], list[PairRule]]:
    """The coordinators' "never pair" rules as forbidden pairs (mentor index, mentee index)
    -> Forbid code, and the locks to keep. A lock with someone left out raises AlreadyFull
    or NotReady, unless the pair is already running (it needs no place)."""
    forbidden: dict[tuple[int, int], int] = {}
    rules = list(
        PairRule.objects.filter(cohort=cohort).select_related("mentor", "mentee").order_by("id")
    )
    locks: list[PairRule] = []
    for rule in rules:
        i, j = who.mentor_at.get(rule.mentor_id), who.mentee_at.get(rule.mentee_id)
        if rule.kind == PairRule.Kind.LOCK:
            if (rule.mentor_id, rule.mentee_id) in who.running:
                continue  # already together: the lock needs no place
            for uid in (rule.mentor_id, rule.mentee_id):
                if uid in who.full_ids:
                    raise AlreadyFull(who.users[uid])
                if uid in who.unready_ids:
                    raise NotReady(who.users[uid])
            if i is not None and j is not None:
                locks.append(rule)
        elif i is not None and j is not None:
            forbidden.setdefault((i, j), engine.Forbid.NEVER)
    return forbidden, locks


def _cohort_pairs(cohort: Cohort) -> tuple[list[tuple[int, int]], set[tuple[int, int]]]:
    """Every (mentor, mentee) pair of the cohort, running or ended, and those running."""
    rows = Pair.objects.filter(cohort=cohort).order_by("id")
    found = list(rows.values_list("mentor_id", "mentee_id", "status"))
    active = Pair.Status.ACTIVE
    running = {(mentor, mentee) for mentor, mentee, status in found if status == active}
    return [(mentor, mentee) for mentor, mentee, _status in found], running


def _partners(running: set[tuple[int, int]], people: set[int]) -> dict[int, list[int]]:
    """Each of ``people``'s partners in the running pairs."""
    found: dict[int, list[int]] = {uid: [] for uid in people}
    for mentor_id, mentee_id in sorted(running):
        for uid, partner in ((mentor_id, mentee_id), (mentee_id, mentor_id)):
            if uid in found:
                found[uid].append(partner)
    return found


def _answers(cohort: Cohort, user_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each person's accepted application to the cohort (the latest, if several)."""
    fields = [
        "id", "applicant_id", "site_id", "availability", "mode", "department", "preferences",
        "programme_id", "year", "teaching", "conflicts",
    ]  # fmt: skip
    wanted = set(user_ids)
    rows = (
        Application.objects.filter(call__cohort=cohort, status=Application.Status.ACCEPTED)
        .order_by("applicant_id", "id")
        .values(*fields)
    )
    return {row["applicant_id"]: row for row in rows if row["applicant_id"] in wanted}


def _topics(cohort: Cohort, answers: dict[int, dict[str, Any]]) -> dict[int, list[int]]:
    wanted = {a["id"] for a in answers.values()}
    rows = (
        Application.topics.through.objects.filter(
            application__call__cohort=cohort,
            application__status=Application.Status.ACCEPTED,
        )
        .order_by("application_id", "topic_id")
        .values_list("application_id", "topic_id")
    )
    found: dict[int, list[int]] = {}
    for application_id, topic_id in rows:
        if application_id in wanted:
            found.setdefault(application_id, []).append(topic_id)
    return found


def declared_names(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _named_conflicts(answers: dict[int, dict[str, Any]], who: _Who) -> list[tuple[int, int]]:
    """Pairs where either person named the other (by name or email address)."""

    def directory(ids: list[int]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for uid in ids:
            user = who.users[uid]
            for key in {user.email.casefold(), normalise_name(user.display_name)}:
                if key:
                    found.setdefault(key, []).append(uid)
        return found

    mentees_by_key, mentors_by_key = directory(who.mentee_ids), directory(who.mentor_ids)
    mentor_at, mentee_at = who.mentor_at, who.mentee_at
    pairs: set[tuple[int, int]] = set()
    for uid, a in answers.items():
        for line in declared_names(a["conflicts"]):
            keys = {line.casefold(), normalise_name(line)}
            if uid in mentor_at:
                for key in keys:
                    for other in mentees_by_key.get(key, ()):
                        pairs.add((mentor_at[uid], mentee_at[other]))
            elif uid in mentee_at:
                for key in keys:
                    for other in mentors_by_key.get(key, ()):
                        pairs.add((mentor_at[other], mentee_at[uid]))
    return sorted(pairs)


def _past_pairs(cohort: Cohort, who: _Who) -> list[tuple[int, int]]:
    """Pairs of people paired before in the organisation, found by their past pairs'
    digests (under every key in use)."""
    organisation_id = cohort.scheme.organisation_id
    mentor_by_digest = {
        d: uid
        for uid in who.mentor_ids
        for d in PastPair.digests(organisation_id, who.users[uid].email)
    }
    mentee_by_digest = {
        d: uid
        for uid in who.mentee_ids
        for d in PastPair.digests(organisation_id, who.users[uid].email)
    }
    if not mentor_by_digest or not mentee_by_digest:
        return []
    rows = PastPair.objects.filter(organisation_id=organisation_id).values_list(
        "mentor_digest", "mentee_digest"
    )
    pairs = {
        (who.mentor_at[mentor_by_digest[m]], who.mentee_at[mentee_by_digest[e]])
        for m, e in rows
        if m in mentor_by_digest and e in mentee_by_digest
    }
    return sorted(pairs)
