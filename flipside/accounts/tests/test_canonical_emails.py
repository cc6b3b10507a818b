"""One person, one account: every door stores and compares email addresses in one canonical
form, refuses hidden characters with a clear message, and never reaches ``create_user`` with
an address whose canonical twin already has an account."""

from __future__ import annotations

import importlib
import unicodedata
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from conftest import World, make_user, sent_mail
from flipside.accounts import services
from flipside.accounts.models import Invitation, User
from flipside.schemes.models import Membership, OrganisationCoordinator, Role

pytestmark = pytest.mark.django_db

PASSWORD = "lantern orchard pebble"
# The same mailbox, typed with a precomposed ä (NFC) and with a + combining diaeresis (NFD).
NFC = unicodedata.normalize("NFC", "zoe@exämple.ac.uk")
NFD = unicodedata.normalize("NFD", "zoe@exämple.ac.uk")
ZWJ_DOMAIN = "zoe@exa\u200dmple.ac.uk"
ZWJ_LOCAL = "zo\u200de@example.ac.uk"


def test_the_two_spellings_really_differ() -> None:
    assert NFC != NFD and len(NFD) == len(NFC) + 1


def test_a_new_account_stores_the_canonical_form(db: Any) -> None:
    user = make_user(email="Zoe@EXÄMPLE.ac.uk".replace("Ä", "A\u0308"))
    assert user.email == NFC


def test_an_account_for_the_canonical_twin_of_an_existing_one_is_refused_not_a_crash(
    world: World,
) -> None:
    make_user(email=NFC)
    with pytest.raises(ValidationError):
        User.objects.create_user(NFD, PASSWORD, display_name="Twin")
    assert User.objects.filter(email__startswith="zoe@").count() == 1


# --- Invitations ----------------------------------------------------------------------------


def invite_and_get_token(world: World, email: str) -> str:
    from flipside.accounts.tests.test_invitations import token_in

    services.invite_person(world.cohort, email=email, role=Role.MENTOR, by=world.coordinator)
    return token_in(sent_mail()[-1])


def test_an_invitation_stores_the_canonical_form(world: World) -> None:
    invitation = services.invite_person(
        world.cohort, email=NFD.upper(), role=Role.MENTOR, by=world.coordinator
    )
    assert invitation.email == NFC


def test_accepting_an_invitation_to_the_decomposed_twin_of_an_account_asks_to_sign_in(
    client: Client, world: World
) -> None:
    existing = make_user(email=NFC)
    token = invite_and_get_token(world, NFD)

    page = client.get(reverse("accounts:invitation", args=[token]))
    posted = client.post(
        reverse("accounts:invitation", args=[token]),
        {"display_name": "Zoe", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert page.status_code == posted.status_code == 200
    assert "sign in" in posted.content.decode().lower()
    assert list(User.objects.filter(email__startswith="zoe@")) == [existing]
    assert not Membership.objects.filter(cohort=world.cohort, user=existing).exists()


def test_the_service_never_creates_a_second_account_for_an_old_non_canonical_invitation(
    world: World,
) -> None:
    """An invitation row written before addresses were canonical (or by any other path)."""
    make_user(email=NFC)
    token = invite_and_get_token(world, "someone@example.ac.uk")
    Invitation.objects.update(email=NFD)

    with pytest.raises(services.AccountsError, match="already have an account"):
        services.accept_invitation_new_account(
            token, display_name="Zoe", pronouns="", password=PASSWORD
        )
    assert User.objects.filter(email__startswith="zoe@").count() == 1


def test_a_signed_in_person_accepts_an_invitation_sent_to_another_spelling_of_their_address(
    client: Client, world: World
) -> None:
    zoe = make_user(email=NFC)
    token = invite_and_get_token(world, NFD)
    client.force_login(zoe)

    response = client.post(reverse("accounts:invitation", args=[token]))

    assert response.status_code == 302
    assert Membership.objects.filter(cohort=world.cohort, user=zoe, role=Role.MENTOR).exists()


@pytest.mark.parametrize(
    ("address", "named"),
    [
        (ZWJ_DOMAIN, "ZERO WIDTH JOINER"),
        (ZWJ_LOCAL, "ZERO WIDTH JOINER"),
        ("zoe@example.ac.uk\u200b", "ZERO WIDTH SPACE"),
        ("\ufeffzoe@example.ac.uk", "ZERO WIDTH NO-BREAK SPACE"),
        ("zoe\u202e@example.ac.uk", "RIGHT-TO-LEFT OVERRIDE"),
        ("zo\u00ade@example.ac.uk", "SOFT HYPHEN"),
    ],
)
def test_an_invitation_to_an_address_with_a_hidden_character_is_refused_with_a_clear_message(
    client: Client, world: World, address: str, named: str
) -> None:
    client.force_login(world.coordinator)

    response = client.post(
        reverse("accounts:invite", args=[world.cohort.pk]), {"email": address, "role": "mentor"}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "hidden character" in content and named in content
    assert f'value="{address}"' in content  # what was typed is kept to correct
    assert not Invitation.objects.exists()


def test_the_invitation_service_refuses_a_hidden_character_with_its_own_error(
    world: World,
) -> None:
    with pytest.raises(services.AccountsError, match="hidden character"):
        services.invite_person(
            world.cohort, email=ZWJ_DOMAIN, role=Role.MENTOR, by=world.coordinator
        )
    assert not Invitation.objects.exists()


def test_inviting_a_member_by_another_spelling_of_their_address_is_refused(
    client: Client, world: World
) -> None:
    join_as = make_user(email=NFC)
    Membership.objects.create(cohort=world.cohort, user=join_as, role=Role.MENTOR)
    client.force_login(world.coordinator)

    response = client.post(
        reverse("accounts:invite", args=[world.cohort.pk]), {"email": NFD, "role": "mentee"}
    )

    assert response.status_code == 200
    assert "is already in this cohort" in response.content.decode()
    assert not Invitation.objects.exists()


# --- Sign-in and password reset ---------------------------------------------------------------


def test_signing_in_with_the_decomposed_spelling_reaches_the_account(
    client: Client, world: World
) -> None:
    zoe = make_user(email=NFC, password=PASSWORD)

    response = client.post(reverse("accounts:login"), {"username": NFD, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).wsgi_request.user == zoe


def test_signing_in_with_a_hidden_character_is_refused_with_a_clear_message(
    client: Client, world: World
) -> None:
    make_user(email="zoe@example.ac.uk", password=PASSWORD)

    response = client.post(
        reverse("accounts:login"), {"username": ZWJ_DOMAIN, "password": PASSWORD}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "hidden character" in content and "ZERO WIDTH JOINER" in content
    assert not response.wsgi_request.user.is_authenticated


def test_a_password_reset_asked_for_with_the_decomposed_spelling_reaches_the_account(
    client: Client, world: World
) -> None:
    make_user(email=NFC)

    response = client.post(reverse("accounts:password_reset"), {"email": NFD})

    assert response.status_code == 302
    assert [message.to for message in sent_mail()] == [[NFC]]


def test_a_password_reset_with_a_hidden_character_is_refused_with_a_clear_message(
    client: Client, world: World
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": ZWJ_LOCAL})

    assert response.status_code == 200
    assert "hidden character" in response.content.decode()
    assert sent_mail() == []


# --- The command that creates the first coordinator -----------------------------------------


def test_create_coordinator_reuses_the_account_of_another_spelling(world: World) -> None:
    zoe = make_user(email=NFC)

    call_command(
        "create_coordinator", organisation="New Org", email=NFD, name="Zoe", stdout=StringIO()
    )

    assert OrganisationCoordinator.objects.get(organisation__name="New Org").user == zoe
    assert User.objects.filter(email__startswith="zoe@").count() == 1


def test_create_coordinator_refuses_a_hidden_character(world: World) -> None:
    with pytest.raises(CommandError, match="hidden character"):
        call_command(
            "create_coordinator",
            organisation="New Org",
            email=ZWJ_DOMAIN,
            name="Zoe",
            password=PASSWORD,
            stdout=StringIO(),
        )
    assert not User.objects.filter(email__startswith="zoe@").exists()


# --- Existing rows --------------------------------------------------------------------------


def migration() -> Any:
    return importlib.import_module("flipside.accounts.migrations.0004_canonical_emails")


def test_the_migration_rewrites_existing_addresses_in_the_canonical_form(world: World) -> None:
    person = make_user(email="zoe@example.ac.uk")
    User.objects.filter(pk=person.pk).update(email=NFD)
    invitation = services.invite_person(
        world.cohort, email="x@example.ac.uk", role=Role.MENTOR, by=world.coordinator
    )
    Invitation.objects.filter(pk=invitation.pk).update(email="Ne\u200bw@Example.AC.uk")

    migration().canonicalise_emails(apps, None)

    person.refresh_from_db()
    invitation.refresh_from_db()
    assert (person.email, invitation.email) == (NFC, "new@example.ac.uk")


def test_the_migration_stops_and_names_two_accounts_for_one_address(world: World) -> None:
    first, second = make_user(email="zoe1@example.ac.uk"), make_user(email="zoe2@example.ac.uk")
    User.objects.filter(pk=first.pk).update(email=NFC)
    User.objects.filter(pk=second.pk).update(email=NFD.replace("zoe", "Zoe"))

    with pytest.raises(RuntimeError) as stopped:
        migration().canonicalise_emails(apps, None)

    message = str(stopped.value)
    assert f"user {first.pk}" in message and f"user {second.pk}" in message
    assert NFC in message
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.email == NFC and second.email == NFD.replace("zoe", "Zoe")  # nothing merged


def test_the_migration_stops_on_a_look_alike_made_with_an_invisible_character(
    world: World,
) -> None:
    first, second = make_user(email="zoe@example.ac.uk"), make_user(email="other@example.ac.uk")
    User.objects.filter(pk=second.pk).update(email="zoe@exa\u200dmple.ac.uk")

    with pytest.raises(RuntimeError, match=rf"user {first.pk}.*user {second.pk}"):
        migration().canonicalise_emails(apps, None)


def test_the_migration_stops_on_two_pending_invitations_that_become_one(world: World) -> None:
    a = services.invite_person(
        world.cohort, email="a@example.ac.uk", role=Role.MENTOR, by=world.coordinator
    )
    b = services.invite_person(
        world.cohort, email="b@example.ac.uk", role=Role.MENTOR, by=world.coordinator
    )
    Invitation.objects.filter(pk=b.pk).update(email="a@exa\u200bmple.ac.uk")
    Invitation.objects.filter(pk=a.pk).update(email="a@example.ac.uk")

    with pytest.raises(RuntimeError, match=rf"invitation {a.pk}.*invitation {b.pk}"):
        migration().canonicalise_emails(apps, None)


def test_the_migration_stops_and_names_an_account_whose_address_cannot_be_read(
    world: World,
) -> None:
    person = make_user(email="someone@example.ac.uk")
    User.objects.filter(pk=person.pk).update(email="someone@printer.local")

    with pytest.raises(RuntimeError, match=rf"user {person.pk}.*someone@printer\.local"):
        migration().canonicalise_emails(apps, None)
