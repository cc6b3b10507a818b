from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from flipside.lib.types import AuthedRequest

from . import preferences
from .forms import PreferenceForm
from .models import Preference


def preference_edit(request: AuthedRequest) -> HttpResponse:
    current = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)
    form = PreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        preferences.set_optional_email(
            request.user, enabled=form.cleaned_data["optional_email"], by=request.user
        )
        messages.success(request, _("Your email choices are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# Mail programs send the one-click unsubscribe POST (RFC 8058) without a CSRF token; the
# signed token in the link is what authorises it, and it can only turn email off.
@csrf_exempt
@login_not_required
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user_id = preferences.user_id_for_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        preferences.set_optional_email(user, enabled=False, by=user)
        return render(request, "notifications/unsubscribed.html", {"person": user})
    return render(request, "notifications/unsubscribe.html", {"person": user})
