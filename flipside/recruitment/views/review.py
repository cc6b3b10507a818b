"""Coordinators' recruitment pages (being built)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def scheme_setup(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def call_list(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def call_create(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def import_staff(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def call_edit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def application_list(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def bulk_decide(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def export(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def review(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def score(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def note(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def decide(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError
