"""Applying and importing staff lists use the one canonical form of an email address, so the
same mailbox never gets a second account, application or invitation."""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World, make_user, sent_mail
from flipside.accounts.models import Invitation, User
from flipside.recruitment import services
from flipside.recruitment.models import Application, Call, EmailVerification
from flipside.recruitment.spreadsheets import Person, check_people

from .builders import DURING, make_call, make_programme, make_topics
from .test_applicant_views import start_url, verify, verify_token

pytestmark = pytest.mark.django_db

NFC = unicodedata.normalize("NFC", "zoe@exämple.ac.uk")
NFD = unicodedata.normalize("NFD", "zoe@exämple.ac.uk")
ZWJ_DOMAIN = "zoe@exa\u200dmple.ac.uk"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(DURING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def call(world: World, clock: Any) -> Call:
    make_programme(world.organisation)
    make_topics(world.scheme)
    return make_call(world.cohort)


# --- Applying -------------------------------------------------------------------------------


def test_an_application_started_with_the_decomposed_spelling_stores_the_canonical_form(
    client: Client, call: Call
) -> None:
    client.post(start_url(call), {"name": "Zoe", "email": NFD})

    assert list(EmailVerification.objects.values_list("email", flat=True)) == [NFC]


def test_verifying_the_decomposed_twin_of_an_account_asks_to_sign_in_not_a_crash(
    client: Client, call: Call
) -> None:
    existing = make_user("Zoe", email=NFC)
    client.post(start_url(call), {"name": "Zoe", "email": NFD})
    token = verify_token(sent_mail()[-1])

    page = client.get(reverse("recruitment:verify", args=[token]))
    posted = verify(client, token)

    assert page.status_code == posted.status_code == 200
    assert "sign in" in posted.content.decode().lower()
    assert list(User.objects.filter(email__startswith="zoe@")) == [existing]
    assert not Application.objects.exists()


def test_the_service_never_creates_a_second_account_for_an_old_non_canonical_verification(
    client: Client, call: Call
) -> None:
    make_user("Zoe", email=NFC)
    client.post(start_url(call), {"name": "Zoe", "email": "someone@example.ac.uk"})
    token = verify_token(sent_mail()[-1])
    EmailVerification.objects.update(email=NFD)

    with pytest.raises(services.RecruitmentError, match="already have an account"):
        services.verify_new_applicant(token, password="lantern orchard pebble")
    assert User.objects.filter(email__startswith="zoe@").count() == 1


def test_an_application_with_a_hidden_character_in_the_address_is_refused_clearly(
    client: Client, call: Call
) -> None:
    response = client.post(start_url(call), {"name": "Zoe", "email": ZWJ_DOMAIN})

    content = response.content.decode()
    assert response.status_code == 200
    assert "hidden character" in content and "ZERO WIDTH JOINER" in content
    assert f'value="{ZWJ_DOMAIN}"' in content
    assert not EmailVerification.objects.exists()
    assert sent_mail() == []


def test_the_start_service_refuses_a_hidden_character_with_its_own_error(call: Call) -> None:
    with pytest.raises(services.RecruitmentError, match="hidden character"):
        services.start_application(call, email=ZWJ_DOMAIN, name="Zoe")
    assert not EmailVerification.objects.exists()


def test_the_migration_rewrites_existing_verifications_in_the_canonical_form(
    client: Client, call: Call
) -> None:
    client.post(start_url(call), {"name": "Zoe", "email": "zoe@example.ac.uk"})
    EmailVerification.objects.update(email=NFD.upper())
    migration = importlib.import_module(
        "flipside.recruitment.migrations.0003_canonical_verification_emails"
    )

    migration.canonicalise_emails(apps, None)

    assert list(EmailVerification.objects.values_list("email", flat=True)) == [NFC]


# --- Staff lists ----------------------------------------------------------------------------


def test_look_alike_addresses_in_one_staff_list_are_caught_as_duplicates() -> None:
    people = [
        Person(2, NFC, "Zoe"),
        Person(3, NFD.upper(), "Zoe again"),
        Person(4, ZWJ_DOMAIN.replace("exa", "exä"), "Zoe once more"),
    ]

    problems = check_people(people, already_in=set())

    assert [p.line for p in problems] == [3, 4, 4]
    assert f"{NFC} is also on line 2." == problems[0].message
    assert "hidden character" in problems[1].message
    assert "ZERO WIDTH JOINER" in problems[1].message
    assert f"{NFC} is also on line 2." == problems[2].message


def test_a_look_alike_of_a_member_is_reported_as_already_in_the_cohort() -> None:
    problems = check_people([Person(2, NFD, "")], already_in={NFC})

    assert [(p.line, p.message) for p in problems] == [(2, f"{NFC} is already in this cohort.")]


def test_a_staff_list_with_look_alikes_invites_nobody(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    data = f"email,name\n{NFC},Zoe\n{NFD},Zoe\n{ZWJ_DOMAIN},Zoe\n".encode()
    upload = SimpleUploadedFile("staff.csv", data, content_type="text/csv")

    response = client.post(
        reverse("recruitment:import_staff", args=[world.cohort.pk]), {"file": upload}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "is also on line 2" in content and "hidden character" in content
    assert not Invitation.objects.exists()
