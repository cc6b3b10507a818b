"""Emails whose text carries a secret (a single-use link, a sign-in link, a code) are read by
their recipient only: never shown, previewed, logged or quoted in an error to anyone else."""

from __future__ import annotations

import logging
import re
import smtplib
from typing import Any

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse

from conftest import World
from flipside.notifications import kinds, outbox, services
from flipside.notifications.kinds import KINDS, MessageKind
from flipside.notifications.models import DeliveryAttempt, OutboxMessage, TemplateOverride
from flipside.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

TOKEN = "SECRET-SENTINEL-TOKEN-7f3a9c"
SECRET_LINK = f"https://flipside.example.ac.uk/apply/verify/{TOKEN}/"
EXPLANATION = "This email contains a private sign-in link, so only its recipient can read it."
# Their links sign the reader in or set a password; every other kind's links open pages that
# need the recipient's own sign-in.
SECRET_KINDS = ["application_verify", "idea_owner_invited", "invitation", "password_reset"]


def values_for(kind: MessageKind) -> dict[str, str]:
    values = {name: f"{name} value" for name in kind.placeholder_names}
    return {**values, "link": SECRET_LINK}


def queue(world: World, kind: str) -> OutboxMessage:
    message = outbox.enqueue(
        kind, to="ada.applicant@example.ac.uk", scheme=world.scheme, values=values_for(KINDS[kind])
    )
    assert message is not None and TOKEN in message.body_text
    return message


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def message_page(client: Client, message: OutboxMessage) -> str:
    response = client.get(reverse("notifications:message", args=[message.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- Every kind declares it --------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(KINDS))
def test_every_registered_kind_declares_whether_its_body_is_secret(key: str) -> None:
    assert KINDS[key].secret in (True, False), f"{key} does not declare `secret`"


def test_kinds_with_single_use_or_sign_in_links_are_the_secret_ones() -> None:
    assert sorted(key for key, kind in KINDS.items() if kind.secret) == SECRET_KINDS


@pytest.mark.parametrize("key", SECRET_KINDS)
def test_each_secret_kind_marks_the_placeholder_that_carries_its_secret(key: str) -> None:
    assert KINDS[key].secret_placeholder_names == {"link"}


def test_a_kind_that_does_not_declare_is_treated_as_secret() -> None:
    undeclared = MessageKind("new_kind", "A new kind", essential=True)
    assert undeclared.secret is None
    assert undeclared.body_is_secret
    assert not MessageKind("n", "N", essential=True, secret=False).body_is_secret


def test_a_kind_that_is_no_longer_registered_is_treated_as_secret() -> None:
    assert kinds.body_is_secret("retired_kind")
    assert kinds.body_is_secret("application_verify")
    assert not kinds.body_is_secret("stage_changed")


def test_a_kind_not_declared_secret_may_not_carry_a_secret_placeholder() -> None:
    secret_link = next(p for p in KINDS["invitation"].placeholders if p.secret)
    with pytest.raises(ValueError, match="secret"):
        MessageKind("n", "N", essential=True, secret=False, placeholders=(secret_link,))


# --- The coordinator's pages -------------------------------------------------------------


def test_an_application_verification_email_shows_neither_its_link_nor_its_token(
    world: World, client: Client
) -> None:
    # The reported fault: reading this link let a coordinator set the applicant's password.
    from flipside.recruitment.services import start_application
    from flipside.recruitment.tests.builders import DURING, make_call

    with time_machine.travel(DURING, tick=False):
        start_application(
            make_call(world.cohort), email="ada.applicant@example.ac.uk", name="Ada Applicant"
        )
    message = OutboxMessage.objects.get(kind="application_verify")
    found = re.search(r"/apply/verify/([^/\s]+)/", message.body_text)
    assert found
    token = found.group(1)

    signed_in(client, world.coordinator)
    listing = client.get(reverse("notifications:outbox")).content.decode()
    html = message_page(client, message)

    assert message.subject in listing and token not in listing
    assert message.subject in html
    assert token not in html and "/apply/verify/" not in html
    assert EXPLANATION in html


@pytest.mark.parametrize("kind", SECRET_KINDS)
def test_no_secret_body_is_shown_to_any_coordinator(
    world: World, client: Client, kind: str
) -> None:
    message = queue(world, kind)
    for person in [world.coordinator, world.org_coordinator, world.cohort_coordinator]:
        html = message_page(signed_in(client, person), message)
        assert TOKEN not in html
        assert EXPLANATION in html


def test_a_message_of_a_kind_no_longer_registered_keeps_its_body_hidden(
    world: World, client: Client
) -> None:
    message = queue(world, "application_verify")
    OutboxMessage.objects.filter(pk=message.pk).update(kind="retired_kind")
    html = message_page(signed_in(client, world.coordinator), message)
    assert TOKEN not in html and EXPLANATION in html


def test_an_ordinary_email_is_still_shown(world: World, client: Client) -> None:
    message = outbox.enqueue(
        "application_received",
        to="ada.applicant@example.ac.uk",
        scheme=world.scheme,
        values=values_for(KINDS["application_received"]),
    )
    assert message is not None
    html = message_page(signed_in(client, world.coordinator), message)
    assert SECRET_LINK in html and EXPLANATION not in html


# --- Subjects: shown on every page, so they never carry the secret ------------------------


@pytest.mark.parametrize("kind", SECRET_KINDS)
def test_the_default_subject_of_a_secret_kind_does_not_carry_its_link(
    world: World, kind: str
) -> None:
    assert TOKEN not in queue(world, kind).subject


@pytest.mark.parametrize("kind", ["application_verify", "invitation"])
def test_a_scheme_may_not_put_a_secret_link_in_a_subject(
    world: World, client: Client, kind: str
) -> None:
    problems = services.check_wording(kind, subject="Open {{ link }}", body="Open {{ link }}")
    assert problems and "subject" in problems[0]
    response = signed_in(client, world.coordinator).post(
        reverse("notifications:wording_edit", args=[world.scheme.pk, kind]),
        {"subject": "Open {{link}} now", "body": "Open {{ link }}", "action": "save"},
    )
    assert response.status_code == 200
    assert "subject" in response.context["form"].errors
    assert not TemplateOverride.objects.exists()


def test_a_link_in_a_subject_saved_before_the_rule_is_left_out(
    world: World, client: Client
) -> None:
    TemplateOverride.objects.create(
        scheme=world.scheme,
        kind="application_verify",
        subject="Confirm: {{ link }}",
        body="Hello {{ first_name }}, open {{ link }}",
    )
    message = queue(world, "application_verify")
    signed_in(client, world.coordinator)
    listing = client.get(reverse("notifications:outbox")).content.decode()
    partial = client.get(
        reverse("notifications:outbox"), headers={"HX-Request": "true"}
    ).content.decode()

    assert message.subject == "Confirm:"
    for html in [listing, partial, message_page(client, message)]:
        assert TOKEN not in html


def test_a_link_in_the_subject_of_an_ordinary_email_is_still_allowed() -> None:
    assert services.check_wording("stage_changed", subject="See {{ link }}", body="x") == []


def test_the_wording_preview_of_a_secret_kind_shows_only_the_sample_link(
    world: World, client: Client
) -> None:
    queue(world, "application_verify")
    response = signed_in(client, world.coordinator).post(
        reverse("notifications:wording_edit", args=[world.scheme.pk, "application_verify"]),
        {"subject": "Confirm", "body": "Open {{ link }}", "action": "preview"},
    )
    html = response.content.decode()
    assert "Open https://flipside.example.ac.uk/…" in html
    assert TOKEN not in html


# --- Errors, the log and the audit log ---------------------------------------------------


class QuotesTheMessage(BaseEmailBackend):
    """A mail server that refuses every message and quotes it back in its error."""

    def send_messages(self, email_messages: Any) -> int:
        quoted = email_messages[0].message().as_bytes()
        raise smtplib.SMTPDataError(554, b"Rejected: " + quoted)


@pytest.mark.parametrize("kind", SECRET_KINDS)
def test_a_failed_delivery_never_records_or_logs_the_secret(
    world: World, client: Client, settings: Any, caplog: Any, kind: str
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.QuotesTheMessage"
    message = queue(world, kind)

    with caplog.at_level(logging.DEBUG):
        assert outbox.process_batch("w1") == 1

    message.refresh_from_db()
    attempt = DeliveryAttempt.objects.get(message=message)
    assert "SMTPDataError" in message.last_error and "Rejected" in attempt.error
    assert TOKEN not in message.last_error and TOKEN not in attempt.error
    assert TOKEN not in caplog.text and "SMTPDataError" in caplog.text
    html = message_page(signed_in(client, world.coordinator), message)
    assert TOKEN not in html


def test_the_audit_log_never_carries_a_secret(world: World, client: Client) -> None:
    message = queue(world, "application_verify")
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.FAILED)
    signed_in(client, world.coordinator).post(reverse("notifications:retry", args=[message.pk]))

    entries = list(AuditEntry.objects.values_list("details", "object_label"))
    assert entries and TOKEN not in repr(entries)
