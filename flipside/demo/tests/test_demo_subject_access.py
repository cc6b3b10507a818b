"""Subject access over the demo: the demo mentor, with everything a participant can leave
behind, finds each of those in their download and nothing private to anyone else; producing it
takes as many queries however many other people there are."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from conftest import bulk_members
from flipside.accounts.models import User
from flipside.demo import seed as demo
from flipside.ideas.models import Proposer
from flipside.matching.models import Pair
from flipside.partnerships.services.journal import add_entry
from flipside.privacy import crypto, subject_access
from flipside.privacy.services import save_equality_answers
from flipside.surveys.models import Invitation, Response
from flipside.surveys.pseudonyms import pseudonym

pytestmark = pytest.mark.django_db

MINE = {
    "journal": "MY-JOURNAL-7f1",
    "equality": "MY-EQUALITY-7f1",
    "survey": "MY-SURVEY-7f1",
}
THEIRS = {
    "journal": "PARTNER-JOURNAL-9c2",
    "equality": "PARTNER-EQUALITY-9c2",
    "survey": "PARTNER-SURVEY-9c2",
}


@pytest.fixture
def rich(settings: Any) -> tuple[User, User]:
    """The demo, and its mentor and their mentee each with a journal entry, equality answers
    given with consent and a survey answered in their own words."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    mentor, mentee = User.objects.get(email=demo.MENTOR), User.objects.get(email=demo.MENTEE)
    pair = Pair.objects.get(mentor=mentor, mentee=mentee)
    survey = Invitation.objects.filter(user=mentor).select_related("survey").first().survey
    for person, words in ((mentor, MINE), (mentee, THEIRS)):
        add_entry(pair, person, words["journal"])
        save_equality_answers(
            person,
            pair.cohort,
            answers={"ethnicity": "self_describe", "ethnicity_description": words["equality"]},
            consent=True,
            asked=["ethnicity"],
        )
        Response.objects.create(
            survey=survey,
            pseudonym=pseudonym(person.pk, survey.series_id),
            answers={"1": 4},
            ciphertext=crypto.encrypt({"2": words["survey"]}),
        )
    return mentor, mentee


def tables(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {t["table"]: t["rows"] for a in data["activities"] for t in a["tables"]}


def test_the_mentors_download_holds_each_part_of_their_year_and_nothing_private_to_others(
    rich: tuple[User, User],
) -> None:
    mentor, mentee = rich
    data = subject_access.as_json(
        mentor, subject_access.export(mentor), produced=mentor.date_joined
    )
    held, text = tables(data), json.dumps(data)

    assert held["accounts.User"][0]["email"] == demo.MENTOR
    assert held["accounts.User"][0]["password"] == subject_access.HASH
    assert held["recruitment.Application"][0]["applicant"] == "you"
    assert held["training.Booking"] and held["training.TrainingSession"]
    assert held["matching.Pair"][0]["mentor"] == "you"
    assert held["matching.Pair"][0]["mentee"] == subject_access.ANOTHER
    assert len(held["partnerships.Meeting"]) >= 2
    assert held["payments.Line"] and all(r["mentor"] == "you" for r in held["payments.Line"])
    assert held["payments.Timesheet"]
    assert held["surveys.Invitation"]
    assert [r["ciphertext"] for r in held["surveys.Response"]] == [{"2": MINE["survey"]}]
    proposed = {r["idea"] for r in held["ideas.Proposer"]}
    assert {f"Idea {r['id']}" for r in held["ideas.Idea"]} >= proposed
    equality = held["privacy.EqualityRecord"][0]["ciphertext"]
    assert equality["ethnicity_description"] == MINE["equality"]
    assert {r["event"] for r in held["privacy.ConsentRecord"]} == {"Given"}
    assert [r["ciphertext"] for r in held["partnerships.JournalEntry"]] == [
        {"text": MINE["journal"]}
    ]
    assert held["notifications.OutboxMessage"][0]["to"] == demo.MENTOR
    assert "not included" in held["notifications.OutboxMessage"][0]["body_text"]
    assert held["privacy.AuditEntry"]

    for secret in THEIRS.values():
        assert secret not in text
    assert mentee.email not in text and mentee.display_name not in text


def test_the_partners_download_leaves_out_the_mentors_journal_pay_and_answers(
    rich: tuple[User, User],
) -> None:
    mentor, mentee = rich
    data = subject_access.as_json(
        mentee, subject_access.export(mentee), produced=mentee.date_joined
    )
    held, text = tables(data), json.dumps(data)

    assert [r["ciphertext"] for r in held["partnerships.JournalEntry"]] == [
        {"text": THEIRS["journal"]}
    ]
    assert "payments.Line" not in held and "payments.Timesheet" not in held
    assert held["partnerships.Meeting"]  # the pair's meetings are the mentee's too
    for secret in MINE.values():
        assert secret not in text
    assert mentor.email not in text


def test_producing_a_download_takes_as_many_queries_however_many_other_people(
    rich: tuple[User, User],
) -> None:
    mentor, _ = rich

    def count() -> int:
        reset_queries()  # the seeding filled the log: counted from empty, none are dropped
        with CaptureQueriesContext(connection) as queries:
            subject_access.export(mentor)
        return len(queries)

    before = count()
    pair = Pair.objects.get(mentor=mentor)
    others = bulk_members(pair.cohort, "mentee", 40, name="Other")
    for other in others[:10]:
        Proposer.objects.create(idea=Proposer.objects.filter(user=mentor).first().idea, user=other)
    assert 30 < before < 1000  # one query a table (and kind of thing), not one a row
    assert count() == before
