"""Adjusting a draft run by hand: swap two pairs' mentees, take a pair out, add a pair
(checked first, with warnings to confirm), lock or unlock a pair. Each edit takes the version
of the run the page showed and is refused (StaleRun) if someone changed it since."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.privacy import audit
from flipside.schemes.models import Role

from .. import explain
from ..models import PairRule, Proposal, Run, Unmatched
from .places import active_load, capacity_of
from .setup import MatchingError, StaleRun, add_rule, broken_rules, remove_rule, require_member

LOW_SCORE = 40  # a pair scoring below this is called low wherever pairs are checked


@contextmanager
def _editing(run: Run, version: int) -> Iterator[None]:
    """One edit of a draft run: all or nothing, and the run object matches the database
    afterwards whatever happened."""
    try:
        with transaction.atomic():
            claim(run, version, edited_at=timezone.now())
            yield
    except Exception:
        run.refresh_from_db()
        raise


def claim(run: Run, version: int, **changes: Any) -> None:
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
    by_score = run.proposals.order_by().values("score").annotate(n=Count("id"))
    Run.objects.filter(pk=run.pk).update(
        matched=totals["n"], total_score=totals["total"] or 0, min_score=totals["low"],
        scores={str(row["score"]): row["n"] for row in by_score},
    )  # fmt: skip
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
    loaded, broken = broken_rules(run.cohort, mentor, mentee)
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
        audit.record(by, "matching.proposal.swapped", run, first=a.mentor_id, second=b.mentor_id)
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
        audit.record(
            by, "matching.proposal.removed", run, mentor=found.mentor_id, mentee=found.mentee_id
        )
    return run


# --- Adding a pair by hand --------------------------------------------------------------


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


def check_manual_pair(run: Run, *, mentor: Any, mentee: Any) -> Check:
    cohort = run.cohort
    for user, role in ((mentor, Role.MENTOR), (mentee, Role.MENTEE)):
        require_member(cohort, user, role)
    score, _reasons, warnings, broken = _rescore(run, mentor, mentee)
    check = Check(score=score, refusals=list(broken), warnings=list(warnings))
    if run.proposals.filter(mentor=mentor, mentee=mentee).exists():
        check.refusals.append(_("they are already paired in this proposal"))
    running = active_load(cohort)
    for user, field_name in ((mentor, "mentor"), (mentee, "mentee")):
        # Pairs already running use places too, wherever they came from.
        taken = run.proposals.filter(**{field_name: user}).count() + running[user.pk]
        if taken >= capacity_of(cohort, user):
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
            if run.proposals.filter(Q(mentor=user) | Q(mentee=user)).count() >= capacity_of(
                run.cohort, user
            ):
                run.unmatched.filter(user=user).delete()
        _totals(run)
        audit.record(by, "matching.proposal.added", run, mentor=mentor.pk, mentee=mentee.pk)
    return proposal


# --- Locks ------------------------------------------------------------------------------


def set_lock(run: Run, proposal: Proposal, *, locked: bool, by: Any) -> bool:
    """Lock the pair (a "keep this pair" rule for later runs) or unlock it, as asked. True if
    that changed anything: asking again for the state the pair is already in (a double click,
    or a page drawn before another coordinator's change) changes nothing."""
    if not run.is_draft:
        raise MatchingError(_("Only a draft proposal's pairs can be locked or unlocked."))
    found = _proposal_of(run, proposal)
    rule = PairRule.objects.filter(
        cohort=run.cohort, mentor=found.mentor, mentee=found.mentee, kind=PairRule.Kind.LOCK
    ).first()
    if (rule is not None) == locked:
        return False
    if rule is not None:
        remove_rule(rule, by=by)
        return True
    add_rule(
        run.cohort, mentor=found.mentor, mentee=found.mentee, kind=PairRule.Kind.LOCK,
        reason=_("Locked in proposal %(n)d") % {"n": run.number}, by=by,
    )  # fmt: skip
    return True
