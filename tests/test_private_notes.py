"""Private text shows only to whom it belongs, on every page of the site: reviewers' notes to
the cohort's coordinators on the review page, and a partner's journal entry to its author on
their journal page (never to their partner, coordinators or anyone else). One walk over every
URL per role checks both."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World, response_text
from flipside.matching.models import Pair
from flipside.partnerships.services import journal
from flipside.recruitment.services import add_note
from tests.test_access_matrix import (
    ROLES,
    all_url_names,
    matrix_application,
    matrix_matching,
    url_for,
)

NOTE = "Zq7-private-reviewer-note-4Fw"
JOURNAL = "Zanzibar-journal-entry-9Kp"
COORDINATORS = {"coordinator", "org_coordinator", "cohort_coordinator"}


text_of = response_text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_private_notes_and_journals_show_only_to_whom_they_belong(
    role: str, world: World, client: Client
) -> None:
    application = matrix_application(world)  # the mentor's submitted application
    add_note(application, author=world.coordinator, text=NOTE)
    pair = Pair.objects.get(pk=matrix_matching(world)["pair_id"])
    journal.add_entry(pair, world.mentor, JOURNAL)
    if role != "anonymous":
        client.force_login(getattr(world, role))
    client.raise_request_exception = False  # a page another part breaks still shows neither
    notes, journals = set(), set()
    for name in all_url_names():
        page = text_of(client.get(url_for(name, world)))
        if NOTE in page:
            notes.add(name)
        if JOURNAL in page:
            journals.add(name)
    # Besides, each author reads their own words in their own download of their data.
    own = {"privacy:download", "privacy:download_json"}
    reviewers = {"recruitment:review"} | (own if role == "coordinator" else set())
    assert notes == (reviewers if role in COORDINATORS else set())
    assert journals == ({"partnerships:journal"} | own if role == "mentor" else set())
