"""Publication and what follows it: publishing a run's pairs (with the introduction emails
and the past pairs remembered), ending a pair early, and pairing someone again by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.lib.text import isolate
from flipside.notifications import outbox
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Role

from .. import engine, explain, kept, loader
from ..models import Capacity, Pair, PastPair, Proposal, Run
from ..profile import profile_text
from .edits import claim
from .places import active_load, capacity_of, lock_pairs
from .setup import MatchingError, broken_rules, require_member, settings_for


def publish(run: Run, *, by: Any, version: int) -> int:
    """Publish a draft run: create the pairs, record past pairs, and queue an introduction
    email to each person. Exactly once, all or nothing: a second publish (even at the same
    moment) is refused. Refused if any proposal now breaks a hard constraint, if the cohort
    already has a published run, or if the run is not a finished draft. Returns the number of
    emails queued."""
    try:
        with transaction.atomic():
            return _publish(run, by=by, version=version)
    except MatchingError:
        run.refresh_from_db()  # nothing was published: the run object says so too
        raise
    except IntegrityError as error:
        run.refresh_from_db()
        raise MatchingError(
            _("Another proposal for this cohort was published at the same moment.")
        ) from error


def _publish(run: Run, *, by: Any, version: int) -> int:
    now = timezone.now()
    claim(run, version, published_at=now, published_by=by)
    cohort = run.cohort
    lock_pairs(cohort)
    if Run.objects.filter(cohort=cohort, published_at__isnull=False).exclude(pk=run.pk).exists():
        raise MatchingError(_("Another proposal for this cohort is already published."))
    proposals = list(run.proposals.select_related("mentor", "mentee").order_by("id"))
    if not proposals:
        raise MatchingError(_("There are no pairs to publish."))
    problems = _broken_pairs(cohort, proposals) + _over_capacity(cohort, proposals)
    if problems:
        raise MatchingError(
            _("Nothing was published, because some pairs now break a rule: %(list)s. Change "
              "those pairs, then publish again.") % {"list": "; ".join(problems)}
        )  # fmt: skip
    pairs = Pair.objects.bulk_create(
        [
            Pair(
                cohort=cohort, mentor=p.mentor, mentee=p.mentee, run=run, score=p.score,
                reasons=p.reasons, started_at=now, created_by=by,
            )
            for p in proposals
        ]
    )  # fmt: skip
    kept.changed("cohort", cohort.pk)  # made in bulk, without the signal that tells them
    sent = 0
    for pair in pairs:
        _record_past_pair(cohort, pair.mentor, pair.mentee)
        sent += _introduce(pair)
    audit.record(by, "matching.run.published", run, pairs=len(pairs), emails=sent)
    run.refresh_from_db()
    return sent


def _broken_pairs(cohort: Cohort, proposals: list[Proposal]) -> list[str]:
    """The pairs that now break a hard constraint (or whose people left the cohort), each
    with why."""
    ids = {p.mentor_id for p in proposals} | {p.mentee_id for p in proposals}
    loaded = loader.load(cohort, settings=settings_for(cohort), include_unready=True, user_ids=ids)
    mentor_at, mentee_at = loaded.mentor_index(), loaded.mentee_index()
    problems = []
    for p in proposals:
        i, j = mentor_at.get(p.mentor_id), mentee_at.get(p.mentee_id)
        if i is None or j is None:
            problems.append(
                _("%(mentor)s and %(mentee)s: one of them has left the cohort")
                % {"mentor": p.mentor, "mentee": p.mentee}
            )
            continue
        broken = engine.check_pair(loaded.problem, i, j)
        if broken:
            problems.append(
                "{} and {}: {}".format(
                    p.mentor, p.mentee, "; ".join(str(explain.CONSTRAINTS[c]) for c in broken)
                )
            )
    return problems


def _over_capacity(cohort: Cohort, proposals: list[Proposal]) -> list[str]:
    """Who would have more partners than allowed with these pairs added to the pairs
    already running in the cohort."""
    load = active_load(cohort)
    people = {p.mentor_id: p.mentor for p in proposals} | {p.mentee_id: p.mentee for p in proposals}
    load.update([p.mentor_id for p in proposals] + [p.mentee_id for p in proposals])
    capacity = dict(Capacity.objects.filter(cohort=cohort).values_list("user_id", "partners"))
    return [
        _("%(name)s would have %(n)d partners but may have %(allowed)d")
        % {"name": isolate(str(person)), "n": load[uid], "allowed": capacity.get(uid, 1)}
        for uid, person in people.items()
        if load[uid] > capacity.get(uid, 1)
    ]


# --- Introductions and past pairs -------------------------------------------------------


def _record_past_pair(cohort: Cohort, mentor: Any, mentee: Any) -> None:
    organisation_id = cohort.scheme.organisation_id
    PastPair.objects.get_or_create(
        organisation_id=organisation_id,
        mentor_digest=PastPair.digest(organisation_id, mentor.email),
        mentee_digest=PastPair.digest(organisation_id, mentee.email),
    )


def _tell_both(pair: Pair, kind: str, values: Callable[[Any, str], dict[str, str]]) -> int:
    """Queue one ``kind`` email to each person in the pair; ``values(partner, role)`` gives
    what the email to the person in ``role`` says. Returns the number queued."""
    cohort = pair.cohort
    people = ((pair.mentor, pair.mentee, Role.MENTOR), (pair.mentee, pair.mentor, Role.MENTEE))
    for person, partner, role in people:
        values_for_person = {
            "partner": partner.display_name,
            "cohort": str(cohort),
            **values(partner, role),
        }
        outbox.enqueue(
            kind, to=person.email, user=person, scheme=cohort.scheme, values=values_for_person
        )
    return len(people)


def _introduce(pair: Pair) -> int:
    """Queue the introduction email to both people in a pair."""
    cohort = pair.cohort
    settings = settings_for(cohort)
    link = django_settings.SITE_URL + reverse("matching:partner", args=[cohort.pk])

    def values(partner: Any, role: str) -> dict[str, str]:
        first_contact = (
            _("Please get in touch with %(name)s in the next week to arrange your first "
              "meeting.") if settings.first_contact == role else
            _("%(name)s will get in touch in the next week to arrange your first meeting. If "
              "you have not heard by then, feel free to write first.")
        ) % {"name": isolate(partner.display_name)}  # fmt: skip
        return {
            "profile": profile_text(cohort, partner),
            "first_contact": first_contact,
            "min_meetings": str(cohort.min_meetings),
            "link": link,
        }

    return _tell_both(pair, "pair_introduction", values)


# --- Ending a pair, and re-matching -----------------------------------------------------


def end_pair(pair: Pair, *, by: Any, reason: str) -> Pair:
    """End a pair early. Idempotent. The partners are told by email."""
    reason = (reason or "").strip()
    if not reason:
        raise MatchingError(_("Say why the pair is ending."))
    with transaction.atomic():
        ended = Pair.objects.filter(pk=pair.pk, status=Pair.Status.ACTIVE).update(
            status=Pair.Status.ENDED, ended_at=timezone.now(), end_reason=reason[:300]
        )
        pair.refresh_from_db()
        if not ended:
            return pair
        kept.changed("cohort", pair.cohort_id)  # changed in one statement, without a signal
        support = django_settings.SITE_URL + reverse("training:support")
        _tell_both(pair, "pair_ended", lambda partner, role: {"link": support})
        audit.record(by, "matching.pair.ended", pair)
    return pair


def create_pair(cohort: Cohort, *, mentor: Any, mentee: Any, by: Any) -> Pair:
    """Pair two people outside a run (re-matching). Refused if a hard constraint is broken or
    either is at capacity. Both get an introduction email."""
    require_member(cohort, mentor, Role.MENTOR)
    require_member(cohort, mentee, Role.MENTEE)
    loaded, broken = broken_rules(cohort, mentor, mentee)
    if broken:
        raise MatchingError(
            _("%(mentor)s and %(mentee)s cannot be paired: %(why)s.")
            % {"mentor": mentor, "mentee": mentee, "why": "; ".join(broken)}
        )
    score, reasons, _warnings = explain.pair_reasons(loaded, 0, 0)
    with transaction.atomic():
        lock_pairs(cohort)
        if Pair.objects.filter(cohort=cohort, mentor=mentor, mentee=mentee).exists():
            raise MatchingError(
                _("%(mentor)s and %(mentee)s have been paired before in this cohort.")
                % {"mentor": mentor, "mentee": mentee}
            )
        load = active_load(cohort)
        for user in (mentor, mentee):
            if load.get(user.pk, 0) >= capacity_of(cohort, user):
                raise MatchingError(
                    _("%(name)s already has as many partners as allowed.") % {"name": user}
                )
        try:
            with transaction.atomic():
                pair = Pair.objects.create(
                    cohort=cohort, mentor=mentor, mentee=mentee, score=score, reasons=reasons,
                    created_by=by,
                )  # fmt: skip
        except IntegrityError as error:
            raise MatchingError(_("They are already paired.")) from error
        _record_past_pair(cohort, mentor, mentee)
        _introduce(pair)
        audit.record(by, "matching.pair.created", pair)
    return pair
