"""An invitation whose email the mail server refused says so on the people page, and the
coordinator can correct the address and send a new one from there."""

from __future__ import annotations

import re
import smtplib
from typing import Any

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, sent_mail
from flipside.accounts import services
from flipside.accounts.models import Invitation
from flipside.notifications import outbox
from flipside.notifications.models import OutboxMessage
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db

WRONG = "k.obi@nhs.example"
RIGHT = "k.obi@example.nhs.uk"


class MailboxUnavailable(BaseEmailBackend):
    """A mail server that refuses every recipient permanently (550)."""

    def send_messages(self, email_messages: Any) -> int:
        recipient = email_messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused({recipient: (550, b"5.1.1 Mailbox unavailable")})


def undeliverable(world: World, settings: Any) -> Invitation:
    """Invite ``WRONG`` and let the worker try until the outbox gives up."""
    invitation = services.invite_person(
        world.cohort, email=WRONG, role=Role.MENTEE, by=world.coordinator
    )
    settings.EMAIL_BACKEND = f"{__name__}.MailboxUnavailable"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.process_batch("test-worker")
            message = OutboxMessage.objects.get(to=WRONG)
            clock.move_to(message.next_attempt_at)
    assert message.status == OutboxMessage.Status.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return invitation


def people_page(client: Client, world: World) -> str:
    return client.get(reverse("schemes:cohort_people", args=[world.cohort.pk])).content.decode()


def row_of(page: str, email: str) -> str:
    start = page.index(f"<td>{email}</td>")
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def as_coordinator(client: Client, world: World) -> Client:
    client.force_login(world.coordinator)
    return client


def test_a_failed_invitation_says_it_was_not_delivered_instead_of_valid_until(
    as_coordinator: Client, world: World, settings: Any
) -> None:
    invitation = undeliverable(world, settings)

    row = row_of(people_page(as_coordinator, world), WRONG)

    assert "Valid until" not in row
    assert "The email could not be delivered" in row
    fix = reverse("accounts:invite", args=[world.cohort.pk]) + f"?replace={invitation.pk}"
    assert f'href="{fix}"' in row
    assert "Fix the address and send again" in row


def test_an_invitation_still_being_tried_says_so(
    as_coordinator: Client, world: World, settings: Any
) -> None:
    services.invite_person(world.cohort, email=WRONG, role=Role.MENTEE, by=world.coordinator)
    settings.EMAIL_BACKEND = f"{__name__}.MailboxUnavailable"
    outbox.process_batch("test-worker")

    row = row_of(people_page(as_coordinator, world), WRONG)

    assert "Not delivered yet" in row and "Fix the address and send again" in row


def test_a_delivered_invitation_still_shows_until_when_it_is_valid(
    as_coordinator: Client, world: World
) -> None:
    services.invite_person(world.cohort, email=RIGHT, role=Role.MENTEE, by=world.coordinator)
    sent_mail()

    row = row_of(people_page(as_coordinator, world), RIGHT)

    assert "Valid until" in row and "could not be delivered" not in row


def test_the_fix_link_opens_the_invite_form_with_the_address_and_role(
    as_coordinator: Client, world: World, settings: Any
) -> None:
    invitation = undeliverable(world, settings)

    page = as_coordinator.get(
        reverse("accounts:invite", args=[world.cohort.pk]), {"replace": invitation.pk}
    ).content.decode()

    assert f'value="{WRONG}"' in page
    assert re.search(r'value="mentee"[^>]*checked', page)
    assert f'name="replaces" value="{invitation.pk}"' in page
    assert "could not be delivered" in page


def test_fixing_the_address_sends_a_new_invitation_and_cancels_the_failed_one(
    as_coordinator: Client, world: World, settings: Any
) -> None:
    failed = undeliverable(world, settings)

    response = as_coordinator.post(
        reverse("accounts:invite", args=[world.cohort.pk]),
        {"email": RIGHT, "role": "mentee", "replaces": failed.pk},
    )

    assert response.status_code == 302
    assert response.url == reverse("schemes:cohort_people", args=[world.cohort.pk])
    failed.refresh_from_db()
    assert failed.revoked_at is not None
    fresh = Invitation.objects.pending().get()
    assert (fresh.email, fresh.role) == (RIGHT, Role.MENTEE)
    assert [m.to for m in sent_mail()] == [[RIGHT]]
    assert AuditEntry.objects.filter(
        action="accounts.invitation.replaced", object_id=str(failed.pk)
    )
    page = people_page(as_coordinator, world)
    assert WRONG not in page and "Valid until" in row_of(page, RIGHT)


def test_sending_again_to_the_same_address_replaces_the_failed_invitation(
    as_coordinator: Client, world: World, settings: Any
) -> None:
    failed = undeliverable(world, settings)

    as_coordinator.post(
        reverse("accounts:invite", args=[world.cohort.pk]),
        {"email": WRONG, "role": "mentee", "replaces": failed.pk},
    )

    fresh = Invitation.objects.pending().get()
    assert fresh.pk != failed.pk and fresh.email == WRONG
    assert "could not be delivered" not in row_of(people_page(as_coordinator, world), WRONG)


def test_a_correction_that_is_refused_keeps_the_failed_invitation_and_what_was_typed(
    as_coordinator: Client, world: World, settings: Any
) -> None:
    failed = undeliverable(world, settings)

    response = as_coordinator.post(
        reverse("accounts:invite", args=[world.cohort.pk]),
        {"email": world.mentor.email, "role": "mentee", "replaces": failed.pk},
    )

    assert response.status_code == 200
    assert "is already in this cohort" in response.content.decode()
    failed.refresh_from_db()
    assert failed.revoked_at is None


def test_an_invitation_of_another_cohort_cannot_be_replaced(
    client: Client, world: World, settings: Any
) -> None:
    theirs = services.invite_person(
        world.other_cohort, email=WRONG, role=Role.MENTEE, by=world.outsider
    )
    client.force_login(world.coordinator)
    url = reverse("accounts:invite", args=[world.cohort.pk])

    opened = client.get(url, {"replace": theirs.pk})
    posted = client.post(url, {"email": RIGHT, "role": "mentee", "replaces": theirs.pk})

    assert opened.status_code == posted.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert not Invitation.objects.filter(email=RIGHT).exists()


@pytest.mark.parametrize("replace", ["abc", "-1", "0", "9" * 30])
def test_a_malformed_replace_id_is_not_found(
    as_coordinator: Client, world: World, replace: str
) -> None:
    response = as_coordinator.get(
        reverse("accounts:invite", args=[world.cohort.pk]), {"replace": replace}
    )
    assert response.status_code == 404


def test_the_migration_links_pending_invitations_made_before_to_their_email(
    world: World,
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("flipside.accounts.migrations.0006_invitation_message")
    mine = services.invite_person(world.cohort, email=WRONG, role=Role.MENTEE, by=world.coordinator)
    services.invite_person(world.other_cohort, email=WRONG, role=Role.MENTEE, by=world.outsider)
    Invitation.objects.update(message=None)

    migration.link_pending_invitations(apps, None)

    mine.refresh_from_db()
    assert mine.message == OutboxMessage.objects.get(to=WRONG, scheme=world.scheme)
