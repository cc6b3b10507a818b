"""A person edits their own name and pronouns."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from flipside.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def save_profile(client: Client, **data: str) -> Any:
    return client.post(reverse("accounts:profile"), data)


@pytest.fixture
def as_mentor(client: Client, world: World) -> Client:
    client.force_login(world.mentor)
    return client


def test_the_profile_page_shows_the_current_details(as_mentor: Client, world: World) -> None:
    response = as_mentor.get(reverse("accounts:profile"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="Mo Mentor"' in content
    assert "mentor@example.ac.uk" in content


def test_a_person_can_change_their_name_and_pronouns(as_mentor: Client, world: World) -> None:
    response = save_profile(as_mentor, display_name="  Morgan Mentor ", pronouns="they/them")

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    world.mentor.refresh_from_db()
    assert (world.mentor.display_name, world.mentor.pronouns) == ("Morgan Mentor", "they/them")
    assert "Your details are saved" in as_mentor.get(response.url).content.decode()
    assert AuditEntry.objects.filter(action="accounts.profile.updated", actor=world.mentor).exists()


def test_pronouns_can_be_left_blank(as_mentor: Client, world: World) -> None:
    world.mentor.pronouns = "he/him"
    world.mentor.save()

    save_profile(as_mentor, display_name="Mo Mentor", pronouns="")

    world.mentor.refresh_from_db()
    assert world.mentor.pronouns == ""


def test_an_empty_name_is_refused_and_what_was_typed_is_kept(
    as_mentor: Client, world: World
) -> None:
    response = save_profile(as_mentor, display_name="   ", pronouns="xe/xem")

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert 'href="#id_display_name"' in content
    assert 'value="xe/xem"' in content
    world.mentor.refresh_from_db()
    assert (world.mentor.display_name, world.mentor.pronouns) == ("Mo Mentor", "")


def test_a_nul_byte_in_the_name_is_refused_with_a_clear_message(
    as_mentor: Client, world: World
) -> None:
    response = save_profile(as_mentor, display_name="Mo\x00Mentor", pronouns="")

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Remove the invisible control characters from this text." in content
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Mo Mentor"


@pytest.mark.parametrize("name", ["Mo\nBcc: all@example.ac.uk", "Mo\x1bMentor", "M" * 151])
def test_line_breaks_control_characters_and_overlong_names_are_refused(
    as_mentor: Client, world: World, name: str
) -> None:
    response = save_profile(as_mentor, display_name=name, pronouns="")

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Mo Mentor"


def test_html_in_a_name_is_shown_as_text_on_the_home_page(as_mentor: Client, world: World) -> None:
    save_profile(as_mentor, display_name="<script>alert(1)</script>", pronouns="<b>they</b>")

    response = as_mentor.get(reverse("home"))

    content = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert(1)</script>" not in content
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "<script>alert(1)</script>"


def test_template_syntax_in_a_name_is_shown_as_typed(as_mentor: Client, world: World) -> None:
    save_profile(as_mentor, display_name="{{7*7}}", pronouns="")

    content = as_mentor.get(reverse("home")).content.decode()

    assert "Hello, <bdi>{{7*7}}</bdi>" in content
    assert "Hello, 49" not in content


def test_extra_fields_cannot_change_email_or_privileges(as_mentor: Client, world: World) -> None:
    response = save_profile(
        as_mentor,
        display_name="Mo Mentor",
        pronouns="",
        email="attacker@example.com",
        is_staff="on",
        is_superuser="on",
        is_active="",
        password="plain",
    )

    assert response.status_code == 302
    world.mentor.refresh_from_db()
    assert world.mentor.email == "mentor@example.ac.uk"
    assert not world.mentor.is_staff
    assert not world.mentor.is_superuser
    assert world.mentor.is_active
    assert world.mentor.check_password("correct horse battery staple")


def test_editing_a_profile_changes_only_the_signed_in_person(
    as_mentor: Client, world: World
) -> None:
    save_profile(as_mentor, display_name="Changed", pronouns="", user="4", pk=str(world.mentee.pk))

    world.mentee.refresh_from_db()
    assert world.mentee.display_name == "Prof Mena Mentee"


def test_signed_out_visitors_cannot_see_or_edit_a_profile(client: Client, world: World) -> None:
    page = client.get(reverse("accounts:profile"))
    posted = save_profile(client, display_name="Changed", pronouns="")

    for response in [page, posted]:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert not AuditEntry.objects.filter(action="accounts.profile.updated").exists()
