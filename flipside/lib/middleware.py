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
    """End a signed-in session when it has been idle too long or open too long.

    The idle limit is the session's age (SESSION_COOKIE_AGE). Renewing it means saving the
    session, so it is renewed at most once every SESSION_RENEW_AFTER_SECONDS rather than on every
    request: a person is signed out between SESSION_COOKIE_AGE minus that interval and
    SESSION_COOKIE_AGE after their last request. Saving a session also sends the cookie again
    with a fresh max-age, so the browser's cookie and the stored session expire together.
    """

    key = "flipside_signed_in_at"
    renewed_key = "flipside_renewed_at"

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(self.key, now)
            if now - int(started) > settings.SESSION_ABSOLUTE_LIMIT_SECONDS:
                logout(request)
            elif now - int(request.session.get(self.renewed_key, 0)) >= (
                settings.SESSION_RENEW_AFTER_SECONDS
            ):
                # Marks the session modified: SessionMiddleware saves it with a new expiry.
                request.session[self.renewed_key] = now
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
