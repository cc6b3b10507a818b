"""Types for views behind the sign-in requirement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from .models import User

    class AuthedRequest(HttpRequest):
        """A request to a page that requires sign-in (LoginRequiredMiddleware ensures it)."""

        user: User
        htmx: HtmxDetails

else:
    AuthedRequest = HttpRequest
