"""Refusals in the audit log, from one place so no view can forget (decision 0034).

Every ``PermissionDenied`` (a 403) and every object a permission helper or a view hid as
"not found" (``lib.denied.Hidden``, a 404) that reaches the top of a view is recorded: who,
which page and which address. An ordinary 404 (a mistyped address, a link to something
deleted) is not a refusal and is not recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from flipside.lib.denied import Hidden

from . import audit


class AuditRefusalsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            status = 403
        elif isinstance(exception, Hidden):
            status = 404
        else:
            return None
        match = request.resolver_match
        audit.record(
            request.user,
            "privacy.access.refused",
            None,
            status=status,
            page=match.view_name if match is not None else "",
            path=request.path[:300],
            method=request.method,
        )
        return None  # Django answers as it would have: the 403 or 404 page
