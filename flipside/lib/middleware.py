"""Cross-cutting request handling: request ids, session limits, caching rules."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """Give every request an id that error pages show and logs can be searched for."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex[:12]
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class SessionLimitsMiddleware:
    """End a signed-in session after an absolute limit, however active it has been.

    The idle limit is the session cookie age, renewed on every request.
    """

    key = "flipside_signed_in_at"

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(self.key, now)
            if now - int(started) > settings.SESSION_ABSOLUTE_LIMIT_SECONDS:
                logout(request)
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages for a signed-in person must not be kept by browsers or shared caches."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response
