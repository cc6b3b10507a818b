"""Runs: queueing a proposal for the background worker, and the worker claiming, computing
and saving it (load, score, solve, save the pairs with their reasons and who is unmatched).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import Counter
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flipside.lib.text import isolate
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Membership, Role, Stage

from .. import engine, explain, loader
from ..models import MatchingSettings, Proposal, Run, Unmatched
from .setup import SETTINGS_FIELDS, MatchingError, settings_for

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 3


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
            audit.record(by, "matching.run.started", run, mode=mode)
    except IntegrityError:
        existing = working.first()
        if existing is None:
            raise
        return existing
    return run


def rerun(run: Run, *, by: Any) -> Run:
    """A new run with the same mode and options, keeping every lock."""
    return start_run(
        run.cohort, by=by, mode=run.mode, include_unready=run.include_unready, based_on=run
    )


# --- The worker -------------------------------------------------------------------------


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


def _fail(run: Run, message: str) -> None:
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED, error=message, finished_at=timezone.now(),
            claimed_until=None, step=_("Could not finish"),
        )  # fmt: skip
        audit.record(None, "matching.run.failed", run, attempts=run.attempts)


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
    settings = settings_for(run.cohort)
    started = time.perf_counter()
    _progress(run, 3, _("Reading applications"))
    loaded = _load(run, settings)
    load_s = time.perf_counter() - started

    def progress(percent: int, step: str) -> None:
        _progress(run, 10 + percent * 0.75, step)

    result = _solve(loaded, progress)
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


def _load(run: Run, settings: MatchingSettings) -> loader.Loaded:
    """The run's people as the engine's problem. Refused (MatchingError) if a kept pair has
    someone left out, or a side has nobody to pair."""
    try:
        loaded = loader.load(
            run.cohort, settings=settings, include_unready=run.include_unready, mode=run.mode,
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
    return loaded


def _solve(loaded: loader.Loaded, progress: engine.Progress) -> engine.Result:
    """The engine's pairs; a kept pair that now breaks a rule is refused (MatchingError)."""
    try:
        return engine.solve(loaded.problem, progress=progress)
    except engine.BrokenLock as error:
        mentor, mentee = loaded.mentors[error.mentor], loaded.mentees[error.mentee]
        why = "; ".join(str(explain.CONSTRAINTS[c]) for c in error.constraints)
        raise MatchingError(
            _("The kept pair %(mentor)s and %(mentee)s now breaks a rule: %(why)s. Remove the "
              "lock or the rule, then run again.")
            % {"mentor": mentor, "mentee": mentee, "why": why}
        ) from error  # fmt: skip


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
    unmatched = _unmatched(run, loaded, result)
    with transaction.atomic():
        run.proposals.all().delete()
        run.unmatched.all().delete()
        Proposal.objects.bulk_create(proposals, batch_size=2000)
        Unmatched.objects.bulk_create(unmatched, batch_size=2000)
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.DONE, progress=100, step=_("Done"), finished_at=timezone.now(),
            claimed_until=None, error="", matched=result.matched, total_score=result.total,
            min_score=result.minimum, solver=result.solver,
            scores={str(score): n for score, n in Counter(p.score for p in proposals).items()},
            mentors_considered=len(loaded.mentors), mentees_considered=len(loaded.mentees),
        )  # fmt: skip
        audit.record(None, "matching.run.finished", run, matched=result.matched)


def _unmatched(run: Run, loaded: loader.Loaded, result: engine.Result) -> list[Unmatched]:
    """Everyone the run leaves without a partner, with why: not ready, already paired in
    running pairs, or unplaced by the engine."""
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
    return unmatched


def _already_paired(full: loader.Full) -> str:
    names = str(get_text_list([isolate(str(p)) for p in full.partners], _("and")))
    return ngettext(
        "Already paired with %(names)s, and may have %(n)d partner.",
        "Already paired with %(names)s, and may have %(n)d partners.",
        full.places,
    ) % {"names": names, "n": full.places}
