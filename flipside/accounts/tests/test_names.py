"""Names and other single-line text cannot carry characters that rewrite the page around
them: a right-to-left override is refused, with a message saying what it does, everywhere a
person can type a name or a title."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from conftest import World, make_user
from flipside.accounts.models import User
from flipside.accounts.tests.test_invitations import accept, invitation_path, token_in
from flipside.schemes.models import Role, Scheme

pytestmark = pytest.mark.django_db

RLO = "\u202e"
REVERSED = f"Ada {RLO}ecalevoL"  # stored reversed, shown as "Ada Lovelace"
MESSAGE = "Remove the hidden text-direction characters (U+202E RIGHT-TO-LEFT OVERRIDE)."


def test_a_name_with_a_right_to_left_override_is_refused_on_the_profile_with_a_clear_message(
    client: Client, world: World
) -> None:
    client.force_login(world.mentor)

    response = client.post(
        reverse("accounts:profile"), {"display_name": REVERSED, "pronouns": "they/them"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content and MESSAGE in content
    world.mentor.refresh_from_db()
    assert (world.mentor.display_name, world.mentor.pronouns) == ("Mo Mentor", "")


def test_pronouns_with_a_direction_mark_are_refused(client: Client, world: World) -> None:
    client.force_login(world.mentor)

    response = client.post(
        reverse("accounts:profile"), {"display_name": "Mo Mentor", "pronouns": "she/her\u200f"}
    )

    assert "U+200F RIGHT-TO-LEFT MARK" in response.content.decode()
    world.mentor.refresh_from_db()
    assert world.mentor.pronouns == ""


def test_a_right_to_left_name_is_kept_as_typed(client: Client, world: World) -> None:
    client.force_login(world.mentor)

    client.post(reverse("accounts:profile"), {"display_name": "ليلى حداد", "pronouns": "هي"})

    world.mentor.refresh_from_db()
    assert (world.mentor.display_name, world.mentor.pronouns) == ("ليلى حداد", "هي")


def test_a_name_with_an_override_is_refused_when_accepting_an_invitation(
    client: Client, world: World
) -> None:
    from conftest import sent_mail
    from flipside.accounts import services

    services.invite_person(
        world.cohort, email="new@example.ac.uk", role=Role.MENTOR, by=world.coordinator
    )
    token = token_in(sent_mail()[-1])

    response = accept(client, token, display_name=REVERSED)

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert client.get(invitation_path(token)).status_code == 200
    assert not User.objects.filter(email="new@example.ac.uk").exists()


def test_a_scheme_name_with_an_override_is_refused(client: Client, world: World) -> None:
    client.force_login(world.org_coordinator)
    data = {
        "name": f"Pride {RLO}gnirotneM",
        "centres": "LGBTQ+ students",
        "description": "",
        "default_min_meetings": 4,
        "default_meeting_minutes": 60,
    }

    response = client.post(reverse("schemes:create"), data)

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Scheme.objects.filter(name__contains=RLO).exists()


def test_an_account_cannot_be_saved_with_an_override_in_its_name(world: World) -> None:
    with pytest.raises(ValidationError):
        User.objects.create_user("ada@example.ac.uk", "a long passphrase", display_name=REVERSED)
    person = make_user()
    person.pronouns = f"he{RLO}"
    with pytest.raises(ValidationError):
        person.full_clean()


def test_create_coordinator_refuses_a_name_with_an_override(world: World) -> None:
    with pytest.raises(CommandError, match="text-direction"):
        call_command(
            "create_coordinator",
            organisation="New Org",
            email="ada@example.ac.uk",
            name=REVERSED,
            password="a long passphrase",
            stdout=StringIO(),
        )
    assert not User.objects.filter(email="ada@example.ac.uk").exists()


def test_the_migration_removes_direction_controls_already_stored_in_names(
    world: World, capsys: Any
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("flipside.accounts.migrations.0005_name_validators")
    User.objects.filter(pk=world.mentor.pk).update(display_name=REVERSED, pronouns="\u200fhe")

    migration.remove_direction_controls(apps, None)

    world.mentor.refresh_from_db()
    world.mentee.refresh_from_db()
    assert (world.mentor.display_name, world.mentor.pronouns) == ("Ada ecalevoL", "he")
    assert world.mentee.display_name == "Prof Mena Mentee"
    assert f"users {world.mentor.pk}" in capsys.readouterr().out
