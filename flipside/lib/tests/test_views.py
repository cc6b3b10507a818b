from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse

from flipside.lib.views import server_error

pytestmark = pytest.mark.django_db


def test_health_check_answers_ok_without_signing_in(client: Any) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_check_reports_an_unreachable_database(client: Any) -> None:
    with mock.patch(
        "flipside.lib.views.connection.cursor", side_effect=OperationalError("server closed")
    ):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_every_response_carries_a_request_id(client: Any) -> None:
    first = client.get(reverse("accounts:login"))["X-Request-ID"]
    second = client.get(reverse("accounts:login"))["X-Request-ID"]
    assert len(first) == 12 and first != second


def test_the_server_error_page_shows_the_request_id_and_needs_no_database() -> None:
    request = RequestFactory().get("/")
    request.request_id = "abc123def456"  # type: ignore[attr-defined]
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=AssertionError):
        response = server_error(request)
    assert response.status_code == 500
    assert b"abc123def456" in response.content
    assert b"Sorry, something went wrong" in response.content
