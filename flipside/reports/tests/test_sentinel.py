"""Leadership sees aggregates only: in every report page and file an observer can fetch for
the demo's closed cohort and its scheme, no person's name, email or account appears, and the
pages that list people are not found for them.

The demo gives a closed cohort with applications, pairs, meetings, timesheets, surveys with
answers and ideas. Every person in it (but the observer) is given a name and address made of
a unique sentinel string, and the names the demo gave them are searched for as well, since
some records keep a copy of a name."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from conftest import join, make_user
from flipside.accounts.models import User
from flipside.reports import selectors
from flipside.schemes.models import Cohort, Membership, Role, Stage

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def sentinel(pk: int) -> str:
    return f"Zqx{pk}Sentinel"


@pytest.fixture
def demo(settings: Any, db: Any) -> tuple[Cohort, User, list[str]]:
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    cohort = Cohort.objects.select_related("scheme").filter(stage=Stage.CLOSED).first()
    assert cohort is not None, "the demo has a closed cohort"
    secrets: list[str] = []
    for user in User.objects.all():
        secrets += [user.display_name, user.email]
        user.display_name, user.email = sentinel(user.pk), f"{sentinel(user.pk).lower()}@zq.test"
        user.save(update_fields=["display_name", "email"])
        secrets += [user.display_name, user.email]
    for membership in Membership.objects.select_related("user"):
        membership.sort_name = membership.user.display_name
        membership.save(update_fields=["sort_name"])
    observer = join(cohort, Role.OBSERVER, make_user("Lee Leadership", email="lee@lead.test"))
    return cohort, observer, [s for s in secrets if len(s) > 3]


def texts_of(response: Any) -> str:
    if response.get("Content-Type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ):
        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


def report_urls(cohort: Cohort) -> list[str]:
    urls = [
        reverse("reports:cohort", args=[cohort.pk]),
        reverse("reports:cohort_workbook", args=[cohort.pk]),
        reverse("reports:scheme", args=[cohort.scheme_id]),
        reverse("reports:scheme_workbook", args=[cohort.scheme_id]),
    ]
    for table in selectors.cohort_report(cohort).tables:
        for fmt in ("csv", "xlsx"):
            urls.append(reverse("reports:cohort_table", args=[cohort.pk, table.key, fmt]))
    for table in selectors.scheme_report(cohort.scheme).tables:
        for fmt in ("csv", "xlsx"):
            urls.append(reverse("reports:scheme_table", args=[cohort.scheme_id, table.key, fmt]))
    return urls


def test_an_observers_reports_and_files_name_nobody(
    demo: tuple[Cohort, User, list[str]], client: Any
) -> None:
    cohort, observer, secrets = demo
    client.force_login(observer)
    urls = report_urls(cohort)
    assert len(urls) > 6  # the reports have tables
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = texts_of(response)
        found = [s for s in secrets if s.lower() in text.lower()]
        assert not found, f"{url} shows {found}"
        assert "sentinel" not in text.lower(), url
        assert not EMAIL.search(text), f"{url} shows an email address"
        assert "/people/" not in text and "user_id" not in text, url


def test_an_observer_gets_not_found_from_the_pages_that_list_people(
    demo: tuple[Cohort, User, list[str]], client: Any
) -> None:
    cohort, observer, _ = demo
    client.force_login(observer)
    for name in ("matching:pairs", "schemes:cohort_people", "matching:overview"):
        assert client.get(reverse(name, args=[cohort.pk])).status_code == 404, name
