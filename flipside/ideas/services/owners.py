"""Owners of ideas, inviting new ones, marking them left; the board's settings.

An owner is a senior member of staff: someone already known to Flipside, found with the
person picker, or a new person invited by name and address. A new person gets an account
made by ``accounts.services.create_account`` with a random password nobody knows, and an
email (a secret kind) with Django's password-reset link, which works once within
``PASSWORD_RESET_TIMEOUT``; after that the sign-in page's "forgot your password" sends
another. No token of our own.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from flipside.accounts.models import User
from flipside.accounts.services import AccountsError, checked_email, create_account
from flipside.lib.text import isolate
from flipside.notifications import outbox
from flipside.privacy import audit
from flipside.schemes.models import Organisation

from ..models import CLOSED, Idea, IdeaChange, IdeaSettings, Owner
from . import IdeaConflict, IdeasError
from .ideas import idea_url, stale


def owner_row(organisation_id: int, user: User) -> Owner | None:
    return Owner.objects.filter(organisation_id=organisation_id, user=user).first()


def assign_owner(idea: Idea, *, by: User, owner: User, version: int) -> Idea:
    """Make ``owner`` the idea's owner, who then reaches it. Refused for someone who has
    left the organisation, and for a merged or decided idea."""
    with transaction.atomic():
        locked = Idea.objects.select_for_update().get(pk=idea.pk)
        if locked.version != version:
            raise stale(locked)
        if locked.merged_into_id is not None:
            raise IdeasError(_("This idea was merged into another: give that one an owner."))
        if locked.status in CLOSED:
            raise IdeasError(_("This idea's decision is made: its owner can no longer change."))
        row, _made = Owner.objects.get_or_create(
            organisation_id=locked.organisation_id,
            user=owner,
            defaults={"added_by": by, "added_at": timezone.now()},
        )
        if row.has_left:
            raise IdeasError(
                _(
                    "%(name)s has left the organisation and cannot be given new ideas. Choose "
                    "someone else."
                )
                % {"name": isolate(owner.display_name)},
                field="person",
            )
        if locked.owner_id == owner.pk and not locked.needs_new_owner:
            return locked  # a double submit: nothing to change
        was = locked.owner
        locked.owner, locked.needs_new_owner = owner, False
        locked.version += 1
        locked.save()
        IdeaChange.objects.create(
            at=timezone.now(),
            idea=locked,
            kind=IdeaChange.Kind.OWNER,
            by=by,
            from_status=locked.status,
            to_status=locked.status,
            note=_("Owner: %(name)s") % {"name": owner.display_name},
        )
        audit.record(
            by,
            "ideas.idea.owner_assigned",
            locked,
            owner=owner.pk,
            previous=was.pk if was else None,
        )
        outbox.enqueue(
            "idea_assigned",
            to=owner.email,
            user=owner,
            scheme=locked.cohort.scheme,
            values={
                "idea": locked.title,
                "organisation": locked.organisation.name,
                "link": idea_url(locked),
            },
        )
    return locked


def invite_owner(idea: Idea, *, by: User, name: str, email: str, version: int) -> Idea:
    """Give the idea to a new person: an account for ``email`` (or the one it already has)
    and, for a new account, an email with a link to set a password."""
    address = _checked(email)
    with transaction.atomic():
        person = User.objects.filter(email=address).first()
        if person is not None:
            return assign_owner(idea, by=by, owner=person, version=version)
        try:
            person = create_account(address, password=secrets.token_urlsafe(32), display_name=name)
        except AccountsError as error:
            raise IdeasError(str(error), field="email") from error
        audit.record(by, "ideas.owner.invited", person, idea=idea.pk)
        assigned = assign_owner(idea, by=by, owner=person, version=version)
        outbox.enqueue(
            "idea_owner_invited",
            to=person.email,
            user=person,
            scheme=idea.cohort.scheme,
            values={
                "idea": idea.title,
                "organisation": idea.organisation.name,
                "email": person.email,
                "link": set_password_url(person),
            },
        )
    return assigned


def _checked(email: str) -> str:
    try:
        return checked_email(email)
    except AccountsError as error:
        raise IdeasError(str(error), field="email") from error


def set_password_url(user: User) -> str:
    """Django's password-reset link for ``user``: single use, valid for an hour."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL + path


def mark_left(owner: Owner, *, by: User) -> int:
    """Record that ``owner`` has left the organisation: they reach no idea any more, are
    given no new ones, and each of their open ideas is flagged as needing a new owner.
    Returns how many were flagged. Marking twice changes nothing."""
    with transaction.atomic():
        locked = Owner.objects.select_for_update().get(pk=owner.pk)
        if locked.has_left:
            return 0
        locked.left_at = timezone.now()
        locked.save(update_fields=["left_at"])
        open_ideas = (
            Idea.objects.select_for_update()
            .filter(
                organisation_id=locked.organisation_id,
                owner_id=locked.user_id,
                merged_into__isnull=True,
            )
            .exclude(status__in=CLOSED)
        )
        flagged = 0
        for idea in open_ideas:
            idea.needs_new_owner = True
            idea.version += 1
            idea.save(update_fields=["needs_new_owner", "version"])
            IdeaChange.objects.create(
                at=timezone.now(),
                idea=idea,
                kind=IdeaChange.Kind.OWNER_LEFT,
                by=by,
                from_status=idea.status,
                to_status=idea.status,
                note=_("The owner has left: it needs a new owner."),
            )
            flagged += 1
        audit.record(by, "ideas.owner.left", locked, flagged=flagged)
    return flagged


def settings_of(organisation: Organisation) -> IdeaSettings:
    found, _made = IdeaSettings.objects.get_or_create(organisation=organisation)
    return found


def update_board_settings(
    organisation: Organisation, *, by: User, public_board: bool, version: int
) -> IdeaSettings:
    """Turn the public board on (at a new unguessable address) or off."""
    settings_of(organisation)
    with transaction.atomic():
        row = IdeaSettings.objects.select_for_update().get(pk=organisation.pk)
        if row.version != version:
            raise IdeaConflict(_("These settings changed since you opened them."), latest=row)
        if row.public_board != public_board:
            row.public_board = public_board
            row.public_token = secrets.token_urlsafe(24) if public_board else ""
            row.version += 1
            row.save()
            audit.record(
                by, "ideas.board.published" if public_board else "ideas.board.hidden", organisation
            )
    return row
