"""Everything that changes matching data: settings, rules, runs, edits, publication and
re-matching. Views call these; each checks its own rules and raises ``MatchingError`` with a
plain-English message the page can show as it is."""

from __future__ import annotations

import datetime
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.lib.conflicts import EditConflict
from flipside.lib.text import isolate
from flipside.notifications import outbox
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Membership, Role, Stage

from . import engine, explain, loader
from .models import (
    Capacity,
    MatchingSettings,
    Pair,
    PairRule,
    PastPair,
    Proposal,
    Run,
    Unmatched,
)
from .profile import profile_text

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 3
LOW_SCORE = 40


class MatchingError(Exception):
    """A refusal the coordinator can act on. ``str(error)`` is the message to show."""


class StaleRun(MatchingError, EditConflict):
    """The run or the settings changed since the page was loaded (someone else edited or
    published them); ``latest`` is the run or settings as saved now."""


# --- Settings, capacities and rules -------------------------------------------------------

SETTINGS_FIELDS = (
    "weight_topics", "weight_availability", "weight_mode_site", "weight_preferences",
    "avoid_same_department", "require_meetable", "first_contact",
)  # fmt: skip


def settings_for(cohort: Cohort) -> MatchingSettings:
    """The cohort's matching settings, created with the defaults on first use."""
    found, _created = MatchingSettings.objects.get_or_create(cohort=cohort)
    return found


def update_settings(
    cohort: Cohort, *, by: Any, version: int, values: dict[str, Any]
) -> MatchingSettings:
    """Save weights and options (keys are MatchingSettings field names). Raises StaleRun if
    ``version`` is not the saved version, MatchingError if every weight is 0."""
    values = {k: v for k, v in values.items() if k in SETTINGS_FIELDS}
    current = settings_for(cohort)
    weights = {k: values.get(k, getattr(current, k)) for k in SETTINGS_FIELDS if "weight" in k}
    if not any(weights.values()):
        raise MatchingError(_("Give at least one part of the score a weight above 0."))
    with transaction.atomic():
        updated = MatchingSettings.objects.filter(pk=current.pk, version=version).update(
            **values, version=F("version") + 1, updated_at=timezone.now(), updated_by=by
        )
        if not updated:
            raise StaleRun(
                _("Someone else changed these settings since you opened the page. The saved "
                  "values are shown below; make your change again."),
                latest=MatchingSettings.objects.get(pk=current.pk),
            )  # fmt: skip
        current.refresh_from_db()
        audit.record(by, "matching.settings_changed", cohort, **values)
    return current


def _members(cohort: Cohort, role: str) -> Any:
    return Membership.objects.filter(cohort=cohort, role=role)


def _require_member(cohort: Cohort, user: Any, role: str) -> None:
    if not _members(cohort, role).filter(user=user).exists():
        raise MatchingError(
            _("%(name)s is not a %(role)s in this cohort.")
            % {"name": user, "role": Role(role).label.lower()}
        )


def set_capacity(cohort: Cohort, *, user: Any, partners: int, by: Any) -> Capacity | None:
    """Allow a mentor or mentee of the cohort 1–5 partners (1 removes the record)."""
    if not 1 <= partners <= 5:
        raise MatchingError(_("A person may have from 1 to 5 partners."))
    if not Membership.objects.filter(
        cohort=cohort, user=user, role__in=[Role.MENTOR, Role.MENTEE]
    ).exists():
        raise MatchingError(
            _("%(name)s is not a mentor or mentee in this cohort.") % {"name": user}
        )
    with transaction.atomic():
        audit.record(by, "matching.capacity_set", cohort, user=user.pk, partners=partners)
        if partners == 1:
            Capacity.objects.filter(cohort=cohort, user=user).delete()
            return None
        found, _created = Capacity.objects.update_or_create(
            cohort=cohort, user=user, defaults={"partners": partners}
        )
        return found


def _check(cohort: Cohort, mentor: Any, mentee: Any) -> tuple[loader.Loaded, list[str]]:
    """Load just these two people and list the hard constraints pairing them would break."""
    loaded = loader.load(
        cohort, settings=settings_for(cohort), include_unready=True, user_ids=[mentor.pk, mentee.pk]
    )
    broken = engine.check_pair(loaded.problem, 0, 0)
    return loaded, [str(explain.CONSTRAINTS[c]) for c in broken]


def add_rule(
    cohort: Cohort, *, mentor: Any, mentee: Any, kind: str, reason: str, by: Any
) -> PairRule:
    """A "never pair" or "keep this pair" rule. Both people must be the cohort's mentor and
    mentee. A lock that breaks a hard constraint is refused (MatchingError saying which); a
    rule for a pair that already has one replaces it."""
    if kind not in PairRule.Kind.values:
        raise MatchingError(_("Choose “never pair” or “keep this pair”."))
    _require_member(cohort, mentor, Role.MENTOR)
    _require_member(cohort, mentee, Role.MENTEE)
    if kind == PairRule.Kind.LOCK:
        _loaded, broken = _check(cohort, mentor, mentee)
        if broken:
            raise MatchingError(
                _("%(mentor)s and %(mentee)s cannot be kept together: %(why)s.")
                % {"mentor": mentor, "mentee": mentee, "why": "; ".join(broken)}
            )
    with transaction.atomic():
        rule, _created = PairRule.objects.update_or_create(
            cohort=cohort,
            mentor=mentor,
            mentee=mentee,
            defaults={"kind": kind, "reason": reason, "created_by": by,
                      "created_at": timezone.now()},
        )  # fmt: skip
        audit.record(by, f"matching.rule_{kind}", cohort, mentor=mentor.pk, mentee=mentee.pk)
    return rule


def remove_rule(rule: PairRule, *, by: Any) -> None:
    with transaction.atomic():
        audit.record(
            by, "matching.rule_removed", rule.cohort, mentor=rule.mentor_id, mentee=rule.mentee_id
        )
        PairRule.objects.filter(pk=rule.pk).delete()


# --- Runs -----------------------------------------------------------------------------------


def published_run(cohort: Cohort) -> Run | None:
    return Run.objects.filter(cohort=cohort, published_at__isnull=False).first()


def _considered(cohort: Cohort, include_unready: bool) -> tuple[int, int]:
    ids = dict(
        Membership.objects.filter(cohort=cohort, role__in=[Role.MENTOR, Role.MENTEE])
        .order_by()
        .values_list("user_id", "role")
    )
    if not include_unready:
        from flipside.training.readiness import ready_user_ids

        ready = ready_user_ids(cohort)
        ids = {uid: role for uid, role in ids.items() if uid in ready}
    counts = Counter(ids.values())
    return counts[Role.MENTOR], counts[Role.MENTEE]


def start_run(
    cohort: Cohort, *, by: Any, mode: str = Run.Mode.BEST, include_unready: bool = False,
    based_on: Run | None = None,
) -> Run:  # fmt: skip
    """Queue a run for the background worker. If one is already waiting or working for the
    cohort, that run is returned instead (a double submit starts one run). Refuses when the
    cohort is not at the matching or running stage, or a side has nobody (ready) to pair."""
    if mode not in Run.Mode.values:
        raise MatchingError(_("Choose how to weigh the pairs."))
    if cohort.stage not in (Stage.MATCHING, Stage.RUNNING):
        raise MatchingError(
            _("Proposals can be run when the cohort is at the matching stage; it is at the "
              "%(stage)s stage.") % {"stage": cohort.get_stage_display().lower()}
        )  # fmt: skip
    if published_run(cohort):
        raise MatchingError(
            _("This cohort's pairs are published. To change a pair, end it and find a new "
              "partner on the pairs page.")
        )  # fmt: skip
    working = cohort.matching_runs.filter(status__in=[Run.Status.QUEUED, Run.Status.RUNNING])
    if (existing := working.first()) is not None:
        return existing
    mentors, mentees = _considered(cohort, include_unready)
    ready = "" if include_unready else _(" ready")
    if not mentors or not mentees:
        side = _("student mentors") if not mentors else _("staff mentees")
        raise MatchingError(
            _("There are no%(ready)s %(side)s to pair yet. Check the readiness page, or "
              "include people who are not ready yet.") % {"ready": ready, "side": side}
        )  # fmt: skip
    settings = settings_for(cohort)
    number = (cohort.matching_runs.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            run = Run.objects.create(
                cohort=cohort, number=number, mode=mode, include_unready=include_unready,
                based_on=based_on, created_by=by, step=_("Waiting for the worker"),
                settings_used={
                    **{f: getattr(settings, f) for f in SETTINGS_FIELDS}, "mode": mode,
                    "include_unready": include_unready,
                },
            )  # fmt: skip
            audit.record(by, "matching.run_started", run, mode=mode)
    except IntegrityError:
        existing = working.first()
        if existing is None:
            raise
        return existing
    return run


def _progress(run: Run, percent: float, step: str) -> None:
    Run.objects.filter(pk=run.pk).update(
        progress=max(1, min(99, int(percent))),
        step=step[:120],
        claimed_until=timezone.now() + LEASE,
    )


def execute_run(run: Run) -> dict[str, float]:
    """Compute a claimed run: load, score, solve, save proposals and unmatched people.
    Returns timings in seconds: "load", "score", "solve", "check", "save". A refusal (such as a
    lock that now breaks a constraint) raises MatchingError with the message."""
    cohort = run.cohort
    settings = settings_for(cohort)
    started = time.perf_counter()
    _progress(run, 3, _("Reading applications"))
    try:
        loaded = loader.load(
            cohort, settings=settings, include_unready=run.include_unready, mode=run.mode,
            remaining_places=True,
        )  # fmt: skip
    except loader.NotReady as error:
        raise MatchingError(
            _("%(name)s is in a kept pair but is not ready yet. Let them through on the "
              "readiness page, include people who are not ready, or remove the lock.")
            % {"name": error.user}
        ) from error  # fmt: skip
    except loader.AlreadyFull as error:
        raise MatchingError(
            _("%(name)s is in a kept pair but already has as many partners as allowed in "
              "pairs that are running. Remove the lock, allow them more partners, or end one "
              "of their pairs on the pairs page.") % {"name": isolate(str(error.user))}
        ) from error  # fmt: skip
    problem = loaded.problem
    if not len(problem.mentors) or not len(problem.mentees):
        if loaded.full:
            raise MatchingError(
                _("There is nobody to pair on one side: everyone there already has as many "
                  "partners as allowed in pairs that are running.")
            )  # fmt: skip
        raise MatchingError(_("There is nobody to pair on one side."))
    load_s = time.perf_counter() - started

    def progress(percent: int, step: str) -> None:
        _progress(run, 10 + percent * 0.75, step)

    try:
        result = engine.solve(problem, progress=progress)
    except engine.BrokenLock as error:
        mentor, mentee = loaded.mentors[error.mentor], loaded.mentees[error.mentee]
        why = "; ".join(str(explain.CONSTRAINTS[c]) for c in error.constraints)
        raise MatchingError(
            _("The kept pair %(mentor)s and %(mentee)s now breaks a rule: %(why)s. Remove the "
              "lock or the rule, then run again.")
            % {"mentor": mentor, "mentee": mentee, "why": why}
        ) from error  # fmt: skip
    _progress(run, 88, _("Saving the proposal"))
    save_started = time.perf_counter()
    _save_result(run, loaded, result)
    save_s = time.perf_counter() - save_started
    return {
        "load": load_s,
        "score": result.timings.get("score", 0.0),
        "solve": result.timings.get("solve", 0.0),
        "check": result.timings.get("check", 0.0),
        "save": save_s,
    }


def _save_result(run: Run, loaded: loader.Loaded, result: engine.Result) -> None:
    proposals = []
    for (i, j), locked in zip(result.pairs.tolist(), result.locked.tolist(), strict=True):
        score, reasons, warnings = explain.pair_reasons(loaded, i, j)
        proposals.append(
            Proposal(
                run=run, mentor=loaded.mentors[i], mentee=loaded.mentees[j], score=score,
                reasons=reasons, warnings=warnings,
                source=Proposal.Source.LOCK if locked else Proposal.Source.SOLVER,
            )
        )  # fmt: skip
    unmatched = [
        Unmatched(
            run=run, user=user, role=role, reason=Unmatched.Reason.NOT_READY,
            detail=_("Still to do: %(steps)s.") % {"steps": "; ".join(missing)}
            if missing
            else _("Not ready to be paired yet: see the readiness page."),
        )
        for user, role, missing in loaded.unready
    ]  # fmt: skip
    unmatched += [
        Unmatched(
            run=run, user=full.user, role=full.role, reason=Unmatched.Reason.ALREADY_PAIRED,
            detail=_already_paired(full),
        )
        for full in loaded.full
    ]  # fmt: skip
    for people, role, places, other in (
        (loaded.mentors, Role.MENTOR, result.unplaced_mentors, _("staff mentees")),
        (loaded.mentees, Role.MENTEE, result.unplaced_mentees, _("student mentors")),
    ):
        for unplaced in places:
            reason = {
                "no_partner": Unmatched.Reason.NO_PARTNER,
                "conflict": Unmatched.Reason.CONFLICT,
            }.get(unplaced.reason, Unmatched.Reason.TAKEN)
            unmatched.append(
                Unmatched(
                    run=run, user=people[unplaced.index], role=role, reason=reason,
                    detail=explain.unplaced_detail(unplaced, other_side=str(other)),
                )
            )  # fmt: skip
    with transaction.atomic():
        run.proposals.all().delete()
        run.unmatched.all().delete()
        Proposal.objects.bulk_create(proposals, batch_size=2000)
        Unmatched.objects.bulk_create(unmatched, batch_size=2000)
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.DONE, progress=100, step=_("Done"), finished_at=timezone.now(),
            claimed_until=None, error="", matched=result.matched, total_score=result.total,
            min_score=result.minimum, solver=result.solver,
            mentors_considered=len(loaded.mentors), mentees_considered=len(loaded.mentees),
        )  # fmt: skip


def _already_paired(full: loader.Full) -> str:
    names = str(get_text_list([isolate(str(p)) for p in full.partners], _("and")))
    return ngettext(
        "Already paired with %(names)s, and may have %(n)d partner.",
        "Already paired with %(names)s, and may have %(n)d partners.",
        full.places,
    ) % {"names": names, "n": full.places}


def _fail(run: Run, message: str) -> None:
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.FAILED, error=message, finished_at=timezone.now(), claimed_until=None,
        step=_("Could not finish"),
    )  # fmt: skip


def process_runs(worker: str, *, limit: int = 1) -> int:
    """Claim and execute waiting runs (and runs whose worker's lease ran out). Returns the
    number handled. Called by the worker loop."""
    handled = 0
    now = timezone.now()
    waiting = Run.objects.filter(
        Q(status=Run.Status.QUEUED) | Q(status=Run.Status.RUNNING, claimed_until__lt=now)
    ).order_by("created_at", "id")
    for pk, status, claimed_until in waiting.values_list("pk", "status", "claimed_until")[:limit]:
        same = Q(claimed_until=claimed_until) if claimed_until else Q(claimed_until__isnull=True)
        claimed = Run.objects.filter(same, pk=pk, status=status).update(
            status=Run.Status.RUNNING, claimed_by=worker[:120], claimed_until=now + LEASE,
            attempts=F("attempts") + 1, started_at=now, progress=1, step=_("Starting"),
        )  # fmt: skip
        if not claimed:
            continue
        run = Run.objects.select_related("cohort__scheme").get(pk=pk)
        handled += 1
        try:
            execute_run(run)
        except MatchingError as error:
            _fail(run, str(error))
        except Exception:
            log.exception("Matching run %s failed", run.pk)
            if run.attempts >= MAX_ATTEMPTS:
                _fail(
                    run,
                    _("Something went wrong while computing this proposal, %(n)d times. "
                      "Try again; if it keeps happening, tell your administrator.")
                    % {"n": run.attempts},
                )  # fmt: skip
            else:
                Run.objects.filter(pk=run.pk).update(
                    status=Run.Status.QUEUED, claimed_until=None, step=_("Trying again")
                )
    return handled


# --- Adjusting a draft run (each takes the version the page showed) --------------------------


@contextmanager
def _editing(run: Run, version: int) -> Iterator[None]:
    """One edit of a draft run: all or nothing, and the run object matches the database
    afterwards whatever happened."""
    try:
        with transaction.atomic():
            _claim(run, version, edited_at=timezone.now())
            yield
    except Exception:
        run.refresh_from_db()
        raise


def _claim(run: Run, version: int, **changes: Any) -> None:
    """Inside a transaction: apply ``changes`` and bump the version, if the run is still the
    finished draft at the version the page showed; otherwise say why not."""
    updated = Run.objects.filter(
        pk=run.pk, version=version, status=Run.Status.DONE, published_at__isnull=True
    ).update(version=F("version") + 1, **changes)
    run.refresh_from_db()
    if updated:
        return
    if run.published_at:
        raise MatchingError(_("This proposal has been published; it can no longer be changed."))
    if run.status != Run.Status.DONE:
        raise MatchingError(_("This proposal is not finished."))
    raise StaleRun(
        _("Someone else changed this proposal since you opened it. Check the pairs below and "
          "try again."),
        latest=run,
    )  # fmt: skip


def _totals(run: Run) -> None:
    totals = run.proposals.aggregate(n=Count("id"), total=Sum("score"), low=Min("score"))
    Run.objects.filter(pk=run.pk).update(
        matched=totals["n"], total_score=totals["total"] or 0, min_score=totals["low"]
    )
    run.refresh_from_db()


def _locked(run: Run) -> set[tuple[int, int]]:
    return set(
        PairRule.objects.filter(cohort=run.cohort_id, kind=PairRule.Kind.LOCK).values_list(
            "mentor_id", "mentee_id"
        )
    )


def _proposal_of(run: Run, proposal: Proposal) -> Proposal:
    found = run.proposals.select_related("mentor", "mentee").filter(pk=proposal.pk).first()
    if found is None:
        raise StaleRun(_("That pair is no longer in this proposal."), latest=run)
    return found


def _rescore(run: Run, mentor: Any, mentee: Any) -> tuple[int, list[str], list[str], list[str]]:
    """Score, reasons, warnings and broken constraints for a pair in a run's cohort."""
    loaded, broken = _check(run.cohort, mentor, mentee)
    score, reasons, warnings = explain.pair_reasons(loaded, 0, 0)
    return score, reasons, warnings, broken


def _unmatch(run: Run, user: Any, role: str) -> None:
    if not run.proposals.filter(Q(mentor=user) | Q(mentee=user)).exists():
        Unmatched.objects.update_or_create(
            run=run, user=user,
            defaults={"role": role, "reason": Unmatched.Reason.REMOVED,
                      "detail": _("Taken out of a pair by a coordinator.")},
        )  # fmt: skip


def swap(run: Run, first: Proposal, second: Proposal, *, by: Any, version: int) -> Run:
    """Exchange the mentees of two proposals. Refused if either new pair breaks a hard
    constraint or is locked."""
    with _editing(run, version):
        a, b = _proposal_of(run, first), _proposal_of(run, second)
        if a.pk == b.pk:
            raise MatchingError(_("Choose two different pairs to swap."))
        locked = _locked(run)
        if {(a.mentor_id, a.mentee_id), (b.mentor_id, b.mentee_id)} & locked:
            raise MatchingError(_("A locked pair cannot be swapped. Unlock it first."))
        new = [(a, a.mentor, b.mentee), (b, b.mentor, a.mentee)]
        if run.proposals.filter(
            Q(mentor=a.mentor, mentee=b.mentee) | Q(mentor=b.mentor, mentee=a.mentee)
        ).exists():
            raise MatchingError(_("One of the new pairs is already in the proposal."))
        for proposal, mentor, mentee in new:
            score, reasons, warnings, broken = _rescore(run, mentor, mentee)
            if broken:
                raise MatchingError(
                    _("%(mentor)s and %(mentee)s cannot be paired: %(why)s.")
                    % {"mentor": mentor, "mentee": mentee, "why": "; ".join(broken)}
                )
            proposal.mentee, proposal.score = mentee, score
            proposal.reasons, proposal.warnings = reasons, warnings
            proposal.source = Proposal.Source.MANUAL
        # Free the unique (run, mentor, mentee) slots before writing the swapped pairs.
        Proposal.objects.filter(pk__in=[a.pk, b.pk]).delete()
        for proposal, _mentor, _mentee in new:
            proposal.pk = None
            proposal.save()
        _totals(run)
        audit.record(by, "matching.swapped", run, first=a.mentor_id, second=b.mentor_id)
    return run


def remove_proposal(run: Run, proposal: Proposal, *, by: Any, version: int) -> Run:
    """Take a pair out of the proposal (its people are listed as unmatched). Refused if
    locked."""
    with _editing(run, version):
        found = _proposal_of(run, proposal)
        if (found.mentor_id, found.mentee_id) in _locked(run):
            raise MatchingError(_("A locked pair cannot be removed. Unlock it first."))
        found.delete()
        _unmatch(run, found.mentor, Role.MENTOR)
        _unmatch(run, found.mentee, Role.MENTEE)
        _totals(run)
        audit.record(by, "matching.removed", run, mentor=found.mentor_id, mentee=found.mentee_id)
    return run


@dataclass
class Check:
    """What adding a pair by hand would mean: hard constraints broken (refused) and warnings
    (allowed after confirmation), with the pair's score."""

    score: int
    refusals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.refusals


class NeedsConfirmation(MatchingError):
    def __init__(self, check: Check) -> None:
        self.check = check
        super().__init__("; ".join(check.warnings))


def _capacity_of(cohort: Cohort, user: Any) -> int:
    found = Capacity.objects.filter(cohort=cohort, user=user).values_list("partners", flat=True)
    return found.first() or 1


def check_manual_pair(run: Run, *, mentor: Any, mentee: Any) -> Check:
    cohort = run.cohort
    for user, role in ((mentor, Role.MENTOR), (mentee, Role.MENTEE)):
        _require_member(cohort, user, role)
    score, _reasons, warnings, broken = _rescore(run, mentor, mentee)
    check = Check(score=score, refusals=list(broken), warnings=list(warnings))
    if run.proposals.filter(mentor=mentor, mentee=mentee).exists():
        check.refusals.append(_("they are already paired in this proposal"))
    running = _active_load(cohort)
    for user, field_name in ((mentor, "mentor"), (mentee, "mentee")):
        # Pairs already running use places too, wherever they came from.
        taken = run.proposals.filter(**{field_name: user}).count() + running[user.pk]
        if taken >= _capacity_of(cohort, user):
            check.refusals.append(
                _("%(name)s already has as many partners as allowed") % {"name": user}
            )
    from flipside.training.readiness import ready_user_ids

    ready = ready_user_ids(cohort)
    for user in (mentor, mentee):
        if user.pk not in ready:
            check.warnings.append(_("%(name)s is not ready yet.") % {"name": user})
    if score < LOW_SCORE:
        check.warnings.insert(0, _("Their score is low: %(score)d of 100.") % {"score": score})
    return check


def add_proposal(
    run: Run, *, mentor: Any, mentee: Any, by: Any, version: int, confirmed: bool = False
) -> Proposal:
    """Add a pair by hand. Refused (MatchingError) if a hard constraint is broken or either
    person is already at capacity in this run; with warnings and not ``confirmed`` raises
    NeedsConfirmation carrying the Check."""
    with _editing(run, version):
        check = check_manual_pair(run, mentor=mentor, mentee=mentee)
        if check.refusals:
            raise MatchingError(
                _("%(mentor)s and %(mentee)s cannot be paired: %(why)s.")
                % {"mentor": mentor, "mentee": mentee, "why": "; ".join(check.refusals)}
            )
        if check.warnings and not confirmed:
            raise NeedsConfirmation(check)
        _score, reasons, warnings, _broken = _rescore(run, mentor, mentee)
        # The pair's own warnings, as for proposed pairs: a low score and readiness are
        # shown from the score and from readiness as it is at the time.
        proposal = Proposal.objects.create(
            run=run, mentor=mentor, mentee=mentee, score=check.score, reasons=reasons,
            warnings=warnings, source=Proposal.Source.MANUAL,
        )  # fmt: skip
        for user in (mentor, mentee):
            if run.proposals.filter(Q(mentor=user) | Q(mentee=user)).count() >= _capacity_of(
                run.cohort, user
            ):
                run.unmatched.filter(user=user).delete()
        _totals(run)
        audit.record(by, "matching.added", run, mentor=mentor.pk, mentee=mentee.pk)
    return proposal


def toggle_lock(run: Run, proposal: Proposal, *, by: Any) -> bool:
    """Lock the pair (a "keep this pair" rule for later runs) or unlock it. True if now
    locked."""
    if not run.is_draft:
        raise MatchingError(_("Only a draft proposal's pairs can be locked or unlocked."))
    found = _proposal_of(run, proposal)
    rule = PairRule.objects.filter(
        cohort=run.cohort, mentor=found.mentor, mentee=found.mentee, kind=PairRule.Kind.LOCK
    ).first()
    if rule is not None:
        remove_rule(rule, by=by)
        return False
    add_rule(
        run.cohort, mentor=found.mentor, mentee=found.mentee, kind=PairRule.Kind.LOCK,
        reason=_("Locked in proposal %(n)d") % {"n": run.number}, by=by,
    )  # fmt: skip
    return True


def rerun(run: Run, *, by: Any) -> Run:
    """A new run with the same mode and options, keeping every lock."""
    return start_run(
        run.cohort, by=by, mode=run.mode, include_unready=run.include_unready, based_on=run
    )


# --- Publication --------------------------------------------------------------------------


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
    _claim(run, version, published_at=now, published_by=by)
    cohort = run.cohort
    _lock_pairs(cohort)
    if Run.objects.filter(cohort=cohort, published_at__isnull=False).exclude(pk=run.pk).exists():
        raise MatchingError(_("Another proposal for this cohort is already published."))
    proposals = list(run.proposals.select_related("mentor", "mentee").order_by("id"))
    if not proposals:
        raise MatchingError(_("There are no pairs to publish."))
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
    problems += _over_capacity(cohort, proposals)
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
    sent = 0
    for pair in pairs:
        _record_past_pair(cohort, pair.mentor, pair.mentee)
        sent += _introduce(pair)
    audit.record(by, "matching.published", run, pairs=len(pairs), emails=sent)
    run.refresh_from_db()
    return sent


def _over_capacity(cohort: Cohort, proposals: list[Proposal]) -> list[str]:
    """Who would have more partners than allowed with these pairs added to the pairs
    already running in the cohort."""
    load = _active_load(cohort)
    people = {p.mentor_id: p.mentor for p in proposals} | {p.mentee_id: p.mentee for p in proposals}
    load.update([p.mentor_id for p in proposals] + [p.mentee_id for p in proposals])
    capacity = dict(Capacity.objects.filter(cohort=cohort).values_list("user_id", "partners"))
    return [
        _("%(name)s would have %(n)d partners but may have %(allowed)d")
        % {"name": isolate(str(person)), "n": load[uid], "allowed": capacity.get(uid, 1)}
        for uid, person in people.items()
        if load[uid] > capacity.get(uid, 1)
    ]


# --- Published pairs and re-matching --------------------------------------------------------


def _lock_pairs(cohort: Cohort) -> None:
    """Inside a transaction, before counting a cohort's active pairs to add more: wait for
    any other transaction adding pairs to the cohort to finish, and keep others waiting
    until this one ends, so two coordinators at once cannot both use someone's last place.
    Capacities differ from person to person, so no database constraint can hold this; a
    lock on the cohort's row does (PostgreSQL). SQLite runs one writing transaction at a
    time, so there the count is already safe."""
    Cohort.objects.select_for_update().filter(pk=cohort.pk).values_list("pk").first()


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
        support = django_settings.SITE_URL + reverse("training:support")
        _tell_both(pair, "pair_ended", lambda partner, role: {"link": support})
        audit.record(by, "matching.pair_ended", pair)
    return pair


@dataclass
class Candidate:
    user: Any
    score: int
    reasons: list[str]


def _active_load(cohort: Cohort) -> Counter[int]:
    rows = Pair.objects.filter(cohort=cohort, status=Pair.Status.ACTIVE).values_list(
        "mentor_id", "mentee_id"
    )
    load: Counter[int] = Counter()
    for mentor_id, mentee_id in rows:
        load[mentor_id] += 1
        load[mentee_id] += 1
    return load


def rematch_candidates(cohort: Cohort, *, user: Any, limit: int = 5) -> list[Candidate]:
    """The best available partners for someone without an active pair: people on the other
    side with room for another partner, who may be paired with them. Other pairs are not
    touched."""
    loaded = loader.load(cohort, settings=settings_for(cohort), include_unready=True)
    mentor_at, mentee_at = loaded.mentor_index(), loaded.mentee_index()
    load = _active_load(cohort)
    before = set(
        Pair.objects.filter(cohort=cohort)
        .filter(Q(mentor=user) | Q(mentee=user))
        .values_list("mentor_id", "mentee_id")
    )
    problem = loaded.problem
    if user.pk in mentor_at:
        others, index = problem.mentees, {"mentor": mentor_at[user.pk]}
        people = loaded.mentees
    elif user.pk in mentee_at:
        others, index = problem.mentors, {"mentee": mentee_at[user.pk]}
        people = loaded.mentors
    else:
        raise MatchingError(
            _("%(name)s is not a mentor or mentee in this cohort.") % {"name": user}
        )
    used = np.array([load.get(int(uid), 0) for uid in others.ids], dtype=np.int16)
    spare = used < others.capacity
    earlier = {uid for pair in before for uid in pair} - {user.pk}
    spare &= ~np.isin(others.ids, list(earlier))
    found = engine.candidates(problem, spare=spare, limit=limit, **index)
    result = []
    for other, _score in found:
        i, j = (index["mentor"], other) if "mentor" in index else (other, index["mentee"])
        score, reasons, _warnings = explain.pair_reasons(loaded, i, j)
        result.append(Candidate(user=people[other], score=score, reasons=reasons))
    return result


def create_pair(cohort: Cohort, *, mentor: Any, mentee: Any, by: Any) -> Pair:
    """Pair two people outside a run (re-matching). Refused if a hard constraint is broken or
    either is at capacity. Both get an introduction email."""
    _require_member(cohort, mentor, Role.MENTOR)
    _require_member(cohort, mentee, Role.MENTEE)
    loaded, broken = _check(cohort, mentor, mentee)
    if broken:
        raise MatchingError(
            _("%(mentor)s and %(mentee)s cannot be paired: %(why)s.")
            % {"mentor": mentor, "mentee": mentee, "why": "; ".join(broken)}
        )
    score, reasons, _warnings = explain.pair_reasons(loaded, 0, 0)
    with transaction.atomic():
        _lock_pairs(cohort)
        if Pair.objects.filter(cohort=cohort, mentor=mentor, mentee=mentee).exists():
            raise MatchingError(
                _("%(mentor)s and %(mentee)s have been paired before in this cohort.")
                % {"mentor": mentor, "mentee": mentee}
            )
        load = _active_load(cohort)
        for user in (mentor, mentee):
            if load.get(user.pk, 0) >= _capacity_of(cohort, user):
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
        audit.record(by, "matching.pair_created", pair)
    return pair


@dataclass
class Comparison:
    both: list[tuple[Proposal, Proposal]]
    only_first: list[Proposal]
    only_second: list[Proposal]


def compare(first: Run, second: Run) -> Comparison:
    def pairs(run: Run) -> dict[tuple[int, int], Proposal]:
        rows = run.proposals.select_related("mentor", "mentee").order_by("-score", "id")
        return {(p.mentor_id, p.mentee_id): p for p in rows}

    a, b = pairs(first), pairs(second)
    return Comparison(
        both=[(a[k], b[k]) for k in a if k in b],
        only_first=[a[k] for k in a if k not in b],
        only_second=[b[k] for k in b if k not in a],
    )
