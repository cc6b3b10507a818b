"""Public calls and applicants' own applications (being built)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def call_public(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def start(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def verify(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def my_applications(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def application(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def withdraw(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def equality(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError
