"""Subject access: the export covers every table that refers to a person; the person's own
download and a coordinator's production for a request received by email."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from conftest import World
from flipside.privacy import inventory, subject_access
from flipside.privacy.models import AccessRequest, AuditEntry
from flipside.privacy.services import save_equality_answers

pytestmark = pytest.mark.django_db


# --- Completeness ---------------------------------------------------------------------------


def test_every_table_that_refers_to_a_person_is_covered_by_the_export() -> None:
    assert subject_access.gaps() == []


def test_every_foreign_key_to_a_person_is_followed_or_left_out_with_a_reason() -> None:
    user_label = get_user_model()._meta.label
    tables = subject_access.person_tables()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            target = getattr(field.related_model, "_meta", None)
            if target is None or target.label not in tables or target.label == user_label:
                continue
            if target.label == model._meta.label:
                continue  # a row pointing at another of its own table's rows
            rule = subject_access.rule_for(model._meta.label)
            followed = subject_access.plan(inventory.entry_for(model), tables).through
            assert field.name in followed or (field.name in rule.not_through and rule.why), (
                f"{model._meta.label}.{field.name}"
            )


def test_a_new_table_pointing_at_a_person_outside_identifies_fails(monkeypatch: Any) -> None:
    hold = inventory.entry_for("privacy.LegalHold")
    undeclared = inventory.Entry(**{**hold.__dict__, "identifies": ("placed_by",)})
    monkeypatch.setitem(inventory._REGISTRY, hold.label, undeclared)
    assert "privacy.LegalHold.user points at a person but is not in identifies" in (
        subject_access.gaps()
    )


def test_a_table_identifying_a_person_that_nothing_finds_fails(monkeypatch: Any) -> None:
    hold = inventory.entry_for("privacy.LegalHold")
    unreachable = inventory.Entry(**{**hold.__dict__, "identifies": ("reason",)})
    monkeypatch.setitem(inventory._REGISTRY, hold.label, unreachable)
    gaps = subject_access.gaps()
    assert "privacy.LegalHold.reason identifies a person but nothing finds it" in gaps


# --- What the export holds ------------------------------------------------------------------


def held(person: Any) -> dict[str, list[dict[str, Any]]]:
    return {t.label: t.rows for s in subject_access.export(person) for t in s.tables}


def test_equality_answers_are_opened_for_their_person_and_nobody_else(world: World) -> None:
    for person, words in ((world.mentor, "MENTOR-SELF"), (world.mentee, "MENTEE-SELF")):
        save_equality_answers(
            person,
            world.cohort,
            answers={"ethnicity": "self_describe", "ethnicity_description": words},
            consent=True,
            asked=["ethnicity"],
        )
    mine = held(world.mentor)
    answers = mine["privacy.EqualityRecord"][0]["ciphertext"]
    assert answers["ethnicity_description"] == "MENTOR-SELF"
    assert mine["privacy.ConsentRecord"][0]["event"] == "Given"
    assert "MENTEE-SELF" not in json.dumps(mine)


def test_audit_entries_about_the_persons_records_hide_who_else_acted(world: World) -> None:
    from flipside.privacy import audit
    from flipside.schemes.models import Membership

    membership = Membership.objects.get(user=world.mentor)
    audit.record(world.coordinator, "schemes.membership.added", membership, role="mentor")
    entries = held(world.mentor)["privacy.AuditEntry"]
    assert [(e["_how"], e["action"]) for e in entries] == [("yours", "schemes.membership.added")]
    assert entries[0]["actor"] == entries[0]["actor_label"] == subject_access.ANOTHER
    assert world.coordinator.email not in json.dumps(entries)


def test_an_actor_sees_what_they_did_not_the_other_persons_record(world: World) -> None:
    from flipside.privacy import audit

    audit.record(world.coordinator, "privacy.equality.left_out", world.mentor)
    entry = [e for e in held(world.coordinator)["privacy.AuditEntry"] if e["_how"] == "acted"]
    assert entry[0]["action"] == "privacy.equality.left_out"
    assert entry[0]["object_label"] == subject_access.WITHHELD
    assert entry[0]["actor"] == "you"


def test_open_sessions_and_failed_sign_ins_with_the_persons_address_are_included(
    client: Any, world: World
) -> None:
    client.post(reverse("accounts:login"), {"username": world.mentor.email, "password": "wrong"})
    client.force_login(world.mentor)
    other = type(client)()
    other.force_login(world.mentee)
    mine = held(world.mentor)
    assert len(mine["sessions.Session"]) == 1
    assert mine["sessions.Session"][0]["session_key"] == subject_access.SECRET
    assert mine["axes.AccessAttempt"][0]["username"] == world.mentor.email
    assert "axes.AccessAttempt" not in held(world.mentee)


# --- The person's download ------------------------------------------------------------------


def test_the_privacy_page_offers_the_download(client: Any, world: World) -> None:
    client.force_login(world.mentor)
    page = client.get(reverse("privacy:page")).content.decode()
    assert reverse("privacy:download") in page
    assert reverse("privacy:requests") not in page


def test_the_download_page_shows_the_persons_own_records_by_activity(
    client: Any, world: World
) -> None:
    client.force_login(world.mentor)
    response = client.get(reverse("privacy:download"))
    page = response.content.decode()
    assert "Accounts and sign-in" in page and world.mentor.email in page
    assert "Schemes, cohorts and roles" in page
    joined = timezone.localtime(world.mentor.date_joined)
    assert date_format(joined, "j F Y, H:i") in page  # dates as people read them
    assert world.mentee.email not in page
    assert AuditEntry.objects.filter(action="privacy.own_data.viewed", actor=world.mentor).exists()


def test_the_json_download_is_an_attachment_of_the_signed_in_persons_data(
    client: Any, world: World
) -> None:
    client.force_login(world.mentee)
    response = client.get(reverse("privacy:download_json"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["person"]["email"] == world.mentee.email
    assert world.mentor.email not in response.content.decode()
    entry = AuditEntry.objects.get(action="privacy.own_data.downloaded", actor=world.mentee)
    assert entry.details["form"] == "json"


# --- Requests received by email ---------------------------------------------------------------


def record(client: Any, person: Any, **values: str) -> Any:
    data = {
        "person": str(person.pk),
        "received_on": "2026-11-20",
        "reference": "SAR-2026-014",
        **values,
    }
    return client.post(reverse("privacy:requests"), data)


def test_an_organisation_coordinator_records_a_request_and_sees_the_persons_data(
    client: Any, world: World
) -> None:
    client.force_login(world.org_coordinator)
    response = record(client, world.mentor)
    made = AccessRequest.objects.get()
    assert response.url == reverse("privacy:request", args=[made.pk])
    assert (made.person, made.organisation, made.made_by) == (
        world.mentor, world.organisation, world.org_coordinator,
    )  # fmt: skip
    assert made.due_on == datetime.date(2026, 12, 20)
    page = client.get(response.url).content.decode()
    assert world.mentor.email in page and "SAR-2026-014" in page
    download = client.get(reverse("privacy:request_json", args=[made.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.content)["person"]["email"] == world.mentor.email
    produced = AuditEntry.objects.filter(action__startswith="privacy.access_request.")
    assert {(e.action, e.details.get("form")) for e in produced} >= {
        ("privacy.access_request.viewed", "page"),
        ("privacy.access_request.downloaded", "json"),
    }
    listing = client.get(reverse("privacy:requests")).content.decode()
    assert "SAR-2026-014" in listing and "20 Dec 2026" in listing


def test_a_coordinators_copy_never_opens_what_only_the_person_may_read(
    client: Any, world: World
) -> None:
    """Equality answers (and every other encrypted record) stay the owner's alone: the copy an
    organisation coordinator produces says they are held; the person's own download shows them."""
    answer = "Sentinel-heritage-4417"
    save_equality_answers(
        world.mentor,
        world.cohort,
        answers={"ethnicity": "self_describe", "ethnicity_description": answer},
        consent=True,
        asked=["ethnicity"],
    )
    client.force_login(world.org_coordinator)
    made = AccessRequest.objects.get(pk=record(client, world.mentor).url.split("/")[-2])
    page = client.get(reverse("privacy:request", args=[made.pk])).content.decode()
    download = client.get(reverse("privacy:request_json", args=[made.pk])).content.decode()
    assert answer not in page and answer not in download
    assert subject_access.OWNER_ONLY in download
    client.force_login(world.mentor)
    assert answer in client.get(reverse("privacy:download")).content.decode()
    assert answer in client.get(reverse("privacy:download_json")).content.decode()


def test_a_double_submit_records_one_request(client: Any, world: World) -> None:
    client.force_login(world.org_coordinator)
    record(client, world.mentor)
    record(client, world.mentor)
    assert AccessRequest.objects.count() == 1
    assert AuditEntry.objects.filter(action="privacy.access_request.recorded").count() == 1


def test_bad_input_is_refused_with_the_form_kept(client: Any, world: World) -> None:
    client.force_login(world.org_coordinator)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = record(client, world.mentor, received_on=tomorrow.isoformat(), reference="")
    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot be in the future" in page and "Enter the request" in page
    page = record(client, world.mentor, received_on="1999-12-31").content.decode()
    assert "Enter a date between 2000 and 2099." in page
    assert world.mentor.display_name in page  # the chosen person kept
    assert not AccessRequest.objects.exists()


def test_a_person_without_a_role_in_the_organisation_cannot_be_chosen(
    client: Any, world: World
) -> None:
    client.force_login(world.org_coordinator)
    record(client, world.outsider)
    record(client, world.nobody)
    assert not AccessRequest.objects.exists()
    options = client.get(reverse("privacy:request_people"), {"q": "Otto"}).content.decode()
    assert "Otto" not in options
    options = client.get(reverse("privacy:request_people"), {"q": "Mo"}).content.decode()
    assert "Mo Mentor" in options


@pytest.mark.parametrize(
    "role", ["coordinator", "cohort_coordinator", "mentor", "mentee", "observer", "outsider"]
)
def test_nobody_but_the_organisations_coordinators_produces_another_persons_data(
    client: Any, world: World, role: str
) -> None:
    made = AccessRequest.objects.create(
        organisation=world.organisation,
        person=world.mentor,
        received_on=datetime.date(2026, 11, 2),
        reference="R1",
        made_by=world.org_coordinator,
    )
    client.force_login(getattr(world, role))
    assert client.get(reverse("privacy:request", args=[made.pk])).status_code == 404
    assert client.get(reverse("privacy:request_json", args=[made.pk])).status_code == 404
    assert client.get(reverse("privacy:requests")).status_code == 403
    assert record(client, world.mentor).status_code == 403
    assert AccessRequest.objects.count() == 1
    assert not AuditEntry.objects.filter(
        action__in=["privacy.access_request.viewed", "privacy.access_request.downloaded"]
    ).exists()


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime.date(2027, 1, 31), datetime.date(2027, 2, 28)),
        (datetime.date(2028, 1, 31), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 15), datetime.date(2027, 1, 15)),
        (datetime.date(2027, 3, 31), datetime.date(2027, 4, 30)),
    ],
)
def test_the_reply_is_due_one_calendar_month_after_the_request_arrived(
    received: datetime.date, due: datetime.date
) -> None:
    assert AccessRequest(received_on=received).due_on == due
