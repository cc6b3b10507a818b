"""The audit log's events (sign-ins, refusals), where each entry belongs, and the page where
coordinators search and download their part of it (decision 0034)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_cohort, make_user, response_text
from flipside.privacy import audit
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Membership
from tests.hostile import NOT_DATES, NOT_IDS, NOT_NUMBERS, TEXT

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
PAGE = reverse("privacy:audit_log")
EXPORT = reverse("privacy:audit_log_export")


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def actions(**filters: Any) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("id").values_list("action", flat=True)
    )


def every_value(entry: AuditEntry) -> str:
    return " ".join(str(v) for v in AuditEntry.objects.filter(pk=entry.pk).values_list()[0])


# --- Where an entry belongs ---------------------------------------------------------------


def test_an_entry_belongs_to_its_records_cohort_scheme_and_organisation(world: World) -> None:
    membership = Membership.objects.get(user=world.mentor, cohort=world.cohort)

    on_cohort = audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    on_membership = audit.record(world.coordinator, "schemes.membership.added", membership)
    on_scheme = audit.record(world.coordinator, "schemes.scheme.updated", world.scheme)

    for entry in (on_cohort, on_membership):
        assert (entry.organisation_id, entry.scheme_id, entry.cohort_id) == (
            world.organisation.pk,
            world.scheme.pk,
            world.cohort.pk,
        )
    assert (on_scheme.organisation_id, on_scheme.scheme_id, on_scheme.cohort_id) == (
        world.organisation.pk,
        world.scheme.pk,
        None,
    )


def test_a_person_or_no_record_belongs_to_no_organisation(world: World) -> None:
    about_person = audit.record(world.mentor, "accounts.profile.updated", world.mentor)
    about_nothing = audit.record(None, "accounts.session.sign_in_failed")

    assert about_person.organisation_id is None
    assert (about_nothing.object_type, about_nothing.object_id) == ("", "")
    assert audit.verify_chain() == []


def test_the_place_is_not_hashed_so_emptying_it_breaks_no_chain(world: World) -> None:
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    audit.record(world.coordinator, "schemes.scheme.updated", world.scheme)

    # What deleting the organisation does (SET NULL), done directly.
    AuditEntry.objects.update(organisation=None, scheme=None, cohort=None)

    assert audit.verify_chain() == []


# --- Sign-ins -----------------------------------------------------------------------------


def test_signing_in_and_out_are_recorded(client: Client, world: World) -> None:
    sign_in(client, "mentor@example.ac.uk")
    client.post(reverse("accounts:logout"))

    assert actions(actor=world.mentor) == [
        "accounts.session.signed_in",
        "accounts.session.signed_out",
    ]


def test_a_wrong_password_is_recorded_against_the_account_without_the_password(
    client: Client, world: World
) -> None:
    sign_in(client, "MENTOR@example.ac.uk", "Hunter2-not-the-password")

    entry = AuditEntry.objects.get(action="accounts.session.sign_in_failed")
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(world.mentor.pk))
    assert entry.actor is None and entry.actor_label == "anonymous"
    assert "Hunter2" not in every_value(entry)


def test_an_address_with_no_account_is_not_kept(client: Client, world: World) -> None:
    # People type their password into the address box; it must not land in the log.
    sign_in(client, "my-secret-password@example.ac.uk", "whatever")

    entry = AuditEntry.objects.get(action="accounts.session.sign_in_failed")
    assert (entry.object_type, entry.object_id, entry.object_label) == ("", "", "")
    assert "my-secret-password" not in every_value(entry)


def test_a_lockout_is_recorded(client: Client, world: World) -> None:
    for _ in range(5):
        sign_in(client, "mentor@example.ac.uk", "not the right password")

    assert sign_in(client, "mentor@example.ac.uk").status_code == 429
    assert AuditEntry.objects.filter(
        action="accounts.session.locked_out", object_id=str(world.mentor.pk)
    ).exists()
    assert not AuditEntry.objects.filter(action="accounts.session.signed_in").exists()


# --- Refusals -----------------------------------------------------------------------------


def test_a_forbidden_page_is_recorded_as_refused(client: Client, world: World) -> None:
    client.force_login(world.observer)

    assert client.get(reverse("schemes:create")).status_code == 403

    entry = AuditEntry.objects.get(action="privacy.access.refused")
    assert entry.actor == world.observer
    assert entry.details == {
        "status": 403,
        "page": "schemes:create",
        "path": reverse("schemes:create"),
        "method": "GET",
    }


def test_an_object_hidden_as_not_found_is_recorded_as_refused(client: Client, world: World) -> None:
    client.force_login(world.outsider)
    url = reverse("schemes:detail", args=[world.scheme.pk])

    assert client.get(url).status_code == 404

    entry = AuditEntry.objects.get(action="privacy.access.refused")
    assert (entry.actor, entry.details["status"], entry.details["path"]) == (
        world.outsider,
        404,
        url,
    )


@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("matching:partner", "get"),  # a coordinator is in no pair of the cohort
        ("training:handbook_acknowledge", "post"),  # nor takes part in the scheme
    ],
)
def test_a_page_a_view_finds_is_not_theirs_is_recorded_as_refused(
    client: Client, world: World, route: str, method: str
) -> None:
    # Past the permission helper (the coordinator may read the cohort and the scheme), the
    # view itself finds the person has no part here: a refusal, answered as not found.
    client.force_login(world.coordinator)
    arg = world.cohort.pk if route.startswith("matching") else world.scheme.pk
    url = reverse(route, args=[arg])

    assert getattr(client, method)(url).status_code == 404

    entry = AuditEntry.objects.get(action="privacy.access.refused")
    assert (entry.actor, entry.details["status"], entry.details["page"]) == (
        world.coordinator,
        404,
        route,
    )


def test_a_mistyped_address_is_not_a_refusal(client: Client, world: World) -> None:
    client.force_login(world.outsider)

    assert client.get("/no-such-page/").status_code == 404

    assert not AuditEntry.objects.filter(action="privacy.access.refused").exists()


# --- The page: who reads what -------------------------------------------------------------


@pytest.fixture
def log(world: World) -> dict[str, AuditEntry]:
    """One entry of each kind, ours and another organisation's."""
    other_cohort = make_cohort(world.scheme, label="2027/28")
    stranger = make_user("Stan Stranger", email="stranger@example.ac.uk")
    return {
        "cohort": audit.record(world.coordinator, "schemes.cohort.updated", world.cohort),
        "other_cohort": audit.record(world.coordinator, "schemes.cohort.updated", other_cohort),
        "scheme": audit.record(world.org_coordinator, "schemes.scheme.updated", world.scheme),
        "elsewhere": audit.record(world.outsider, "schemes.cohort.updated", world.other_cohort),
        "mentor_in": audit.record(world.mentor, "accounts.session.signed_in", world.mentor),
        "mentor_failed": audit.record(
            AnonymousUser(), "accounts.session.sign_in_failed", world.mentor
        ),
        "stranger_in": audit.record(stranger, "accounts.session.signed_in", stranger),
        "outsider_in": audit.record(world.outsider, "accounts.session.signed_in", world.outsider),
    }


def shown(client: Client, query: str = "") -> set[int]:
    response = client.get(PAGE + query)
    assert response.status_code == 200
    return {entry.pk for entry, _description in response.context["rows"]}


def ids(log: dict[str, AuditEntry], *names: str) -> set[int]:
    return {log[name].pk for name in names}


def test_an_organisation_coordinator_reads_their_organisation_and_their_peoples_sign_ins(
    client: Client, world: World, log: dict[str, AuditEntry]
) -> None:
    client.force_login(world.org_coordinator)

    found = shown(client)

    assert ids(log, "cohort", "other_cohort", "scheme", "mentor_in", "mentor_failed") <= found
    assert not ids(log, "elsewhere", "stranger_in", "outsider_in") & found


def test_a_scheme_coordinator_reads_their_schemes_entries_but_no_sign_ins(
    client: Client, world: World, log: dict[str, AuditEntry]
) -> None:
    client.force_login(world.coordinator)

    found = shown(client)

    assert ids(log, "cohort", "other_cohort", "scheme") <= found
    assert not ids(log, "elsewhere", "mentor_in", "mentor_failed", "stranger_in") & found


def test_a_cohort_coordinator_reads_only_their_cohorts_entries(
    client: Client, world: World, log: dict[str, AuditEntry]
) -> None:
    client.force_login(world.cohort_coordinator)

    found = shown(client)

    assert log["cohort"].pk in found
    assert not ids(log, "other_cohort", "scheme", "elsewhere", "mentor_in") & found


def test_another_organisations_coordinator_reads_none_of_ours(
    client: Client, world: World, log: dict[str, AuditEntry]
) -> None:
    client.force_login(world.outsider)

    found = shown(client)

    assert log["elsewhere"].pk in found
    assert not ids(log, "cohort", "other_cohort", "scheme", "mentor_in") & found


@pytest.mark.parametrize("role", ["mentor", "mentee", "observer", "nobody"])
def test_people_who_coordinate_nothing_are_refused(client: Client, world: World, role: str) -> None:
    client.force_login(getattr(world, role))

    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


# --- Searching ----------------------------------------------------------------------------


def test_the_filters_narrow_the_list(
    client: Client, world: World, log: dict[str, AuditEntry]
) -> None:
    client.force_login(world.org_coordinator)

    own = set(AuditEntry.objects.filter(actor=world.org_coordinator).values_list("pk", flat=True))
    assert shown(client, "?kind=people") - own == ids(log, "mentor_in", "mentor_failed")
    assert ids(log, "cohort", "scheme") <= shown(client, "?kind=changes")
    assert not ids(log, "mentor_in") & shown(client, "?kind=changes")
    assert shown(client, "?group=accounts.session") - own == ids(log, "mentor_in", "mentor_failed")
    assert shown(client, "?q=mo+mentor") == ids(log, "mentor_in", "mentor_failed")
    assert shown(client, "?actor=lead%40") >= ids(log, "scheme")
    assert not ids(log, "cohort") & shown(client, "?actor=lead%40")
    by_record = f"?object_type=schemes.cohort&object_id={world.cohort.pk}"
    assert shown(client, by_record) == ids(log, "cohort")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    assert shown(client, f"?start={tomorrow}") == set()
    assert ids(log, "cohort") <= shown(client, f"?end={tomorrow}")


def test_rows_read_in_plain_english_with_the_code(
    client: Client, world: World, log: dict[str, AuditEntry]
) -> None:
    client.force_login(world.org_coordinator)

    page = response_text(client.get(PAGE + "?kind=people"))

    assert "Signed in" in page and "accounts.session.signed_in" in page
    assert "Sign-in failed" in page and "Someone not signed in" in page


def test_a_nonsense_filter_is_ignored_not_an_error(
    client: Client, world: World, log: dict[str, AuditEntry]
) -> None:
    client.force_login(world.org_coordinator)

    assert shown(client, "?group=nonsense&start=31-31-2026&kind=x") >= ids(log, "cohort")


def test_searching_and_downloading_are_themselves_recorded(
    client: Client, world: World, log: dict[str, AuditEntry]
) -> None:
    client.force_login(world.org_coordinator)

    client.get(PAGE + "?q=mentor")
    b"".join(client.get(EXPORT + "?kind=people").streaming_content)

    viewed, exported = AuditEntry.objects.filter(action__startswith="privacy.audit_log").order_by(
        "id"
    )
    assert (viewed.action, viewed.details["filters"]) == (
        "privacy.audit_log.viewed",
        {"q": "mentor"},
    )
    assert (exported.action, exported.details["filters"]) == (
        "privacy.audit_log.exported",
        {"kind": "people"},
    )
    assert viewed.organisation_id == world.organisation.pk
    assert audit.verify_chain() == []


def test_the_download_holds_the_filtered_entries_with_formulas_made_inert(
    client: Client, world: World
) -> None:
    world.scheme.name = "=HYPERLINK(1)"
    world.scheme.save()
    audit.record(world.coordinator, "schemes.scheme.updated", world.scheme)
    audit.record(world.mentor, "accounts.session.signed_in", world.mentor)
    client.force_login(world.org_coordinator)

    response = client.get(EXPORT + "?kind=changes")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = response_text(response)
    assert "Action code" in text.splitlines()[0]
    assert "schemes.scheme.updated" in text
    assert "accounts.session.signed_in" not in text
    assert ",'=HYPERLINK(1)," in text


def test_the_page_costs_the_same_queries_for_one_entry_and_a_hundred(
    client: Client, world: World
) -> None:
    client.force_login(world.org_coordinator)
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        client.get(PAGE)
    for n in range(100):
        action = "schemes.cohort.updated" if n % 2 else "accounts.session.signed_in"
        audit.record(world.mentor, action, world.cohort if n % 2 else world.mentor)
    with CaptureQueriesContext(connection) as hundred:
        response = client.get(PAGE)

    assert len(response.context["rows"]) == 50
    assert len(hundred) == len(one)


def test_the_coordinators_home_links_to_the_log(client: Client, world: World) -> None:
    client.force_login(world.org_coordinator)

    assert PAGE in response_text(client.get(reverse("home")))


# --- Hostile input in the filters ---------------------------------------------------------

FILTERS = ["q", "kind", "group", "actor", "start", "end", "object_type", "object_id", "page"]


@pytest.mark.parametrize("field", FILTERS)
def test_hostile_filters_are_answered_and_shown_escaped(
    client: Client, world: World, field: str
) -> None:
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    client.force_login(world.org_coordinator)
    values = [*TEXT.values(), *NOT_DATES, *NOT_IDS, *[v for v in NOT_NUMBERS.values() if v]]

    for value in values:
        page = client.get(PAGE, {field: value})
        assert page.status_code == 200, (field, value)
        assert "<script>alert" not in response_text(page), (field, value)
        download = client.get(EXPORT, {field: value})
        assert download.status_code == 200, (field, value)
        assert response_text(download).startswith("\ufeffTime (UTC),"), (field, value)
