"""Sign-in steps that apply to every page, so no view can forget them."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from flipside.schemes.models import Membership, OrganisationCoordinator, SchemeCoordinator

from .models import User
from .second_factor import needs_second_factor

Handler = Callable[[HttpRequest], HttpResponse]

# The pages a person who has given their password but not yet their code may open.
SECOND_STEP_PAGES = frozenset(
    {"accounts:second_factor_verify", "accounts:second_factor_setup", "accounts:logout"}
)
# When the person last proved who they are (sign-in, a code, or the confirmation page).
AUTHENTICATED_AT = "flipside_authenticated_at"
# That the person needs no second factor, remembered by the session so that their roles are
# not read on each of their requests: [their id, their roles epoch, until when]. A role given
# or taken away raises the epoch, so the next request decides again; anything that changes
# roles without saving a row (a bulk insert) is caught within ``RECHECK_SECONDS``.
NOT_NEEDED = "flipside_second_factor_not_needed"
RECHECK_SECONDS = 60


def second_factor_passed(request: HttpRequest) -> bool:
    """Whether this session's person gave a code (or set up their app) after their password.
    The device is not read on every request: resetting it ends the person's sessions."""
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


class SecondFactorMiddleware:
    """Send a coordinator or observer who has signed in with their password, but not yet
    given a code, to the code page (or to set up their app) from every page but those."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or second_factor_passed(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SECOND_STEP_PAGES:
            return None
        if not _needs_second_factor(request):
            return None
        target = reverse("accounts:second_factor_verify")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


def _needs_second_factor(request: HttpRequest) -> bool:
    """Whether the signed-in person needs a second factor: read from their roles, unless the
    session remembers, for their current roles and less than a minute, that they do not."""
    user = cast(User, request.user)
    now = time.time()
    remembered = request.session.get(NOT_NEEDED)
    if (
        isinstance(remembered, list)
        and len(remembered) == 3
        and remembered[:2] == [user.pk, user.roles_epoch]
        and now < remembered[2] <= now + RECHECK_SECONDS
    ):
        return False
    needed = needs_second_factor(user)
    if needed:
        request.session.pop(NOT_NEEDED, None)
    else:
        request.session[NOT_NEEDED] = [user.pk, user.roles_epoch, now + RECHECK_SECONDS]
    return needed


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
@receiver(post_save, sender=SchemeCoordinator)
@receiver(post_delete, sender=SchemeCoordinator)
@receiver(post_save, sender=OrganisationCoordinator)
@receiver(post_delete, sender=OrganisationCoordinator)
def _roles_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A role given, changed or taken away: the person's sessions decide again whether they
    need a second factor, from their next request."""
    User.objects.filter(pk=instance.user_id).update(roles_epoch=F("roles_epoch") + 1)


@receiver(user_logged_in)
def _note_sign_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        note_authenticated(request)


def note_authenticated(request: HttpRequest) -> None:
    request.session[AUTHENTICATED_AT] = int(time.time())


def recently_authenticated(request: HttpRequest) -> bool:
    at = int(request.session.get(AUTHENTICATED_AT, 0))
    return time.time() - at <= settings.RECENT_AUTHENTICATION_SECONDS


V = TypeVar("V", bound=Callable[..., Any])


def recent_authentication_required(view: V) -> V:
    """For changes of password and second factor: the person must have signed in, or
    confirmed their password (and code), in the last few minutes; else they are asked to."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if recently_authenticated(request):
            return view(request, *args, **kwargs)
        # A form posted too late goes back to the page it came from, to be sent again.
        back = (
            request.get_full_path()
            if request.method == "GET"
            else reverse("accounts:second_factor")
        )
        return redirect(reverse("accounts:confirm_identity") + "?" + urlencode({"next": back}))

    return cast(V, wrapped)
