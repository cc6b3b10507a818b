"""Each person's private calendar feed: the page that creates or replaces its address, and the
feed itself, which calendar programs fetch without signing in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from flipside.accounts.types import AuthedRequest
from flipside.notifications.calendar import calendar_response

from ..services import feed as services

# The new address, kept in the session only until the page has shown it once.
JUST_MADE = "partnerships_feed_token"


def feed(request: AuthedRequest) -> HttpResponse:
    token = request.session.pop(JUST_MADE, None)
    current = services.feed_of(request.user)
    # Show the address only if it is still the current one (not replaced meanwhile).
    shown = token if current and token and services.owner_of(token) == request.user else None
    context = {
        "current": current,
        "address": services.feed_url(shown) if shown else "",
    }
    return render(request, "partnerships/feed.html", context)


@require_POST
def regenerate(request: AuthedRequest) -> HttpResponse:
    had_one = services.feed_of(request.user) is not None
    token = services.new_address(request.user)
    request.session[JUST_MADE] = token
    if had_one:
        messages.success(
            request, _("Your new calendar address is ready. The old one has stopped working.")
        )
    else:
        messages.success(request, _("Your calendar address is ready."))
    return redirect("partnerships:feed")


@login_not_required
@require_GET
def ics(request: HttpRequest, token: Any) -> HttpResponse:
    owner = services.owner_of(str(token)[:100])
    if owner is None:
        raise Http404
    response = calendar_response(services.feed_calendar(owner), "flipside.ics", attachment=False)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
