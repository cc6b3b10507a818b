"""How erasure handles the account and sign-in tables (see flipside/privacy/erasure.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from flipside.privacy import erasure

from .models import Invitation, User

E = erasure


def _sessions_of(context: E.Context) -> Iterable[Any]:
    """Delete the person's sessions (their ids are inside the signed data, not in a column)."""
    user_id = str(context.user.pk)
    ids = []
    for session in Session.objects.iterator():
        # A session that does not decode reads as empty: it names no one.
        if str(session.get_decoded().get("_auth_user_id", "")) == user_id:
            ids.append(session.pk)
    Session.objects.filter(pk__in=ids).delete()
    return ids


def _anonymise_account(context: E.Context) -> Iterable[Any]:
    """The account stays, so what is kept can still point at it, but names no one: an
    unusable password, a random unusable address, no name or pronouns, inactive, signed out."""
    user: User = context.user
    user.email = f"{secrets.token_hex(12)}@{E.ERASED_DOMAIN}"
    user.display_name = E.ERASED_NAME
    user.pronouns = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.session_epoch += 1
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return [user.pk]


def _by_username(model: Any) -> Any:
    def rows(user_id: int) -> QuerySet[Any]:
        email = User.objects.get(pk=user_id).email
        return model.objects.filter(username__iexact=email)

    return rows


E.declare(
    "accounts.User",
    E.ANONYMISE,
    why="The account is kept as “Erased person”, so the records kept for other people "
    "still point somewhere; it has no name, no address that works and cannot sign in.",
    rows=lambda uid: User.objects.filter(pk=uid),
    custom=_anonymise_account,
    order=100,
    noun="account",
    own_names=["*"],
)
E.declare(
    "accounts.User_groups",
    E.KEEP,
    why="Cleared with the account.",
)
E.declare(
    "accounts.User_user_permissions",
    E.KEEP,
    why="Cleared with the account.",
)
E.declare(
    "accounts.Invitation",
    E.DELETE,
    why="Invitations sent to their address are deleted.",
    rows=lambda uid: Invitation.objects.filter(
        Q(accepted_by_id=uid) | Q(email__iexact=User.objects.get(pk=uid).email)
    ),
    noun="invitations to them",
)
E.declare(
    "sessions.Session",
    E.DELETE,
    why="They are signed out everywhere.",
    custom=_sessions_of,
)
E.declare(
    "otp_totp.TOTPDevice",
    E.DELETE,
    why="Their authenticator app is removed.",
    rows=lambda uid: TOTPDevice.objects.filter(user_id=uid),
    noun="authenticator apps",
)
E.declare(
    "otp_static.StaticToken",
    E.DELETE,
    why="Their backup codes are removed.",
    rows=lambda uid: StaticToken.objects.filter(device__user_id=uid),
    noun="backup codes",
)
E.declare(
    "otp_static.StaticDevice",
    E.DELETE,
    why="Their backup codes are removed.",
    rows=lambda uid: StaticDevice.objects.filter(user_id=uid),
    order=1,
    noun="sets of backup codes",
)
E.declare(
    "axes.AccessAttemptExpiration",
    E.DELETE,
    why="Records of failed sign-ins with their address are deleted.",
    rows=lambda uid: AccessAttemptExpiration.objects.filter(
        access_attempt__username__iexact=User.objects.get(pk=uid).email
    ),
    noun="sign-in lockouts",
)
E.declare(
    "axes.AccessAttempt",
    E.DELETE,
    why="Records of failed sign-ins with their address are deleted.",
    rows=_by_username(AccessAttempt),
    order=1,
    noun="failed sign-ins",
)
E.declare(
    "axes.AccessFailureLog",
    E.DELETE,
    why="Records of failed sign-ins with their address are deleted.",
    rows=_by_username(AccessFailureLog),
    noun="failed sign-ins",
)
E.declare(
    "axes.AccessLog",
    E.DELETE,
    why="Records of their sign-ins are deleted.",
    rows=_by_username(AccessLog),
    noun="sign-ins",
)
