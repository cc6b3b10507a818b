"""Sign-ins, failed sign-ins, lockouts and sign-outs in the audit log (decision 0034).

Django and django-axes announce each with a signal, whichever page signed the person in or
out, so no page can forget. A failed attempt is recorded against the account of the address
typed, if there is one; an address with no account is not kept (people type their password
into the wrong box). Passwords and codes are never recorded.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from flipside.lib.email_address import canonical_email
from flipside.privacy import audit

from .models import User


def _account(address: Any) -> User | None:
    if not isinstance(address, str) or not address.strip():
        return None
    return User.objects.filter(email=canonical_email(address.strip())).first()


@receiver(user_logged_in, dispatch_uid="audit_signed_in")
def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit.record(user, "accounts.session.signed_in", user)


@receiver(user_logged_out, dispatch_uid="audit_signed_out")
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if getattr(user, "pk", None):
        audit.record(user, "accounts.session.signed_out", user)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # ``credentials`` holds the typed address (and the password, masked by Django): only
    # whether an account answers to the address is used.
    account = _account(credentials.get("username"))
    locked = bool(getattr(request, "axes_locked_out", False))
    # The person confirming their password while signed in is the actor; else nobody is.
    actor = getattr(request, "user", None)
    audit.record(actor, "accounts.session.sign_in_failed", account, locked_out=locked)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender: Any, request: HttpRequest | None, username: Any, **kwargs: Any) -> None:
    actor = getattr(request, "user", None)
    audit.record(actor, "accounts.session.locked_out", _account(username))
