"""The second factor: set-up, codes after the password, backup codes, lockout, the reset by an
organisation coordinator, and a recent sign-in before changing password or second factor.

These tests sign in through the real forms (``real_second_factor``): ``force_login`` here is
Django's own, which leaves the second step undone.
"""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import World, clear_sent_mail, sent_mail
from flipside.accounts import second_factor
from flipside.accounts.middleware import AUTHENTICATED_AT
from flipside.accounts.models import User
from flipside.privacy.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]

PASSWORD = "correct horse battery staple"
VERIFY = reverse("accounts:second_factor_verify")
SETUP = reverse("accounts:second_factor_setup")


def code_for(key: str, steps: int = 0) -> str:
    """The code an authenticator app shows for ``key`` now (or ``steps`` periods away)."""
    totp = TOTP(bytes.fromhex(key))
    totp.drift = steps
    return f"{totp.token():06d}"


def give_app(user: User, *, steps_used: int = -2) -> TOTPDevice:
    """A confirmed app whose last used code was ``steps_used`` periods ago."""
    device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    device.last_t = TOTP(device.bin_key).t() + steps_used
    device.save()
    return device


def password_sign_in(client: Client, user: User) -> Any:
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})


def audit_codes(user: User) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(user.pk), action__contains="second_factor")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- Who is asked -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["coordinator", "org_coordinator", "cohort_coordinator", "observer", "outsider"]
)
def test_coordinators_and_observers_are_asked_for_a_code_after_their_password(
    role: str, world: World, client: Client
) -> None:
    person = getattr(world, role)
    give_app(person)
    password_sign_in(client, person)

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Faccounts%2Fprofile%2F"


@pytest.mark.parametrize("role", ["mentor", "mentee", "nobody"])
def test_mentors_mentees_and_people_without_a_role_are_not_asked(
    role: str, world: World, client: Client
) -> None:
    password_sign_in(client, getattr(world, role))

    for page in ("home", "accounts:profile", "recruitment:my_applications"):
        assert client.get(reverse(page)).status_code == 200, page


def test_someone_without_an_app_is_sent_to_set_it_up(world: World, client: Client) -> None:
    password_sign_in(client, world.observer)

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0].startswith(SETUP)
    assert b"<svg" in response.content
    assert not TOTPDevice.objects.filter(user=world.observer).exists()


def test_a_post_before_the_code_changes_nothing(world: World, client: Client) -> None:
    give_app(world.coordinator)
    password_sign_in(client, world.coordinator)

    response = client.post(
        reverse("accounts:profile"), {"display_name": "Hijacked", "pronouns": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == VERIFY
    world.coordinator.refresh_from_db()
    assert world.coordinator.display_name == "Cora Coordinator"


# --- The pages of the second step show only the brand and signing out ---------------------


def _header(response: Any) -> str:
    page = response.content.decode()
    return page[page.index('<header class="site-header">') : page.index("</header>")]


SITE_LINKS = ("accounts:profile", "training:support", "schemes:list", "training:concerns")


def _shows_only_brand_and_sign_out(response: Any) -> None:
    assert response.status_code == 200
    header = _header(response)
    assert 'class="brand"' in header and reverse("accounts:logout") in header
    assert "Sign out" in header
    for name in SITE_LINKS:
        assert f'href="{reverse(name)}"' not in header, name


def test_the_code_page_shows_no_site_navigation_before_the_code(
    world: World, client: Client
) -> None:
    give_app(world.coordinator)
    password_sign_in(client, world.coordinator)

    _shows_only_brand_and_sign_out(client.get(VERIFY))


def test_the_set_up_page_shows_no_site_navigation_before_the_second_step(
    world: World, client: Client
) -> None:
    password_sign_in(client, world.observer)

    _shows_only_brand_and_sign_out(client.get(SETUP))


def test_once_past_the_code_the_pages_show_the_site_navigation_again(
    world: World, client: Client
) -> None:
    device = give_app(world.coordinator)
    password_sign_in(client, world.coordinator)
    client.post(VERIFY, {"code": code_for(device.key)})

    for page in (client.get(SETUP), client.get(reverse("accounts:profile"))):
        header = _header(page)
        assert page.status_code == 200
        assert f'href="{reverse("accounts:profile")}"' in header
        assert f'href="{reverse("schemes:list")}"' in header


# --- Setting up ---------------------------------------------------------------------------


def test_setting_up_confirms_the_app_by_its_first_code_and_shows_backup_codes_once(
    world: World, client: Client
) -> None:
    password_sign_in(client, world.coordinator)
    page = client.get(SETUP)
    key = client.session["flipside_pending_totp_key"]
    assert second_factor.base32_secret(key).encode() in page.content
    before = client.cookies[settings.SESSION_COOKIE_NAME].value

    wrong = client.post(SETUP, {"code": "000000" if code_for(key) != "000000" else "111111"})
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=world.coordinator).exists()

    done = client.post(SETUP, {"code": code_for(key)})

    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.content.decode())
    assert len(codes) == 10
    device = TOTPDevice.objects.get(user=world.coordinator)
    assert device.confirmed and device.key == key
    assert not StaticToken.objects.filter(token__in=codes).exists()  # kept as hashes only
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert client.get(reverse("home")).status_code == 200
    assert audit_codes(world.coordinator) == ["accounts.second_factor.set_up"]
    # The set-up code cannot be used again to sign in.
    client.post(reverse("accounts:logout"))
    password_sign_in(client, world.coordinator)
    assert "not right" in client.post(VERIFY, {"code": code_for(key)}).content.decode()


def test_a_password_alone_cannot_replace_someones_app(world: World, client: Client) -> None:
    device = give_app(world.coordinator)
    password_sign_in(client, world.coordinator)

    response = client.get(SETUP)

    assert response["Location"] == VERIFY
    assert list(TOTPDevice.objects.filter(user=world.coordinator)) == [device]


# --- Codes after the password -------------------------------------------------------------


def test_the_right_code_signs_in_with_a_new_session_id_and_goes_where_asked(
    world: World, client: Client
) -> None:
    device = give_app(world.coordinator)
    password_sign_in(client, world.coordinator)
    before = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post(VERIFY, {"code": code_for(device.key), "next": "/accounts/profile/"})

    assert response["Location"] == "/accounts/profile/"
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_an_off_site_next_after_the_code_falls_back_to_the_home_page(
    target: str, world: World, client: Client
) -> None:
    device = give_app(world.observer)
    password_sign_in(client, world.observer)

    response = client.post(VERIFY, {"code": code_for(device.key), "next": target})

    assert response["Location"] == reverse("home")


def test_a_code_works_once(world: World) -> None:
    device = give_app(world.coordinator)
    first, second = Client(), Client()
    password_sign_in(first, world.coordinator)
    password_sign_in(second, world.coordinator)
    code = code_for(device.key)

    assert first.post(VERIFY, {"code": code}).status_code == 302
    replay = second.post(VERIFY, {"code": code})

    assert "has been used already" in replay.content.decode()
    assert second.get(reverse("home"))["Location"].startswith(VERIFY)


def test_an_expired_or_wrong_code_is_refused_and_audited(world: World, client: Client) -> None:
    device = give_app(world.coordinator, steps_used=-10)
    password_sign_in(client, world.coordinator)

    expired = client.post(VERIFY, {"code": code_for(device.key, steps=-3)})
    nonsense = client.post(VERIFY, {"code": "<script>"})

    assert "4 tries left" in expired.content.decode()
    assert "3 tries left" in nonsense.content.decode()
    assert audit_codes(world.coordinator) == ["accounts.second_factor.failed"] * 2


def test_five_wrong_codes_lock_the_person_out_for_fifteen_minutes(
    world: World, client: Client
) -> None:
    device = give_app(world.coordinator)
    password_sign_in(client, world.coordinator)
    right = code_for(device.key)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        client.post(VERIFY, {"code": wrong})

    fifth = client.post(VERIFY, {"code": wrong})
    locked = client.post(VERIFY, {"code": right})

    assert "try again in 15 minutes" in fifth.content.decode()
    assert "try again in 15 minutes" in locked.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)
    with time_machine.travel(time.time() + 16 * 60, tick=False):
        later = client.post(VERIFY, {"code": code_for(device.key)})
        assert later.status_code == 302
        assert client.get(reverse("home")).status_code == 200


# --- Backup codes -------------------------------------------------------------------------


def test_a_backup_code_works_once_and_says_how_many_are_left(world: World, client: Client) -> None:
    give_app(world.observer)
    codes = second_factor.new_backup_codes(world.observer)
    password_sign_in(client, world.observer)

    used = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)

    assert "9 left" in used.content.decode()
    client.post(reverse("accounts:logout"))
    password_sign_in(client, world.observer)
    again = client.post(VERIFY, {"code": codes[0]})
    assert "has been used already" in again.content.decode()
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302
    assert audit_codes(world.observer) == [
        "accounts.second_factor.backup_codes_made",
        "accounts.second_factor.backup_code_used",
        "accounts.second_factor.failed",
        "accounts.second_factor.backup_code_used",
    ]


def test_new_backup_codes_need_a_recent_sign_in_and_replace_the_old(
    world: World, client: Client
) -> None:
    device = give_app(world.coordinator)
    old = second_factor.new_backup_codes(world.coordinator)
    password_sign_in(client, world.coordinator)
    client.post(VERIFY, {"code": code_for(device.key)})
    session = client.session
    session[AUTHENTICATED_AT] = int(time.time()) - settings.RECENT_AUTHENTICATION_SECONDS - 1
    session.save()
    make = reverse("accounts:second_factor_backup_codes")

    asked = client.post(make)
    assert asked["Location"].startswith(reverse("accounts:confirm_identity"))
    confirm = client.post(
        asked["Location"], {"password": PASSWORD, "code": old[5]}
    )  # a backup code confirms too
    assert confirm["Location"] == reverse("accounts:second_factor")
    new = re.findall(r"<code>([a-z2-9-]{11})</code>", client.post(make).content.decode())

    assert len(new) == 10
    assert second_factor.verify(world.coordinator, new[0]).backup_codes_left == 9
    with pytest.raises(second_factor.SecondFactorError):
        second_factor.verify(world.coordinator, old[0])


# --- A recent sign-in before sensitive changes --------------------------------------------


def test_changing_the_password_needs_the_password_and_a_code_again_after_five_minutes(
    world: World, client: Client
) -> None:
    device = give_app(world.coordinator)
    password_sign_in(client, world.coordinator)
    client.post(VERIFY, {"code": code_for(device.key)})
    change = reverse("accounts:password_change")
    assert client.get(change).status_code == 200  # just signed in

    with time_machine.travel(time.time() + 6 * 60, tick=False):
        asked = client.get(change)
        assert asked["Location"] == (
            reverse("accounts:confirm_identity") + "?next=%2Faccounts%2Fpassword%2Fchange%2F"
        )
        bad = client.post(asked["Location"], {"password": "wrong password!", "code": "123456"})
        assert "That is not your password" in bad.content.decode()
        good = client.post(
            asked["Location"], {"password": PASSWORD, "code": code_for(device.key, steps=1)}
        )
        assert good["Location"] == change
        assert client.get(change).status_code == 200


# --- The reset by an organisation coordinator ---------------------------------------------


def test_an_organisation_coordinator_resets_a_second_factor_which_is_audited_and_emailed(
    world: World, client: Client
) -> None:
    give_app(world.coordinator)
    second_factor.new_backup_codes(world.coordinator)
    epoch = world.coordinator.session_epoch
    lead = give_app(world.org_coordinator)
    password_sign_in(client, world.org_coordinator)
    client.post(VERIFY, {"code": code_for(lead.key)})
    clear_sent_mail()

    response = client.post(
        reverse("accounts:second_factor_reset"), {"email": "Coordinator@example.ac.uk"}
    )

    assert response["Location"] == reverse("accounts:second_factor_reset")
    assert not TOTPDevice.objects.filter(user=world.coordinator).exists()
    assert second_factor.backup_codes_left(world.coordinator) == 0
    world.coordinator.refresh_from_db()
    assert world.coordinator.session_epoch == epoch + 1
    entry = AuditEntry.objects.get(action="accounts.second_factor.reset")
    assert (entry.actor, entry.object_id) == (world.org_coordinator, str(world.coordinator.pk))
    (mail,) = sent_mail()
    assert mail.to == ["coordinator@example.ac.uk"]
    assert "Olu Lead" in mail.body


@pytest.mark.parametrize("role", ["coordinator", "observer", "outsider"])
def test_people_who_are_not_organisation_coordinators_cannot_reset(role: str, world: World) -> None:
    device = give_app(world.mentee)
    client = Client()
    person = getattr(world, role)
    Client.force_login(client, person)
    session = client.session
    session["otp_device_id"] = give_app(person).persistent_id
    session.save()

    response = client.post(reverse("accounts:second_factor_reset"), {"email": world.mentee.email})

    assert response.status_code == 403
    assert list(TOTPDevice.objects.filter(user=world.mentee)) == [device]


def test_an_organisation_coordinator_cannot_reset_someone_of_another_organisation(
    world: World,
) -> None:
    give_app(world.outsider)

    assert second_factor.resettable_person(world.org_coordinator, world.outsider.email) is None
    assert second_factor.resettable_person(world.org_coordinator, world.mentor.email) == (
        world.mentor
    )
    assert second_factor.resettable_person(world.org_coordinator, world.org_coordinator.email) is (
        None
    )


def test_the_demo_and_the_tests_can_tell_a_code_from_a_key() -> None:
    key = "3132333435363738393031323334353637383930"  # RFC 6238's test key
    with time_machine.travel(datetime.datetime.fromtimestamp(59, tz=datetime.UTC), tick=False):
        assert code_for(key) == "287082"  # RFC 6238, T = 59, last 6 digits
