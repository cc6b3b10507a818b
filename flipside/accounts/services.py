"""Workflows for people: invitations and profiles."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flipside.lib.email_address import canonical_email
from flipside.notifications import outbox
from flipside.privacy import audit
from flipside.schemes.models import Cohort, Membership
from flipside.schemes.permissions import coordinators_of
from flipside.schemes.services import SchemeError, add_member

from .models import Invitation, User, hash_token


class AccountsError(Exception):
    """A change to a person or invitation that cannot be made; the message says why."""


class AccountExists(AccountsError):
    """The address (in its canonical form) already belongs to an account."""


def checked_email(email: str) -> str:
    """The canonical form of ``email``, or ``AccountsError`` saying what is wrong with it."""
    try:
        return canonical_email(email)
    except ValidationError as error:
        raise AccountsError(" ".join(error.messages)) from error


def create_account(email: str, *, password: str, display_name: str, pronouns: str = "") -> User:
    """The one way a person gets a new account (from an invitation or an application).

    Never reaches ``create_user`` with an address whose canonical twin has an account: that
    is ``AccountExists``, which pages turn into "sign in instead". Call inside a transaction.
    """
    email = checked_email(email)
    exists = AccountExists(_("You already have an account: sign in to continue."))
    if User.objects.filter(email=email).exists():
        raise exists
    try:
        with transaction.atomic():  # a savepoint: a twin made a moment ago fails only this
            return User.objects.create_user(
                email, password, display_name=display_name, pronouns=pronouns
            )
    except IntegrityError as error:
        raise exists from error
    except ValidationError as error:
        if User.objects.filter(email=email).exists():
            raise exists from error
        raise AccountsError(" ".join(error.messages)) from error


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:invitation", args=[token])


def invite_person(
    cohort: Cohort, *, email: str, role: str, by: Any, replaces: Invitation | None = None
) -> Invitation:
    """Invite ``email`` to ``cohort`` as ``role`` and email them a single-use link.

    Inviting someone who already has a pending invitation to this cohort sends a fresh link
    and retires the old one, so double submits leave exactly one usable invitation.
    ``replaces`` (a pending invitation to this cohort, say one whose email could not be
    delivered) is retired too, whatever its address: how a coordinator corrects an address.
    """
    email = checked_email(email)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Invitations to one cohort are made one at a time, so a double submit cannot leave
        # two pending rows (or trip the one-pending constraint) however the requests race.
        Cohort.objects.select_for_update().get(pk=cohort.pk)
        if Membership.objects.filter(cohort=cohort, user__email=email).exists():
            raise AccountsError(_("%(email)s is already in this cohort.") % {"email": email})
        now = timezone.now()
        _retire(cohort, email=email, replaces=replaces, by=by, now=now)
        expires = now + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)
        invitation = Invitation.objects.create(
            cohort=cohort,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=by,
            created_at=now,
            expires_at=expires,
        )
        audit.record(by, "accounts.invitation.sent", invitation, email=email, role=role)
        invitation.message = outbox.enqueue(
            "invitation",
            to=email,
            user=User.objects.filter(email=email).first(),
            scheme=cohort.scheme,
            values={
                "cohort": str(cohort),
                "scheme": cohort.scheme.name,
                "role": str(invitation.get_role_display()),
                "inviter": str(by),
                "link": invitation_url(token),
                "expires_on": formats.date_format(timezone.localtime(expires), "j F Y"),
            },
        )
        invitation.save(update_fields=["message"])
    return invitation


def _retire(
    cohort: Cohort, *, email: str, replaces: Invitation | None, by: Any, now: datetime.datetime
) -> None:
    """Revoke the pending invitations a new one takes over: any to the same address, and
    ``replaces``. The rows are kept, revoked, so their links say "replaced", not "not found"."""
    retired = Q(email=email)
    if replaces is not None:
        if not Invitation.objects.pending().filter(cohort=cohort, pk=replaces.pk).exists():
            raise AccountsError(
                _("The invitation to %(email)s has been answered or cancelled since.")
                % {"email": replaces.email}
            )
        retired |= Q(pk=replaces.pk)
    for old in Invitation.objects.pending().filter(retired, cohort=cohort):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        audit.record(by, "accounts.invitation.replaced", old)


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("cohort__scheme", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def _claim(token: str) -> Invitation:
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise AccountsError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise AccountsError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise AccountsError(_("This invitation has been replaced by a newer one."))
    if invitation.is_expired:
        raise AccountsError(_("This invitation has expired."))
    return invitation


def _join(invitation: Invitation, user: User) -> None:
    try:
        add_member(invitation.cohort, user=user, role=invitation.role, by=user)
    except SchemeError as error:
        raise AccountsError(str(error)) from error
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(user, "accounts.invitation.accepted", invitation)


def accept_invitation_new_account(
    token: str, *, display_name: str, pronouns: str, password: str
) -> User:
    """Create the invitee's account from the link and add them to the cohort. Works once."""
    with transaction.atomic():
        invitation = _claim(token)
        user = create_account(
            invitation.email, password=password, display_name=display_name, pronouns=pronouns
        )
        _join(invitation, user)
    return user


def accept_invitation_as(token: str, *, user: User) -> Invitation:
    """A signed-in person accepts an invitation sent to their own address."""
    with transaction.atomic():
        invitation = _claim(token)
        if invitation.email != user.email:
            raise AccountsError(
                _(
                    "This invitation was sent to a different email address. Sign out and open "
                    "the link again, or ask the coordinator to invite %(email)s."
                )
                % {"email": user.email}
            )
        _join(invitation, user)
    return invitation


def request_new_invitation(token: str) -> Invitation | None:
    """Tell the coordinators that the holder of an expired or used link wants a new one.

    Asking again within a day sends nothing more.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("cohort")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if invitation is None or invitation.accepted_at is not None:
            return invitation
        recent = timezone.now() - datetime.timedelta(days=1)
        if invitation.new_link_requested_at and invitation.new_link_requested_at > recent:
            return invitation
        invitation.new_link_requested_at = timezone.now()
        invitation.save(update_fields=["new_link_requested_at"])
        audit.record(None, "accounts.invitation.new_link_requested", invitation)
        for coordinator in coordinators_of(invitation.cohort):
            outbox.enqueue(
                "invitation_requested",
                to=coordinator.email,
                user=coordinator,
                scheme=invitation.cohort.scheme,
                values={
                    "email": invitation.email,
                    "cohort": str(invitation.cohort),
                    "link": settings.SITE_URL
                    + reverse("accounts:invite", args=[invitation.cohort_id]),
                },
            )
    return invitation


def update_profile(user: User, *, display_name: str, pronouns: str) -> User:
    with transaction.atomic():
        user.display_name = display_name
        user.pronouns = pronouns
        user.save(update_fields=["display_name", "pronouns"])
        Membership.objects.filter(user=user).update(sort_name=display_name)
        audit.record(user, "accounts.profile.updated", user)
    return user


def revoke_invitation(invitation: Invitation, *, by: Any) -> Invitation:
    with transaction.atomic():
        updated = (
            Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now())
        )
        if updated:
            audit.record(by, "accounts.invitation.revoked", invitation)
    invitation.refresh_from_db()
    return invitation


def end_all_sessions(user: User) -> None:
    """Sign the person out on every device: their sessions' signatures stop matching."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
