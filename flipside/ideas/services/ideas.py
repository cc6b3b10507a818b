"""Recording ideas, moving them through their states, merging duplicates and proposers'
choice to be named.

A status moves one step forward at a time, or ends as not taken forward with a reason; an
idea needs an owner from acceptance on, and saying it is done needs what was done. Every
change locks the idea, checks the version the form was drawn on, writes a history row and an
audit entry, and queues an email to each proposer who has not turned that kind off.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.notifications import outbox
from flipside.partnerships.models import ReflectionEvent
from flipside.privacy import audit, crypto
from flipside.schemes.models import Cohort

from ..models import (
    CLOSED,
    NEEDS_OWNER,
    NEXT,
    TEXT_MAX_LENGTH,
    Idea,
    IdeaChange,
    Proposer,
    Source,
    Status,
)
from . import IdeaConflict, IdeasError


def stale(latest: Idea) -> IdeaConflict:
    return IdeaConflict(
        _("This idea changed since you opened it. Check what is saved now, then try again."),
        latest=latest,
    )


def record_idea(
    cohort: Cohort,
    *,
    by: User,
    title: str,
    description: str,
    area: str,
    level: str,
    experience: str = "",
    source: str = Source.PERSON,
    proposers: Sequence[User] = (),
    named: bool = False,
    event: ReflectionEvent | None = None,
    submit_key: str = "",
) -> Idea:
    """Record an idea raised in ``cohort`` by ``proposers`` (none when coordinators enter one
    from a reflection event). ``named`` is the choice of ``by`` (if a proposer): the others
    choose for themselves later. The same ``submit_key`` from the same person records once:
    a double submit returns the idea the first one made."""
    if event is not None and event.cohort_id != cohort.pk:
        raise IdeasError(_("Choose a reflection event of this cohort."), field="event")
    if len(experience) > TEXT_MAX_LENGTH:
        raise IdeasError(
            _("Use at most %(n)s characters.") % {"n": TEXT_MAX_LENGTH}, field="experience"
        )
    if source == Source.ANONYMOUS:
        named = False  # through the coordinators: the name is theirs to know, nobody else's
    if submit_key:
        found = Idea.objects.filter(created_by=by, submit_key=submit_key).first()
        if found is not None:
            return found
    try:
        with transaction.atomic():
            idea = Idea.objects.create(
                organisation_id=cohort.scheme.organisation_id,
                cohort=cohort,
                title=title,
                description=description,
                area=area,
                level=level,
                experience_ciphertext=crypto.encrypt({"text": experience}),
                source=source,
                event=event,
                created_by=by,
                submit_key=submit_key,
                created_at=timezone.now(),
                status_changed_at=timezone.now(),
            )
            for person in dict.fromkeys(proposers):
                Proposer.objects.create(
                    idea=idea, user=person, named=named and person == by, added_at=timezone.now()
                )
            IdeaChange.objects.create(
                at=timezone.now(),
                idea=idea,
                kind=IdeaChange.Kind.RECORDED,
                by=by,
                to_status=Status.PROPOSED,
            )
            audit.record(
                by,
                "ideas.idea.recorded",
                idea,
                cohort=cohort.pk,
                source=source,
                proposers=len(proposers),
            )
    except IntegrityError:
        found = Idea.objects.filter(created_by=by, submit_key=submit_key).first()
        if submit_key and found is not None:
            return found  # the other of two identical submits made it a moment ago
        raise
    return idea


def experience_of(idea: Idea) -> str | None:
    """The experience behind the idea, decrypted ("" when none was given; None when it can
    no longer be read). The only reader: callers show it to those ``Access.sees_experience``
    allows, never on the board."""
    try:
        return str(crypto.decrypt(idea.experience_ciphertext).get("text", ""))
    except crypto.DecryptionError:
        return None


def _locked(idea: Idea, version: int) -> Idea:
    """The idea, locked, if it is still at ``version``; else ``IdeaConflict``."""
    locked = Idea.objects.select_for_update().get(pk=idea.pk)
    if locked.version != version:
        raise stale(locked)
    return locked


def check_move(idea: Idea, to: str, *, reason: str, outcome: str) -> None:
    """Why ``idea`` cannot move to ``to`` (``IdeasError``), or nothing."""
    if idea.merged_into_id is not None:
        raise IdeasError(_("This idea was merged into another: change that one instead."))
    if idea.status in CLOSED:
        raise IdeasError(_("This idea's decision is made: its status can no longer change."))
    if to == Status.NOT_TAKEN:
        if not reason.strip():
            raise IdeasError(
                _("Say why the idea is not being taken forward. Its proposers will read this."),
                field="reason",
            )
        return
    if to == idea.status:
        raise IdeasError(_("The idea is already at that status."), field="status")
    step = NEXT.get(Status(idea.status))
    if to != step:
        shown = Status(step).label if step else ""
        raise IdeasError(
            _(
                "An idea moves one step at a time: from here it can go to “%(step)s” or be not "
                "taken forward."
            )
            % {"step": shown},
            field="status",
        )
    if to in NEEDS_OWNER and idea.owner_id is None:
        raise IdeasError(_("Give the idea an owner before accepting it."), field="status")
    if to in NEEDS_OWNER and idea.needs_new_owner:
        raise IdeasError(_("The idea's owner has left: give it a new owner first."), field="status")
    if to == Status.DONE and not outcome.strip():
        raise IdeasError(
            _("Say what was done. Everyone who can see the board will read this."),
            field="outcome",
        )


def change_status(
    idea: Idea,
    *,
    by: User,
    to: str,
    version: int,
    note: str = "",
    reason: str = "",
    outcome: str = "",
) -> Idea:
    """Move ``idea`` to ``to``: see ``check_move`` for what is allowed. The note (and the
    reason or what was done) goes in the history, on the idea's page and in the proposers'
    email."""
    with transaction.atomic():
        locked = _locked(idea, version)
        check_move(locked, to, reason=reason, outcome=outcome)
        was = locked.status
        locked.status = to
        locked.status_changed_at = timezone.now()
        if to == Status.NOT_TAKEN:
            locked.reason = reason.strip()
        if to == Status.DONE:
            locked.outcome = outcome.strip()
        locked.version += 1
        locked.save()
        said = "\n\n".join(part.strip() for part in (note, reason, outcome) if part.strip())
        IdeaChange.objects.create(
            at=timezone.now(),
            idea=locked,
            kind=IdeaChange.Kind.STATUS,
            by=by,
            from_status=was,
            to_status=to,
            note=said,
        )
        verb = _verb(to)
        audit.record(by, f"ideas.idea.{verb}", locked, **{"from": was, "to": to})
        _tell_proposers(locked, said)
    return locked


def _verb(status: str) -> str:
    return {
        Status.CONSIDERING: "considered",
        Status.ACCEPTED: "accepted",
        Status.IN_PROGRESS: "started",
        Status.DONE: "done",
        Status.NOT_TAKEN: "declined",
    }.get(Status(status), "changed")


def idea_url(idea: Idea) -> str:
    return settings.SITE_URL + reverse("ideas:idea", args=[idea.pk])


def _tell_proposers(idea: Idea, note: str) -> None:
    """Queue the status email to each proposer (those who turned the kind off get none)."""
    people = User.objects.filter(
        pk__in=Proposer.objects.filter(idea=idea).values("user"), is_active=True
    )
    scheme = idea.cohort.scheme
    for person in people:
        outbox.enqueue(
            "idea_status_changed",
            to=person.email,
            user=person,
            scheme=scheme,
            values={
                "idea": idea.title,
                "status": str(Status(idea.status).label),
                "note": note,
                "link": idea_url(idea),
            },
        )


def merge_ideas(
    duplicate: Idea, *, into: Idea, by: User, version: int, owner: User | None = None
) -> Idea:
    """Merge ``duplicate`` into ``into``: the duplicate points at the kept idea and leaves
    every list; its proposers become the kept idea's (each keeping their choice to be named),
    and its history is shown with the kept idea's. When both have different owners, ``owner``
    says which to keep; without it nothing changes. The kept idea keeps its status."""
    if duplicate.pk == into.pk:
        raise IdeasError(
            _("Choose another idea: an idea cannot be merged into itself."), field="into"
        )
    if duplicate.organisation_id != into.organisation_id:
        raise IdeasError(_("Choose an idea of the same organisation."), field="into")
    with transaction.atomic():
        first, second = sorted([duplicate.pk, into.pk])  # always locked in the same order
        rows = {i.pk: i for i in Idea.objects.select_for_update().filter(pk__in=[first, second])}
        dup, kept = rows[duplicate.pk], rows[into.pk]
        if dup.version != version:
            raise stale(dup)
        if dup.merged_into_id is not None:
            raise IdeasError(_("This idea was already merged into another."))
        if kept.merged_into_id is not None:
            raise IdeasError(
                _("That idea was itself merged into another: choose that one."), field="into"
            )
        chosen = _owner_to_keep(dup, kept, owner)
        for proposer in Proposer.objects.filter(idea=dup):
            Proposer.objects.get_or_create(
                idea=kept, user_id=proposer.user_id, defaults={"named": proposer.named}
            )
        dup.merged_into = kept
        dup.version += 1
        dup.save()
        if chosen is not None and chosen.pk != kept.owner_id:
            kept.owner = chosen
            kept.needs_new_owner = dup.needs_new_owner if chosen.pk == dup.owner_id else False
        kept.version += 1
        kept.save()
        note = _("“%(dup)s” was merged into “%(kept)s”.") % {"dup": dup.title, "kept": kept.title}
        for idea in (dup, kept):
            IdeaChange.objects.create(
                at=timezone.now(),
                idea=idea,
                kind=IdeaChange.Kind.MERGED,
                by=by,
                from_status=idea.status,
                to_status=idea.status,
                note=note,
            )
        audit.record(
            by, "ideas.idea.merged", dup, into=kept.pk, owner=chosen.pk if chosen else None
        )
    return kept


def _owner_to_keep(dup: Idea, kept: Idea, owner: User | None) -> User | None:
    """The owner the kept idea ends with: the one chosen when the two differ."""
    owners = {pk for pk in (dup.owner_id, kept.owner_id) if pk is not None}
    if len(owners) < 2:
        return dup.owner if kept.owner_id is None else kept.owner
    if owner is None or owner.pk not in owners:
        raise IdeasError(
            _("The two ideas have different owners. Choose which owner to keep."), field="owner"
        )
    return owner


def set_named(idea: Idea, *, by: User, named: bool) -> Proposer:
    """A proposer's own choice to be named on the board (or not); only theirs."""
    with transaction.atomic():
        proposer = Proposer.objects.select_for_update().filter(idea=idea, user=by).first()
        if proposer is None:
            raise IdeasError(_("Only the people who raised an idea choose whether to be named."))
        if idea.source == Source.ANONYMOUS and named:
            raise IdeasError(_("This idea was raised anonymously, so no name is shown."))
        if proposer.named != named:
            proposer.named = named
            proposer.save(update_fields=["named"])
            audit.record(by, "ideas.proposer.named" if named else "ideas.proposer.unnamed", idea)
    return proposer
