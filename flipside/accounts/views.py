from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flipside.accounts.types import AuthedRequest
from flipside.lib.converters import parse_id
from flipside.schemes import permissions
from flipside.schemes.models import Cohort
from flipside.schemes.permissions import Action

from . import services
from .backends import SIGN_IN_BACKEND
from .forms import (
    AcceptInvitationForm,
    InviteForm,
    ProfileForm,
    QueuedPasswordResetForm,
    SignInForm,
)
from .middleware import recent_authentication_required
from .models import Invitation, User

sign_in = auth_views.LoginView.as_view(
    template_name="accounts/sign_in.html",
    authentication_form=SignInForm,
    redirect_authenticated_user=True,
)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Signing out ends every session of the person, on every device."""
    if request.user.is_authenticated:
        services.end_all_sessions(request.user)  # type: ignore[arg-type]
    logout(request)
    return redirect("accounts:login")


password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    form_class=QueuedPasswordResetForm,
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
# A new password needs a recent sign-in or confirmation (with a code, for people with one).
password_change = recent_authentication_required(
    auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html",
        success_url=reverse_lazy("accounts:password_change_done"),
    )
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)


def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    initial = {"display_name": user.display_name, "pronouns": user.pronouns}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user, **form.cleaned_data)
        messages.success(request, _("Your details are saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_not_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = services.find_invitation(token)
    if found is None:
        return render(request, "accounts/invitation_invalid.html", {"token": token}, status=404)
    if not found.is_usable:
        return render(
            request,
            "accounts/invitation_unusable.html",
            {"invitation": found, "token": token},
            status=410,
        )
    if request.user.is_authenticated:
        return _accept_signed_in(request, token, found)
    if User.objects.filter(email=found.email).exists():
        return render(request, "accounts/invitation_sign_in.html", {"invitation": found})
    form = AcceptInvitationForm(request.POST or None, email=found.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.accept_invitation_new_account(
                token,
                display_name=data["display_name"],
                pronouns=data["pronouns"],
                password=data["password1"],
            )
        except services.AccountsError as error:
            form.add_error(None, str(error))
        else:
            login(request, user, backend=SIGN_IN_BACKEND)
            messages.success(
                request,
                _("Welcome to Flipside. You have joined %(cohort)s.") % {"cohort": found.cohort},
            )
            return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"invitation": found, "form": form})


def _accept_signed_in(request: HttpRequest, token: str, found: Invitation) -> HttpResponse:
    if request.method != "POST":
        return render(request, "accounts/invitation_join.html", {"invitation": found})
    try:
        services.accept_invitation_as(token, user=request.user)  # type: ignore[arg-type]
    except services.AccountsError as error:
        messages.error(request, str(error))
        return render(request, "accounts/invitation_join.html", {"invitation": found})
    messages.success(request, _("You have joined %(cohort)s.") % {"cohort": found.cohort})
    return redirect("home")


@login_not_required
@require_POST
def invitation_request_new(request: HttpRequest, token: str) -> HttpResponse:
    found = services.request_new_invitation(token)
    if found is None:
        return render(request, "accounts/invitation_invalid.html", {"token": token}, status=404)
    return render(request, "accounts/invitation_requested.html", {"invitation": found})


def invite(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = permissions.get_cohort(request.user, cohort_id, Action.MANAGE)
    replacing = _invitation_to_replace(request, cohort)
    initial = {"email": replacing.email, "role": replacing.role} if replacing else None
    form = InviteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.invite_person(
                cohort, by=request.user, replaces=replacing, **form.cleaned_data
            )
        except services.AccountsError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": sent.email})
            return redirect("schemes:cohort_people", cohort.pk)
    context = {"form": form, "cohort": cohort, "replacing": replacing}
    return render(request, "accounts/invite.html", context)


def _invitation_to_replace(request: HttpRequest, cohort: Cohort) -> Invitation | None:
    """The invitation being corrected and sent again (``?replace=`` from the people page, then
    ``replaces`` in the form), or None; another cohort's, or a malformed id, is not found."""
    raw = request.POST.get("replaces") if request.method == "POST" else request.GET.get("replace")
    if not raw:
        return None
    found = parse_id(raw)
    if found is None:
        raise Http404
    return get_object_or_404(Invitation.objects.select_related("message"), pk=found, cohort=cohort)


@require_POST
def invitation_revoke(request: HttpRequest, cohort_id: int, invitation_id: int) -> HttpResponse:
    cohort = permissions.get_cohort(request.user, cohort_id, Action.MANAGE)
    found = get_object_or_404(Invitation, pk=invitation_id, cohort=cohort)
    services.revoke_invitation(found, by=request.user)
    messages.success(
        request, _("The invitation to %(email)s no longer works.") % {"email": found.email}
    )
    return redirect("schemes:cohort_people", cohort.pk)
