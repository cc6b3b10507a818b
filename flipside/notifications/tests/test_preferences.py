"""People choose whether to get optional email, and unsubscribe in one click from an email."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from flipside.notifications import preferences
from flipside.notifications.models import OutboxMessage, Preference
from flipside.notifications.outbox import enqueue
from flipside.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

STAGE_VALUES = {
    "cohort": "Pride Reverse Mentoring 2026/27",
    "scheme": "Pride Reverse Mentoring",
    "stage": "Training",
    "next_step": "Come to the mentor training.",
    "link": "https://flipside.example.ac.uk/",
}


def stage_update(world: World) -> OutboxMessage | None:
    return enqueue(
        "stage_changed",
        to=world.mentor.email,
        user=world.mentor,
        scheme=world.scheme,
        values=STAGE_VALUES,
    )


def invitation(world: World) -> OutboxMessage | None:
    return enqueue(
        "invitation",
        to=world.mentor.email,
        user=world.mentor,
        scheme=world.scheme,
        values={**STAGE_VALUES, "role": "Student mentor", "expires_on": "6 December 2026"},
    )


def unsubscribe_path(message: OutboxMessage) -> str:
    return urlsplit(message.headers["List-Unsubscribe"].strip("<>")).path


# --- Email choices page ------------------------------------------------------------------


def test_the_choices_page_shows_optional_email_on_by_default(world: World, client: Client) -> None:
    client.force_login(world.mentor)
    response = client.get(reverse("notifications:preferences"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Send me updates and reminders" in html
    assert "Invitations and security emails are always sent." in html
    assert "checked" in html


def test_turning_optional_email_off_stops_updates_but_not_invitations(
    world: World, client: Client
) -> None:
    client.force_login(world.mentor)

    response = client.post(reverse("notifications:preferences"), {}, follow=True)

    assert "Your email choices are saved." in response.content.decode()
    assert not preferences.wants_optional_email(world.mentor)
    assert AuditEntry.objects.filter(
        action="notifications.preference.changed", actor=world.mentor
    ).exists()
    assert stage_update(world) is None
    assert invitation(world) is not None


def test_turning_optional_email_back_on_resumes_updates(world: World, client: Client) -> None:
    preferences.set_optional_email(world.mentor, enabled=False, by=world.mentor)
    client.force_login(world.mentor)
    client.post(reverse("notifications:preferences"), {"optional_email": "on"})
    assert stage_update(world) is not None


def test_extra_fields_on_the_choices_form_change_nothing_else(world: World, client: Client) -> None:
    client.force_login(world.mentor)
    client.post(reverse("notifications:preferences"), {"optional_email": "on", "user": "1"})
    assert Preference.objects.get().user == world.mentor


def test_the_profile_page_links_to_email_choices(world: World, client: Client) -> None:
    client.force_login(world.mentee)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("notifications:preferences") in html and "Email choices" in html


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302


# --- One-click unsubscribe ---------------------------------------------------------------


def test_optional_emails_carry_one_click_unsubscribe_headers(world: World) -> None:
    message = stage_update(world)
    assert message is not None
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_path(message) in message.body_text
    essential = invitation(world)
    assert essential is not None and "List-Unsubscribe" not in essential.headers


def test_the_link_from_a_real_email_unsubscribes_with_a_csrf_less_post(world: World) -> None:
    message = stage_update(world)
    assert message is not None
    mail_program = Client(enforce_csrf_checks=True)

    response = mail_program.post(unsubscribe_path(message), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not preferences.wants_optional_email(world.mentor)
    assert stage_update(world) is None
    entry = AuditEntry.objects.get(action="notifications.preference.changed")
    assert entry.actor == world.mentor


def test_opening_the_link_asks_first_and_does_not_unsubscribe(world: World, client: Client) -> None:
    message = stage_update(world)
    assert message is not None

    response = client.get(unsubscribe_path(message))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop updates and reminders?" in html
    assert world.mentor.email in html
    assert '<form method="post">' in html
    assert preferences.wants_optional_email(world.mentor)


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "tampered", "x" * 500, "%00"],
)
def test_a_tampered_or_made_up_link_is_not_found(world: World, client: Client, token: str) -> None:
    if token == "tampered":
        good = preferences.unsubscribe_token(world.mentor)
        token = good[:-1] + ("A" if good[-1] != "A" else "B")
    url = f"/email/unsubscribe/{token}/"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404
        assert "We could not recognise this link" in response.content.decode()
    assert preferences.wants_optional_email(world.mentor)


def test_a_token_for_someone_who_no_longer_exists_is_not_found(
    world: World, client: Client
) -> None:
    token = preferences.unsubscribe_token(world.nobody)
    world.nobody.delete()
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 404


def test_unsubscribing_twice_is_harmless(world: World, client: Client) -> None:
    url = reverse("notifications:unsubscribe", args=[preferences.unsubscribe_token(world.mentor)])
    first, second = client.post(url), client.post(url)
    assert first.status_code == second.status_code == 200
    assert not preferences.wants_optional_email(world.mentor)
    assert Preference.objects.count() == 1
    assert AuditEntry.objects.filter(action="notifications.preference.changed").count() == 1
    again = client.get(url).content.decode()
    assert "You are already unsubscribed" in again
    assert '<form method="post">' not in again


def test_one_persons_link_unsubscribes_only_that_person(world: World, client: Client) -> None:
    client.post(
        reverse("notifications:unsubscribe", args=[preferences.unsubscribe_token(world.mentee)])
    )
    assert not preferences.wants_optional_email(world.mentee)
    assert preferences.wants_optional_email(world.mentor)


def test_signed_in_people_can_use_the_link_too(world: World, client: Client) -> None:
    client.force_login(world.coordinator)
    url = reverse("notifications:unsubscribe", args=[preferences.unsubscribe_token(world.mentor)])
    response: Any = client.post(url)
    assert response.status_code == 200
    assert not preferences.wants_optional_email(world.mentor)
    assert preferences.wants_optional_email(world.coordinator)
