"""Equality monitoring on an application: optional, explicit consent, encrypted, withdrawable,
and never shown to anyone but the person who answered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, make_user, response_text
from flipside.notifications.models import OutboxMessage
from flipside.privacy.equality import PRIVACY_NOTICE_VERSION, QUESTIONS
from flipside.privacy.models import AuditEntry, ConsentRecord, EqualityRecord
from flipside.privacy.services import (
    leave_out_of_equality_monitoring,
    own_answers,
    save_equality_answers,
)
from flipside.recruitment.models import Application
from tests.test_access_matrix import ROLES, all_url_names, matrix_application, url_for

pytestmark = pytest.mark.django_db

ANSWERS = {
    "ethnicity": "self_describe",
    "ethnicity_description": "Cornish and Nigerian",
    "sexual_orientation": "bisexual",
    "gender_identity": "no",
    "disability": "yes",
    "first_generation": "prefer_not_to_say",
}


@pytest.fixture
def application(world: World) -> Application:
    return matrix_application(world)


@pytest.fixture
def as_owner(client: Client, world: World) -> Client:
    client.force_login(world.mentor)
    return client


def equality_url(application: Application) -> str:
    return reverse("recruitment:equality", args=[application.pk])


def post(client: Client, application: Application, consent: bool = True, **overrides: Any) -> Any:
    data = {**ANSWERS, "action": "save", **overrides}
    if consent:
        data["consent"] = "on"
    return client.post(equality_url(application), data)


def text(response: Any) -> str:
    return response.content.decode()


def test_the_page_explains_and_nothing_is_ticked(
    as_owner: Client, application: Application
) -> None:
    page = text(as_owner.get(equality_url(application)))
    assert "Why we ask" in page
    assert "Nobody sees your individual answers" in page
    assert f"Privacy notice version {PRIVACY_NOTICE_VERSION}." in page
    for question in QUESTIONS.values():
        assert str(question.label).replace("'", "&#x27;") in page
    assert page.count('value="prefer_not_to_say"') == len(QUESTIONS)
    assert " checked" not in page
    consent = re.search(r'<label class="checkbox__label" for="id_consent">([^<]*)</label>', page)
    assert consent is not None
    for category in ["ethnic group", "sexual orientation", "gender identity", "disability"]:
        assert category in consent.group(1)


def test_only_the_schemes_questions_are_asked(
    as_owner: Client, application: Application, world: World
) -> None:
    world.scheme.equality_questions = ["ethnicity", "first_generation"]
    world.scheme.save()
    page = text(as_owner.get(equality_url(application)))
    assert "What is your ethnic group?" in page
    assert "sexual orientation" not in page.lower()


def test_without_consent_nothing_is_stored(
    as_owner: Client, application: Application, world: World
) -> None:
    response = post(as_owner, application, consent=False)
    assert response.url == reverse("recruitment:application", args=[application.pk])
    assert not EqualityRecord.objects.exists()
    assert "we have stored none" in text(as_owner.get(response.url))


def test_with_consent_one_encrypted_row_is_stored_and_shown_to_its_owner(
    as_owner: Client, application: Application, world: World
) -> None:
    post(as_owner, application)
    post(as_owner, application)  # a double submit still leaves one row

    record = EqualityRecord.objects.get()
    assert (record.user, record.cohort) == (world.mentor, world.cohort)
    assert record.notice_version == PRIVACY_NOTICE_VERSION
    for value in ["Cornish", "Nigerian", "bisexual", "self_describe", "ethnicity", "disability"]:
        assert value not in record.ciphertext
    assert own_answers(world.mentor, world.cohort) == {key: value for key, value in ANSWERS.items()}
    page = text(as_owner.get(equality_url(application)))
    assert "I&#x27;d prefer to describe myself: Cornish and Nigerian" in page
    assert "Withdraw my consent and delete my answers" in page
    assert not any(
        "Cornish" in str(entry.details) or "bisexual" in str(entry.details)
        for entry in AuditEntry.objects.all()
    )


def test_changing_answers_needs_consent_again(
    as_owner: Client, application: Application, world: World
) -> None:
    post(as_owner, application)
    response = post(as_owner, application, consent=False, sexual_orientation="straight")
    assert response.status_code == 200
    assert "To change your answers, tick the box to agree." in text(response)
    assert own_answers(world.mentor, world.cohort)["sexual_orientation"] == "bisexual"

    post(as_owner, application, sexual_orientation="straight")
    assert own_answers(world.mentor, world.cohort)["sexual_orientation"] == "straight"


def test_withdrawing_deletes_the_answers(
    as_owner: Client, application: Application, world: World
) -> None:
    post(as_owner, application)
    response = as_owner.post(equality_url(application), {"action": "withdraw"})
    assert response.url == equality_url(application)
    assert not EqualityRecord.objects.exists()
    page = text(as_owner.get(response.url))
    assert "We have deleted your equality monitoring answers." in page
    assert "Cornish" not in page
    assert AuditEntry.objects.filter(action="privacy.equality.consent_withdrawn").count() == 1


def test_withdrawing_here_is_recorded_beside_the_consent_given(
    as_owner: Client, application: Application, world: World
) -> None:
    post(as_owner, application)
    as_owner.post(equality_url(application), {"action": "withdraw"})

    records = ConsentRecord.objects.filter(user=world.mentor, cohort=world.cohort)
    assert [r.event for r in records] == ["given", "withdrawn"]
    assert records[0].categories == list(QUESTIONS)


def test_a_person_left_out_of_equality_monitoring_is_not_asked_again(
    as_owner: Client, application: Application, world: World
) -> None:
    leave_out_of_equality_monitoring(world.mentor)

    application_page = text(as_owner.get(reverse("recruitment:application", args=[application.pk])))
    assert "Equality monitoring questions (optional)" not in application_page
    assert "You asked to be left out of equality monitoring" in application_page
    page = text(as_owner.get(equality_url(application)))
    assert "You asked to be left out of equality monitoring" in page
    assert 'name="consent"' not in page
    assert str(QUESTIONS["ethnicity"].label) not in page

    assert post(as_owner, application).status_code == 200  # answers posted anyway
    assert not EqualityRecord.objects.exists()
    assert not ConsentRecord.objects.filter(purpose="equality_monitoring").exists()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"ethnicity": "martian"}, "Select a valid choice."),
        ({"ethnicity_description": "x" * 201}, "at most 200 characters"),
        ({"ethnicity_description": "Line\x00break"}, "control characters"),
    ],
)
def test_bad_answers_are_refused_and_what_was_typed_is_kept(
    as_owner: Client, application: Application, overrides: dict[str, str], error: str
) -> None:
    response = post(as_owner, application, sexual_orientation="gay_lesbian", **overrides)
    page = text(response)
    assert response.status_code == 200
    assert error in page
    assert re.search(r'value="gay_lesbian"[^>]*checked', page)
    assert not EqualityRecord.objects.exists()


def test_answers_typed_as_html_are_shown_as_text(
    as_owner: Client, application: Application
) -> None:
    post(as_owner, application, ethnicity_description="<script>alert(1)</script>")
    page = text(as_owner.get(equality_url(application)))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("who", ["coordinator", "cohort_coordinator", "mentee", "outsider"])
def test_another_persons_equality_page_is_not_found(
    client: Client, world: World, application: Application, who: str
) -> None:
    client.force_login(getattr(world, who))
    assert client.get(equality_url(application)).status_code == 404
    assert post(client, application).status_code == 404
    assert client.post(equality_url(application), {"action": "withdraw"}).status_code == 404
    assert not EqualityRecord.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, application: Application) -> None:
    response = post(client, application)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not EqualityRecord.objects.exists()


# --- Sentinel: special-category answers appear nowhere but on their owner's own page ------

SENTINEL = "Zq7-sentinel-equality-9xK"


def plant_sentinel(world: World) -> Application:
    application = matrix_application(world)
    answers = {key: "self_describe" for key, q in QUESTIONS.items() if q.self_describe}
    answers |= {f"{key}_description": f"{SENTINEL} {key}" for key in answers}
    save_equality_answers(
        world.mentor, world.cohort, answers=answers, consent=True, asked=list(QUESTIONS)
    )
    # A second applicant's answers, so that aggregate pages have more than one person.
    other = make_user()
    save_equality_answers(other, world.cohort, answers=answers, consent=True, asked=list(QUESTIONS))
    return application


body = response_text


def pages_showing_sentinel(
    client: Client, world: World, names: list[str]
) -> tuple[set[str], dict[str, str]]:
    """(pages whose response holds the sentinel, {page: why it could not be fetched})."""
    showing, unreachable = set(), {}
    for name in names:
        try:
            response = client.get(url_for(name, world))
        except AssertionError as error:  # no sample URL for this pattern
            unreachable[name] = type(error).__name__
            continue
        if SENTINEL in body(response):
            showing.add(name)
    return showing, unreachable


@pytest.mark.parametrize("role", ROLES)
def test_equality_answers_show_only_on_their_owners_equality_page(
    role: str, world: World, client: Client
) -> None:
    """Every page of the product, for every role, including coordinators reviewing the
    sentinel owner's application and the exports: the answers appear only to their owner."""
    plant_sentinel(world)
    if role != "anonymous":
        client.force_login(getattr(world, role))
    showing, unreachable = pages_showing_sentinel(client, world, all_url_names())
    # The owner sees them on their equality page and in their own download of their data.
    own = {"recruitment:equality", "privacy:download", "privacy:download_json"}
    assert showing == (own if role == "mentor" else set())
    assert not unreachable
    for message in OutboxMessage.objects.all():
        assert SENTINEL not in message.body_text + message.subject
    for entry in AuditEntry.objects.all():
        assert SENTINEL not in str(entry.details) + entry.object_label
