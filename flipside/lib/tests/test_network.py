from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from flipside.lib.network import client_ip


def test_without_a_proxy_the_forwarded_header_is_ignored(settings: Any) -> None:
    settings.BEHIND_TLS_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"


def test_behind_the_proxy_the_address_it_appended_counts_not_a_forged_one(settings: Any) -> None:
    settings.BEHIND_TLS_PROXY = True
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert client_ip(request) == "198.51.100.7"
