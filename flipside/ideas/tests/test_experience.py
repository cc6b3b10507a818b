"""The experience behind an idea is encrypted at rest like a journal: the database holds no
plaintext of it, key rotation keeps it readable, and it is shown on the idea's own page to
coordinators, its owner and its proposers only, never on the board or any list."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from conftest import World, make_user, response_text
from flipside.ideas.models import Idea, IdeaSettings, Status
from flipside.ideas.services import ideas
from flipside.ideas.services.owners import update_board_settings
from flipside.privacy import crypto

from .builders import accepted, an_idea, moved

pytestmark = pytest.mark.django_db

EXPERIENCE = "SENTINEL-LIVED-EXPERIENCE-4417: a rash I was never taught to see"


def stored_row(idea: Idea) -> list[str]:
    """Every column of the idea's row as the database holds it, as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ideas_idea WHERE id = %s", [idea.pk])
        return [str(value) for value in cursor.fetchone()]


def test_the_database_holds_no_plaintext_of_the_experience(world: World, client: Any) -> None:
    client.force_login(world.mentor)
    url = reverse("ideas:record", args=[world.cohort.pk])
    key = client.get(url).context["form"].initial["submit_key"]
    client.post(url, {
        "title": "Images of every skin tone", "description": "Use them in teaching.",
        "area": "curriculum", "level": "departmental", "experience": EXPERIENCE,
        "way": "person", "submit_key": key,
    })  # fmt: skip
    idea = Idea.objects.get()
    row = stored_row(idea)
    assert not any("SENTINEL" in value or "rash" in value for value in row)
    assert crypto.decrypt(idea.experience_ciphertext) == {"text": EXPERIENCE}
    assert ideas.experience_of(idea) == EXPERIENCE
    # Nor does anything written beside it: history, audit, the proposers' emails.
    with connection.cursor() as cursor:
        for table in ("ideas_ideachange", "privacy_auditentry", "notifications_outboxmessage"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
            assert not any("SENTINEL" in str(v) for r in cursor.fetchall() for v in r), table


def test_an_idea_without_an_experience_still_holds_a_sealed_value(world: World) -> None:
    idea = an_idea(world)
    assert idea.experience_ciphertext and ideas.experience_of(idea) == ""
    made_in_bulk = Idea(
        organisation=world.organisation, cohort=world.cohort, title="T", description="D",
        area="policy", level="individual",
    )  # fmt: skip
    assert crypto.decrypt(made_in_bulk.experience_ciphertext) == {"text": ""}


def test_key_rotation_keeps_the_experience_readable(
    world: World, client: Any, settings: Any
) -> None:
    """``rotate_encryption_keys`` reaches ideas (registered in the app's ``ready()``),
    ideas without an experience included, so the old key can then be removed."""
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    told = an_idea(world, title="Told", experience=EXPERIENCE)
    an_idea(world, title="Untold")
    before = told.experience_ciphertext
    new_key = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key removed
    told.refresh_from_db()
    assert told.experience_ciphertext != before
    assert ideas.experience_of(told) == EXPERIENCE
    assert [ideas.experience_of(i) for i in Idea.objects.order_by("pk")] == [EXPERIENCE, ""]
    client.force_login(world.coordinator)
    assert EXPERIENCE in response_text(client.get(reverse("ideas:idea", args=[told.pk])))


def test_an_experience_no_key_opens_says_so_instead_of_failing(
    world: World, client: Any, settings: Any
) -> None:
    idea = an_idea(world, experience=EXPERIENCE)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]  # the key was lost
    client.force_login(world.coordinator)
    response = client.get(reverse("ideas:idea", args=[idea.pk]))
    assert response.status_code == 200
    assert "This can no longer be read." in response_text(response)


def test_the_experience_is_on_the_idea_page_only_and_never_on_a_board_or_list(
    world: World, client: Any
) -> None:
    boss = make_user("Prof Boss")
    idea = accepted(world, an_idea(world, title="Seen", experience=EXPERIENCE), boss)
    moved(an_idea(world, title="Also", experience=EXPERIENCE), world.coordinator, "considering")
    update_board_settings(world.organisation, by=world.org_coordinator, public_board=True,
                          version=1)  # fmt: skip
    token = IdeaSettings.objects.get(organisation=world.organisation).public_token
    page = reverse("ideas:idea", args=[idea.pk])
    for person in (world.coordinator, boss, world.mentor, world.mentee):
        client.force_login(person)
        assert EXPERIENCE in response_text(client.get(page)), person
    lists = {
        "board": reverse("ideas:board", args=[world.organisation.pk]),
        "register": reverse("ideas:register", args=[world.organisation.pk]),
        "mine": reverse("ideas:mine"),
        "home": reverse("home"),
        "cohort": reverse("home:cohort", args=[world.cohort.pk]),
    }
    for person in (world.coordinator, boss, world.mentor, world.observer):
        client.force_login(person)
        for name, url in lists.items():
            response = client.get(url)
            assert EXPERIENCE not in response_text(response), (person, name)
    client.logout()
    public = response_text(client.get(reverse("ideas:public_board", args=[token])))
    assert "Seen" in public and EXPERIENCE not in public
    assert Idea.objects.get(pk=idea.pk).status == Status.ACCEPTED
