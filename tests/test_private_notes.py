"""Reviewers' private notes reach coordinators of the cohort on the review page, nobody else."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World, response_text
from flipside.recruitment.services import add_note
from tests.test_access_matrix import ROLES, all_url_names, matrix_application, url_for

NOTE = "Zq7-private-reviewer-note-4Fw"
COORDINATORS = {"coordinator", "org_coordinator", "cohort_coordinator"}


text_of = response_text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_private_notes_show_only_to_the_cohorts_coordinators(
    role: str, world: World, client: Client
) -> None:
    application = matrix_application(world)  # the mentor's submitted application
    add_note(application, author=world.coordinator, text=NOTE)
    if role != "anonymous":
        client.force_login(getattr(world, role))
    showing = {
        name for name in all_url_names() if NOTE in text_of(client.get(url_for(name, world)))
    }
    assert showing == ({"recruitment:review"} if role in COORDINATORS else set())
