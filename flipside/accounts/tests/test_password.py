"""Forgotten passwords (reset by email link) and changing a password while signed in."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import World, clear_sent_mail, sent_mail

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "lantern orchard pebble"
START = datetime.datetime(2026, 10, 5, 9, 0, tzinfo=datetime.UTC)


def ask_for_reset(client: Client, email: str) -> Any:
    return client.post(reverse("accounts:password_reset"), {"email": email})


def reset_link(message: mail.EmailMessage) -> str:
    """The path of the reset link in the email's plain-text body."""
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def set_new_password(client: Client, link: str, password: str = NEW_PASSWORD) -> Any:
    """Open the link, then send the new password to the page it leads to."""
    page = client.get(link, follow=True)
    data = {"new_password1": password, "new_password2": password}
    return client.post(page.redirect_chain[-1][0] if page.redirect_chain else link, data)


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


# --- Reset --------------------------------------------------------------------------------


def test_a_forgotten_password_can_be_reset_from_the_emailed_link(
    client: Client, world: World
) -> None:
    response = ask_for_reset(client, "mentor@example.ac.uk")

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(sent_mail()) == 1
    message = sent_mail()[0]
    assert message.to == ["mentor@example.ac.uk"]
    assert message.subject == "Reset your Flipside password"
    link = reset_link(message)
    html = message.alternatives[0][0]
    assert link in html

    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert "Choose a new password" in page.content.decode()

    done = set_new_password(client, link)
    assert done.status_code == 302
    assert done.url == reverse("accounts:password_reset_complete")

    assert sign_in(Client(), "mentor@example.ac.uk", PASSWORD).status_code == 200
    assert sign_in(client, "mentor@example.ac.uk", NEW_PASSWORD).status_code == 302


def test_a_reset_can_be_asked_for_with_the_email_in_another_letter_case(
    client: Client, world: World
) -> None:
    ask_for_reset(client, "Mentor@EXAMPLE.ac.uk")

    assert [message.to for message in sent_mail()] == [["mentor@example.ac.uk"]]


def test_a_reset_link_works_only_once(client: Client, world: World) -> None:
    ask_for_reset(client, "mentor@example.ac.uk")
    link = reset_link(sent_mail()[0])
    set_new_password(client, link)

    again = Client().get(link, follow=True)

    assert "This link no longer works" in again.content.decode()
    second = set_new_password(Client(), link, "somebody else chose this")
    assert "This link no longer works" in second.content.decode()
    world.mentor.refresh_from_db()
    assert world.mentor.check_password(NEW_PASSWORD)


def test_a_reset_link_older_than_one_hour_no_longer_works(client: Client, world: World) -> None:
    with time_machine.travel(START, tick=False) as clock:
        ask_for_reset(client, "mentor@example.ac.uk")
        link = reset_link(sent_mail()[0])
        clock.shift(datetime.timedelta(hours=1, minutes=1))

        response = set_new_password(client, link)

    assert "This link no longer works" in response.content.decode()
    world.mentor.refresh_from_db()
    assert world.mentor.check_password(PASSWORD)


def test_a_reset_link_still_works_within_the_hour(client: Client, world: World) -> None:
    with time_machine.travel(START, tick=False) as clock:
        ask_for_reset(client, "mentor@example.ac.uk")
        link = reset_link(sent_mail()[0])
        clock.shift(datetime.timedelta(minutes=59))

        response = set_new_password(client, link)

    assert response.status_code == 302
    world.mentor.refresh_from_db()
    assert world.mentor.check_password(NEW_PASSWORD)


def test_an_unknown_email_gets_the_same_page_and_no_email(client: Client, world: World) -> None:
    known = ask_for_reset(client, "mentor@example.ac.uk")
    clear_sent_mail()

    unknown = ask_for_reset(client, "nobody.here@example.ac.uk")

    assert unknown.status_code == known.status_code == 302
    assert unknown.url == known.url
    page = client.get(unknown.url)
    assert "Check your email" in page.content.decode()
    assert sent_mail() == []


def test_a_malformed_email_is_refused_and_sends_nothing(client: Client, world: World) -> None:
    response = ask_for_reset(client, "not an email")

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert sent_mail() == []


def test_a_reset_link_for_one_person_cannot_reset_another(client: Client, world: World) -> None:
    ask_for_reset(client, "mentor@example.ac.uk")
    mentor_link = reset_link(sent_mail()[0])
    ask_for_reset(client, "mentee@example.ac.uk")
    mentee_uid = reset_link(sent_mail()[1]).split("/")[-3]
    forged = mentor_link.replace(mentor_link.split("/")[-3], mentee_uid)

    response = set_new_password(Client(), forged)

    assert "This link no longer works" in response.content.decode()
    world.mentee.refresh_from_db()
    assert world.mentee.check_password(PASSWORD)


def test_a_reset_with_different_passwords_is_refused(client: Client, world: World) -> None:
    ask_for_reset(client, "mentor@example.ac.uk")
    page = client.get(reset_link(sent_mail()[0]), follow=True)

    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
    )

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    world.mentor.refresh_from_db()
    assert world.mentor.check_password(PASSWORD)


def test_resetting_a_password_signs_that_person_out_everywhere(
    client: Client, world: World
) -> None:
    elsewhere = Client()
    elsewhere.force_login(world.mentor)
    assert elsewhere.get(reverse("home")).status_code == 200

    ask_for_reset(client, "mentor@example.ac.uk")
    set_new_password(client, reset_link(sent_mail()[0]))

    response = elsewhere.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- Change -------------------------------------------------------------------------------


def change_password(client: Client, old: str, new: str = NEW_PASSWORD) -> Any:
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_changing_password_with_the_wrong_old_password_is_refused(
    client: Client, world: World
) -> None:
    client.force_login(world.mentor)

    response = change_password(client, "not my old password")

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "old password" in content.lower()
    world.mentor.refresh_from_db()
    assert world.mentor.check_password(PASSWORD)


def test_changing_password_ends_other_sessions_but_keeps_this_one(
    client: Client, world: World
) -> None:
    other = Client()
    other.force_login(world.mentor)
    client.force_login(world.mentor)
    assert other.get(reverse("home")).status_code == 200

    response = change_password(client, PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change_done")
    assert client.get(reverse("home")).status_code == 200
    signed_out = other.get(reverse("home"))
    assert signed_out.status_code == 302
    assert signed_out.url.startswith(reverse("accounts:login"))
    world.mentor.refresh_from_db()
    assert world.mentor.check_password(NEW_PASSWORD)


def test_changing_password_leaves_other_people_signed_in(client: Client, world: World) -> None:
    other = Client()
    other.force_login(world.mentee)
    client.force_login(world.mentor)

    change_password(client, PASSWORD)

    assert other.get(reverse("home")).status_code == 200


def test_signed_out_visitors_cannot_change_a_password(client: Client, world: World) -> None:
    response = change_password(client, PASSWORD)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    world.mentor.refresh_from_db()
    assert world.mentor.check_password(PASSWORD)
