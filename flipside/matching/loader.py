"""Turn a cohort's people and their application answers into an engine ``Problem``.

A fixed number of queries whatever the cohort's size; scalar answers are read with
``values_list`` so 10,000 people per side load in well under a second.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from flipside.lib.names import normalise_name
from flipside.recruitment.models import AVAILABILITY_SLOTS, Application, Preference, Topic
from flipside.schemes.models import Cohort, Membership, Role

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


def person_digest(organisation_id: int, email: str, key: str | None = None) -> str:
    """A keyed hash of someone's email address within an organisation, for past pairs."""
    secret = (key or django_settings.SECRET_KEY).encode()
    message = f"flipside.past-pair:{organisation_id}:{email.strip().casefold()}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _all_digests(organisation_id: int, email: str) -> list[str]:
    keys = [django_settings.SECRET_KEY, *getattr(django_settings, "SECRET_KEY_FALLBACKS", [])]
    return [person_digest(organisation_id, email, key) for key in keys]


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
    mentor_ids = [uid for uid, role, _s in people if role == Role.MENTOR]
    mentee_ids = [uid for uid, role, _s in people if role == Role.MENTEE]
    membership_site = {uid: site for uid, _role, site in people}

    topics = list(Topic.objects.filter(scheme_id=cohort.scheme_id).order_by("id"))
    topic_index = {t.pk: n for n, t in enumerate(topics)}
    words = max(1, (len(topics) + 63) // 64)

    answers = _answers(cohort, mentor_ids + mentee_ids)
    topic_rows = _topics(cohort, answers)

    departments: dict[str, int] = {}
    studies: dict[tuple[int, int], int] = {}
    programmes: dict[int, int] = {}
    for uid in mentor_ids:
        a = answers.get(uid)
        if a and a["programme_id"]:
            programmes.setdefault(a["programme_id"], len(programmes))
            if a["year"]:
                studies.setdefault((a["programme_id"], a["year"]), len(studies))

    def side(ids: list[int], *, mentors: bool) -> engine.People:
        n = len(ids)
        side_topics = np.zeros((n, words), dtype=np.uint64)
        slots = np.zeros(n, dtype=np.int32)
        mode_codes = np.zeros(n, dtype=np.int8)
        site = np.full(n, -1, dtype=np.int32)
        department = np.full(n, -1, dtype=np.int32)
        study = np.full(n, -1, dtype=np.int32)
        programme = np.full(n, -1, dtype=np.int32)
        teaching = np.zeros((n, max(1, len(studies))), dtype=bool)
        teaching_programmes = np.zeros((n, max(1, len(programmes))), dtype=bool)
        prefs = np.zeros(n, dtype=np.int8)
        capacity = np.ones(n, dtype=np.int16)
        for row, uid in enumerate(ids):
            capacity[row] = capacities.get(uid, 1) - taken[uid]
            a = answers.get(uid)
            site_id = (a and a["site_id"]) or membership_site.get(uid)
            if site_id:
                site[row] = site_id
            if a is None:
                continue
            for topic_id in topic_rows.get(a["id"], ()):
                k = topic_index.get(topic_id)
                if k is not None:
                    side_topics[row, k // 64] |= np.uint64(1 << (k % 64))
            bits = 0
            for slot in a["availability"] or ():
                if slot in SLOT_INDEX:
                    bits |= 1 << SLOT_INDEX[slot]
            slots[row] = bits
            mode_codes[row] = MODES.get(a["mode"], engine.EITHER)
            name = normalise_name(a["department"] or "")
            if name:
                department[row] = departments.setdefault(name, len(departments))
            p = 0
            for code in a["preferences"] or ():
                p |= PREFERENCE_BITS.get(code, 0)
            prefs[row] = p
            if mentors:
                if a["programme_id"] in programmes:
                    programme[row] = programmes[a["programme_id"]]
                    study[row] = studies.get((a["programme_id"], a["year"]), -1)
            else:
                for taught in a["teaching"] or ():
                    key = (taught.get("programme"), taught.get("year"))
                    if key in studies:
                        teaching[row, studies[key]] = True
                    if key[0] in programmes:
                        teaching_programmes[row, programmes[key[0]]] = True
        return engine.People(
            ids=np.asarray(ids, dtype=np.int64),
            topics=side_topics,
            slots=slots,
            mode=mode_codes,
            site=site,
            department=department,
            study=study,
            programme=programme,
            teaching=teaching,
            teaching_programmes=teaching_programmes,
            prefs=prefs,
            capacity=capacity,
        )

    mentors_side = side(mentor_ids, mentors=True)
    mentees_side = side(mentee_ids, mentors=False)
    mentor_at = {uid: n for n, uid in enumerate(mentor_ids)}
    mentee_at = {uid: n for n, uid in enumerate(mentee_ids)}

    forbidden: dict[tuple[int, int], int] = {}
    rules = list(
        PairRule.objects.filter(cohort=cohort).select_related("mentor", "mentee").order_by("id")
    )
    locks: list[PairRule] = []
    for rule in rules:
        i, j = mentor_at.get(rule.mentor_id), mentee_at.get(rule.mentee_id)
        if rule.kind == PairRule.Kind.LOCK:
            if (rule.mentor_id, rule.mentee_id) in running:
                continue  # already together: the lock needs no place
            for uid in (rule.mentor_id, rule.mentee_id):
                if uid in full_ids:
                    raise AlreadyFull(users[uid])
                if uid in unready_ids:
                    raise NotReady(users[uid])
            if i is not None and j is not None:
                locks.append(rule)
        elif i is not None and j is not None:
            forbidden.setdefault((i, j), engine.Forbid.NEVER)
    for i, j in _named_conflicts(answers, users, mentor_ids, mentee_ids, mentor_at, mentee_at):
        forbidden.setdefault((i, j), engine.Forbid.NAMED)
    for i, j in _past_pairs(cohort, users, mentor_ids, mentee_ids, mentor_at, mentee_at):
        forbidden.setdefault((i, j), engine.Forbid.PAST)
    for mentor_id, mentee_id in paired:
        i, j = mentor_at.get(mentor_id), mentee_at.get(mentee_id)
        if i is not None and j is not None:
            forbidden.setdefault((i, j), engine.Forbid.PAST)

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
            [(mentor_at[r.mentor_id], mentee_at[r.mentee_id]) for r in locks], dtype=np.int64
        ).reshape(-1, 2),
        mode=mode,
    )
    site_ids = {int(s) for s in np.concatenate([mentors_side.site, mentees_side.site]) if s >= 0}
    from flipside.schemes.models import Site

    return Loaded(
        problem=problem,
        mentors=[users[uid] for uid in mentor_ids],
        mentees=[users[uid] for uid in mentee_ids],
        topics=topics,
        sites=dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "name")),
        unready=unready,
        locks=locks,
        full=full,
    )


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


def _named_conflicts(
    answers: dict[int, dict[str, Any]],
    users: dict[int, Any],
    mentor_ids: list[int],
    mentee_ids: list[int],
    mentor_at: dict[int, int],
    mentee_at: dict[int, int],
) -> list[tuple[int, int]]:
    """Pairs where either person named the other (by name or email address)."""

    def directory(ids: list[int]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for uid in ids:
            user = users[uid]
            for key in {user.email.casefold(), normalise_name(user.display_name)}:
                if key:
                    found.setdefault(key, []).append(uid)
        return found

    mentees_by_key, mentors_by_key = directory(mentee_ids), directory(mentor_ids)
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


def _past_pairs(
    cohort: Cohort,
    users: dict[int, Any],
    mentor_ids: list[int],
    mentee_ids: list[int],
    mentor_at: dict[int, int],
    mentee_at: dict[int, int],
) -> list[tuple[int, int]]:
    organisation_id = cohort.scheme.organisation_id
    mentor_by_digest = {
        d: uid for uid in mentor_ids for d in _all_digests(organisation_id, users[uid].email)
    }
    mentee_by_digest = {
        d: uid for uid in mentee_ids for d in _all_digests(organisation_id, users[uid].email)
    }
    if not mentor_by_digest or not mentee_by_digest:
        return []
    rows = PastPair.objects.filter(organisation_id=organisation_id).values_list(
        "mentor_digest", "mentee_digest"
    )
    pairs = {
        (mentor_at[mentor_by_digest[m]], mentee_at[mentee_by_digest[e]])
        for m, e in rows
        if m in mentor_by_digest and e in mentee_by_digest
    }
    return sorted(pairs)
