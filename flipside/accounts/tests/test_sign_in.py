"""Signing in and out, lockout, sessions and the headers every page carries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, make_user, sent_mail
from flipside import settings as project_settings
from flipside.accounts.models import User
from flipside.accounts.services import invite_person
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
START = datetime.datetime(2026, 10, 5, 9, 0, tzinfo=datetime.UTC)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    data = {"username": username, "password": password, **extra}
    return client.post(reverse("accounts:login"), data)


def signed_in_user_id(client: Client) -> int | None:
    response = client.get(reverse("accounts:profile"))
    if response.status_code != 200:
        return None
    return response.wsgi_request.user.pk


def session_cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# --- The sign-in form -------------------------------------------------------------------


def test_signing_in_with_the_email_in_another_letter_case_works(
    client: Client, world: World
) -> None:
    response = sign_in(client, "MENTOR@Example.AC.uk")

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert signed_in_user_id(client) == world.mentor.pk


def test_wrong_password_shows_the_message_and_keeps_the_typed_email(
    client: Client, world: World
) -> None:
    response = sign_in(client, "Mentor@example.ac.uk", "not the right password")

    assert response.status_code == 200
    content = response.content.decode()
    assert "The email address or password is not right" in content
    assert 'value="Mentor@example.ac.uk"' in content
    assert "not the right password" not in content
    assert signed_in_user_id(client) is None


def test_sign_in_errors_start_with_an_error_summary(client: Client, world: World) -> None:
    response = sign_in(client, "mentor@example.ac.uk", "not the right password")

    assert "There is a problem" in response.content.decode()


def test_sign_in_page_has_no_error_summary_before_anything_is_sent(client: Client) -> None:
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    assert "There is a problem" not in response.content.decode()


def test_a_malformed_email_is_refused_without_signing_in(client: Client, world: World) -> None:
    response = sign_in(client, "not-an-email")

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_someone_else_password_does_not_open_this_account(client: Client, world: World) -> None:
    make_user("Other", email="other@example.ac.uk", password="a different long password")

    response = sign_in(client, "mentor@example.ac.uk", "a different long password")

    assert response.status_code == 200
    assert signed_in_user_id(client) is None


def test_a_switched_off_account_cannot_sign_in(client: Client, world: World) -> None:
    User.objects.filter(pk=world.mentor.pk).update(is_active=False)

    response = sign_in(client, "mentor@example.ac.uk")

    assert response.status_code == 200
    assert signed_in_user_id(client) is None


def test_a_second_account_whose_email_differs_only_by_case_is_refused(world: World) -> None:
    with pytest.raises((IntegrityError, ValidationError)), transaction.atomic():
        User.objects.create_user("Mentor@EXAMPLE.ac.uk", PASSWORD, display_name="Copy")

    assert User.objects.filter(email__iexact="mentor@example.ac.uk").count() == 1


def test_the_database_refuses_a_case_variant_email_even_without_normalising(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="MENTOR@example.ac.uk", display_name="Copy")


# --- Lockout ------------------------------------------------------------------------------


def fail_five_times(client: Client, username: str = "mentor@example.ac.uk") -> None:
    for _ in range(5):
        sign_in(client, username, "not the right password")


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    client: Client, world: World
) -> None:
    fail_five_times(client)

    response = sign_in(client, "mentor@example.ac.uk")

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_four_wrong_passwords_do_not_lock_the_account(client: Client, world: World) -> None:
    for _ in range(4):
        sign_in(client, "mentor@example.ac.uk", "not the right password")

    response = sign_in(client, "mentor@example.ac.uk")

    assert response.status_code == 302
    assert signed_in_user_id(client) == world.mentor.pk


def test_sign_in_works_again_after_the_fifteen_minute_cool_off(
    client: Client, world: World
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        fail_five_times(client)
        clock.shift(datetime.timedelta(minutes=15, seconds=1))
        response = sign_in(client, "mentor@example.ac.uk")

        assert response.status_code == 302
        assert signed_in_user_id(client) == world.mentor.pk


def test_sign_in_stays_locked_just_before_the_cool_off_ends(client: Client, world: World) -> None:
    with time_machine.travel(START, tick=False) as clock:
        fail_five_times(client)
        clock.shift(datetime.timedelta(minutes=14, seconds=50))
        response = sign_in(client, "mentor@example.ac.uk")

    assert response.status_code == 429


def test_trying_during_the_lockout_restarts_the_cool_off(client: Client, world: World) -> None:
    # django-axes counts attempts made while locked out, so guessing on cannot wait it out.
    with time_machine.travel(START, tick=False) as clock:
        fail_five_times(client)
        clock.shift(datetime.timedelta(minutes=10))
        sign_in(client, "mentor@example.ac.uk", "another wrong guess")
        clock.shift(datetime.timedelta(minutes=10))
        response = sign_in(client, "mentor@example.ac.uk")

    assert response.status_code == 429


def test_lockout_counts_the_email_in_any_letter_case(client: Client, world: World) -> None:
    # Otherwise an attacker gets five guesses per spelling: MENTOR@, Mentor@, mEntor@ ...
    for spelling in ["mentor@example.ac.uk", "MENTOR@example.ac.uk", "Mentor@example.ac.uk"]:
        sign_in(client, spelling, "not the right password")
    sign_in(client, "mentor@EXAMPLE.ac.uk", "not the right password")
    sign_in(client, "mentor@example.AC.UK", "not the right password")

    response = sign_in(client, "mentor@example.ac.uk")

    assert response.status_code == 429


def test_lockout_of_one_account_leaves_other_accounts_alone(client: Client, world: World) -> None:
    fail_five_times(client)

    response = sign_in(client, "mentee@example.ac.uk")

    assert response.status_code == 302
    assert signed_in_user_id(client) == world.mentee.pk


def test_lockout_is_per_address_so_the_owner_elsewhere_can_still_sign_in(world: World) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    owner = Client(REMOTE_ADDR="198.51.100.7")
    fail_five_times(attacker)

    response = sign_in(owner, "mentor@example.ac.uk")

    assert response.status_code == 302


# --- Where sign-in leads ------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_an_off_site_next_falls_back_to_the_home_page(
    client: Client, world: World, next_url: str
) -> None:
    response = sign_in(client, "mentor@example.ac.uk", next=next_url)

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_an_on_site_next_is_honoured(client: Client, world: World) -> None:
    response = sign_in(client, "mentor@example.ac.uk", next=reverse("accounts:profile"))

    assert response.url == reverse("accounts:profile")


def test_an_off_site_next_in_the_query_string_is_not_put_in_the_form(client: Client) -> None:
    response = client.get(reverse("accounts:login"), {"next": "https://evil.example/"})

    assert "evil.example" not in response.content.decode()


def test_the_session_id_changes_on_sign_in(client: Client, world: World) -> None:
    planted = client.session  # an attacker-chosen session before sign-in
    planted["planted"] = True
    planted.save()
    before = session_cookie(client)

    sign_in(client, "mentor@example.ac.uk")

    after = session_cookie(client)
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert signed_in_user_id(client) == world.mentor.pk


# --- Passwords ----------------------------------------------------------------------------


def test_new_passwords_are_hashed_with_argon2(settings: Any, db: Any) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS

    user = make_user()

    assert user.password.startswith("argon2")
    assert user.check_password(PASSWORD)


@pytest.fixture
def invitation_token(world: World, django_capture_on_commit_callbacks: Any) -> str:

    with django_capture_on_commit_callbacks(execute=True):
        invite_person(
            world.cohort, email="new.person@example.ac.uk", role=Role.MENTOR, by=world.coordinator
        )
    link = next(word for word in sent_mail()[-1].body.split() if "/invitations/" in word)
    return link.rstrip("/").rsplit("/", 1)[-1]


def accept_with(client: Client, token: str, password: str) -> Any:
    return client.post(
        reverse("accounts:invitation", args=[token]),
        {
            "display_name": "New Person",
            "pronouns": "",
            "password1": password,
            "password2": password,
        },
    )


def change_password_to(client: Client, password: str) -> Any:
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )


WEAK_PASSWORDS = [
    pytest.param("elevenchars", id="11 characters"),
    pytest.param("password1234", id="common password"),
]


@pytest.mark.parametrize("password", WEAK_PASSWORDS)
def test_weak_passwords_are_refused_when_accepting_an_invitation(
    client: Client, invitation_token: str, password: str
) -> None:
    response = accept_with(client, invitation_token, password)

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not User.objects.filter(email="new.person@example.ac.uk").exists()


@pytest.mark.parametrize("password", WEAK_PASSWORDS)
def test_weak_passwords_are_refused_when_changing_password(
    client: Client, world: World, password: str
) -> None:
    client.force_login(world.mentor)

    response = change_password_to(client, password)

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    world.mentor.refresh_from_db()
    assert world.mentor.check_password(PASSWORD)


def test_a_long_lowercase_passphrase_is_accepted_when_accepting_an_invitation(
    client: Client, invitation_token: str
) -> None:
    response = accept_with(client, invitation_token, "purple kettle river")

    assert response.status_code == 302
    assert User.objects.get(email="new.person@example.ac.uk").check_password("purple kettle river")


def test_a_long_lowercase_passphrase_is_accepted_when_changing_password(
    client: Client, world: World
) -> None:
    client.force_login(world.mentor)

    response = change_password_to(client, "twelvelowers")

    assert response.status_code == 302
    world.mentor.refresh_from_db()
    assert world.mentor.check_password("twelvelowers")


# --- Session limits -----------------------------------------------------------------------


def test_sessions_idle_out_after_thirty_minutes_renewed_at_most_once_a_minute() -> None:
    assert settings.SESSION_COOKIE_AGE == 1800
    # Renewal is done by SessionLimitsMiddleware, not by a write on every request.
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_RENEW_AFTER_SECONDS == 60
    assert settings.SESSION_ENGINE == "flipside.accounts.backends"  # database sessions


def session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_a_request_within_a_minute_of_the_last_renewal_does_not_write_the_session(
    client: Client, world: World
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(world.mentor)
        assert client.get(reverse("home")).status_code == 200
        key = session_cookie(client)
        expiry = Session.objects.get(session_key=key).expire_date
        clock.shift(datetime.timedelta(seconds=59))

        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))

    assert response.status_code == 200
    assert session_writes(queries) == []
    assert Session.objects.get(session_key=key).expire_date == expiry
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_request_over_a_minute_after_the_last_renewal_renews_session_and_cookie(
    client: Client, world: World
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(world.mentor)
        assert client.get(reverse("home")).status_code == 200
        key = session_cookie(client)
        clock.shift(datetime.timedelta(seconds=61))

        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))

    assert response.status_code == 200
    assert len(session_writes(queries)) == 1
    renewed_at = START + datetime.timedelta(seconds=61)
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry == renewed_at + datetime.timedelta(minutes=30)
    # The browser's cookie is sent again and lives exactly as long as the stored session.
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value == key
    assert int(cookie["max-age"]) == 1800


def test_requests_every_fifty_seconds_keep_a_person_signed_in_past_thirty_minutes(
    client: Client, world: World
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(world.mentor)
        for _ in range(60):  # 50 minutes of steady activity, none of it a minute apart
            assert client.get(reverse("home")).status_code == 200
            clock.shift(datetime.timedelta(seconds=50))

        clock.shift(datetime.timedelta(minutes=31))
        response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_session_left_idle_for_over_thirty_minutes_is_signed_out(
    client: Client, world: World
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(world.mentor)
        assert client.get(reverse("home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200

        clock.shift(datetime.timedelta(minutes=31))
        response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_an_active_session_is_signed_out_after_ten_hours(client: Client, world: World) -> None:
    # Keep the session busy every 20 minutes so only the absolute limit can end it.
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(world.mentor)
        assert client.get(reverse("home")).status_code == 200
        for _ in range(29):  # 9 h 40 min of activity
            clock.shift(datetime.timedelta(minutes=20))
            assert client.get(reverse("home")).status_code == 200

        clock.shift(datetime.timedelta(minutes=20, seconds=1))
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert client.get(reverse("home")).status_code == 302


# --- Signing out --------------------------------------------------------------------------


def test_sign_out_refuses_get(client: Client, world: World) -> None:
    client.force_login(world.mentor)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_sign_out_ends_the_session(client: Client, world: World) -> None:
    client.force_login(world.mentor)
    key = session_cookie(client)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302


def test_sign_out_ends_every_session_of_that_person(world: World) -> None:
    first, second = Client(), Client()
    first.force_login(world.mentor)
    second.force_login(world.mentor)

    first.post(reverse("accounts:logout"))

    assert second.get(reverse("home")).status_code == 302


def test_switching_an_account_off_signs_that_person_out_everywhere(
    client: Client, world: World
) -> None:
    client.force_login(world.mentor)
    assert client.get(reverse("home")).status_code == 200

    User.objects.filter(pk=world.mentor.pk).update(is_active=False)

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- Headers ------------------------------------------------------------------------------


def test_signed_in_pages_are_not_stored_by_browsers(client: Client, world: World) -> None:
    client.force_login(world.mentor)

    for name in ["home", "accounts:profile", "accounts:password_change"]:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store", name


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_response_has_a_strict_content_security_policy(
    client: Client, world: World, signed_in: bool
) -> None:
    if signed_in:
        client.force_login(world.mentor)
    responses = [
        client.get(reverse("accounts:login")),
        client.get(reverse("home")),
        client.get("/no-such-page/"),
        client.get(reverse("accounts:logout")),
    ]

    for response in responses:
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


def test_a_post_without_a_csrf_token_is_refused_with_a_friendly_page(world: World) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("accounts:login"), {"username": "mentor@example.ac.uk", "password": PASSWORD}
    )

    assert response.status_code == 403
    assert "Please try again" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_a_signed_in_post_without_a_csrf_token_changes_nothing(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.mentor)

    response = client.post(reverse("accounts:profile"), {"display_name": "Changed"})

    assert response.status_code == 403
    assert "Please try again" in response.content.decode()
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Mo Mentor"


def test_a_post_with_the_csrf_token_is_accepted(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("accounts:login"))
    token = page.context["csrf_token"]

    response = client.post(
        reverse("accounts:login"),
        {"username": "mentor@example.ac.uk", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
