"""Pages of the second factor: set-up, the code after the password, backup codes, a
confirmation before sensitive changes, and the reset an organisation coordinator makes."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.schemes import permissions

from . import second_factor as services
from .forms import CodeForm, ConfirmIdentityForm, ResetSecondFactorForm, SetUpCodeForm
from .middleware import (
    note_authenticated,
    recent_authentication_required,
    second_factor_passed,
)

_PENDING_KEY = "flipside_pending_totp_key"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return (
        target if allowed and target.startswith("/") else resolve_url(settings.LOGIN_REDIRECT_URL)
    )


def _passed(request: AuthedRequest, device: django_otp.models.Device) -> None:
    django_otp.login(request, device)
    request.session.cycle_key()  # a new session id for the fully signed-in session
    note_authenticated(request)


def second_factor(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context = {
        "needed": services.needs_second_factor(user),
        "device": services.authenticator(user),
        "codes_left": services.backup_codes_left(user),
        "can_reset": permissions.coordinated_organisations(user).exists(),
    }
    return render(request, "accounts/second_factor.html", context)


def second_factor_verify(request: AuthedRequest) -> HttpResponse:
    if second_factor_passed(request):
        return redirect(_next_url(request))
    if services.authenticator(request.user) is None:
        query = urlencode({"next": _next_url(request)})
        return redirect(reverse("accounts:second_factor_setup") + "?" + query)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = services.verify(request.user, form.cleaned_data["code"])
        except services.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            _passed(request, verified.device)
            if verified.backup_codes_left is not None:
                messages.warning(request, _backup_used(verified.backup_codes_left))
            return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request), "before_second_step": True}
    return render(request, "accounts/second_factor_verify.html", context)


def _backup_used(left: int) -> str:
    return _(
        "You used a backup code: %(n)s left. Make new ones from your account page if you "
        "are running out."
    ) % {"n": left}


def second_factor_setup(request: AuthedRequest) -> HttpResponse:
    """The first set-up after the password; setting up again (a new phone) needs the current
    code and a recent confirmation, so a password alone cannot replace someone's app."""
    has_app = services.authenticator(request.user) is not None
    if has_app and not second_factor_passed(request):
        return redirect("accounts:second_factor_verify")
    if not has_app and not services.needs_second_factor(request.user):
        return redirect("accounts:second_factor")
    if has_app:
        return _setup_again(request)
    return _setup(request)


@recent_authentication_required
def _setup_again(request: AuthedRequest) -> HttpResponse:
    return _setup(request)


def _setup(request: AuthedRequest) -> HttpResponse:
    key = request.session.get(_PENDING_KEY) or services.new_secret()
    request.session[_PENDING_KEY] = key
    form = SetUpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.set_up(request.user, key=key, code=form.cleaned_data["code"])
        except services.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            del request.session[_PENDING_KEY]
            _passed(request, services.authenticator(request.user))  # type: ignore[arg-type]
            return _show_codes(request, codes, first=True)
    uri = services.otpauth_uri(request.user, key)
    context = {
        "form": form,
        "secret": services.base32_secret(key),
        "qr": services.qr_svg(uri),
        "next": _next_url(request),
        "before_second_step": not second_factor_passed(request),
    }
    return render(request, "accounts/second_factor_setup.html", context)


def _show_codes(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    context = {"codes": codes, "first": first, "next": _next_url(request)}
    return render(request, "accounts/second_factor_codes.html", context)


@require_POST
@recent_authentication_required
def second_factor_backup_codes(request: AuthedRequest) -> HttpResponse:
    try:
        codes = services.new_backup_codes(request.user)
    except services.SecondFactorError as error:
        messages.error(request, str(error))
        return redirect("accounts:second_factor")
    return _show_codes(request, codes, first=False)


def confirm_identity(request: AuthedRequest) -> HttpResponse:
    """Ask for the password (and a code, for people with an app) again before a change of
    password or second factor. Wrong passwords count towards the sign-in lockout."""
    user = request.user
    with_code = services.authenticator(user) is not None
    form = ConfirmIdentityForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if authenticate(request, username=user.email, password=data["password"]) != user:
            form.add_error("password", _("That is not your password."))
        elif with_code:
            try:
                services.verify(user, data["code"])
            except services.SecondFactorError as error:
                form.add_error("code", str(error))
        if not form.errors:
            note_authenticated(request)
            return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/confirm_identity.html", context)


def second_factor_reset(request: AuthedRequest) -> HttpResponse:
    """An organisation coordinator resets the second factor of someone in their
    organisation who has lost both their app and their backup codes."""
    permissions.require_organisation_coordinator(request.user)
    form = ResetSecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = services.resettable_person(request.user, form.cleaned_data["email"])
        if person is None:
            form.add_error("email", _("Nobody with that address takes part in your organisation."))
        else:
            services.reset(person, by=request.user)
            messages.success(
                request,
                _("%(email)s's second factor is reset: they set it up again at their next "
                  "sign-in, and have been told by email.") % {"email": person.email},
            )  # fmt: skip
            return redirect("accounts:second_factor_reset")
    return render(request, "accounts/second_factor_reset.html", {"form": form})
