"""Every download a coordinator or observer can make is recorded in the audit log, once
(decision 0034). The downloads are found, not listed: every URL either role may open is
fetched, and each answer that is a file (an attachment, or not a web page) must have added
exactly one entry saying what was downloaded."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World
from flipside.privacy.models import AuditEntry
from tests.test_access_matrix import EXPECTED, all_url_names, url_for

pytestmark = pytest.mark.django_db

# The verbs of an entry that records a download.
DOWNLOAD_VERBS = (".exported", ".downloaded")


def _is_download(response: object) -> bool:
    disposition = response.get("Content-Disposition", "")  # type: ignore[attr-defined]
    kind = response.get("Content-Type", "")  # type: ignore[attr-defined]
    return disposition.startswith("attachment") or not kind.startswith("text/html")


def _entries_after(last: int) -> list[str]:
    return list(AuditEntry.objects.filter(pk__gt=last).values_list("action", flat=True))


def _fetch_all(client: Client, world: World, role: str) -> dict[str, list[str]]:
    """Each download ``role`` may make, with the audit entries it added."""
    found: dict[str, list[str]] = {}
    for name in all_url_names():
        if EXPECTED[name][role] != 200 or name in {"healthz", "partnerships:feed_ics"}:
            continue
        url = url_for(name, world)
        last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url)
        if response.status_code == 200 and _is_download(response):
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
            found[name] = [a for a in _entries_after(last) if a.endswith(DOWNLOAD_VERBS)]
    return found


@pytest.mark.parametrize("role", ["coordinator", "observer"])
def test_every_download_is_recorded_once(client: Client, world: World, role: str) -> None:
    client.force_login(getattr(world, role))

    found = _fetch_all(client, world, role)

    assert found, "no downloads found: the walk is broken"
    unrecorded = {name: actions for name, actions in found.items() if len(actions) != 1}
    assert not unrecorded, f"downloads without exactly one audit entry: {unrecorded}"
