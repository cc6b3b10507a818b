"""Equality answers read for counting: consenting people only, categories only."""

from __future__ import annotations

import pytest

from conftest import World, make_cohort, make_user
from flipside.privacy import crypto
from flipside.privacy.aggregates import answers_by_person
from flipside.privacy.equality import QUESTIONS
from flipside.privacy.models import EqualityRecord
from flipside.privacy.services import save_equality_answers, withdraw_equality_answers

pytestmark = pytest.mark.django_db


def consent(user: object, cohort: object, **answers: str) -> None:
    save_equality_answers(
        user, cohort, answers=answers, consent=True, asked=[k for k in answers if k in QUESTIONS]
    )


def test_each_consenting_person_is_read_per_cohort(world: World) -> None:
    later = make_cohort(world.scheme, label="2027/28")
    consent(world.mentor, world.cohort, ethnicity="black", disability="no")
    consent(world.mentor, later, ethnicity="black", disability="yes")
    consent(world.mentee, world.other_cohort, ethnicity="white")

    found = answers_by_person([world.cohort.pk, later.pk])

    assert found == {
        (world.mentor.pk, world.cohort.pk): {"ethnicity": "black", "disability": "no"},
        (world.mentor.pk, later.pk): {"ethnicity": "black", "disability": "yes"},
    }


def test_people_who_withdrew_or_never_agreed_are_absent(world: World) -> None:
    consent(world.mentor, world.cohort, ethnicity="black")
    consent(world.mentee, world.cohort, ethnicity="white")
    withdraw_equality_answers(world.mentee, world.cohort)
    save_equality_answers(
        world.observer, world.cohort, answers={"ethnicity": "asian"}, consent=False, asked=[]
    )

    assert set(answers_by_person([world.cohort.pk])) == {(world.mentor.pk, world.cohort.pk)}


def test_self_descriptions_stay_behind_and_only_the_category_comes_out(world: World) -> None:
    consent(
        world.mentor,
        world.cohort,
        ethnicity="self_describe",
        ethnicity_description="SENTINEL-Cornish and Nigerian",
        first_generation="prefer_not_to_say",
    )

    found = answers_by_person([world.cohort.pk])

    assert found[(world.mentor.pk, world.cohort.pk)] == {
        "ethnicity": "self_describe",
        "first_generation": "prefer_not_to_say",
    }
    assert "SENTINEL" not in repr(found)


def test_only_the_people_asked_for_are_read(world: World) -> None:
    others = [make_user() for _ in range(3)]
    for person in [world.mentor, *others]:
        consent(person, world.cohort, ethnicity="mixed")

    found = answers_by_person([world.cohort.pk], user_ids=[world.mentor.pk, others[0].pk])

    assert set(found) == {(world.mentor.pk, world.cohort.pk), (others[0].pk, world.cohort.pk)}


def test_an_answer_no_longer_offered_counts_as_prefer_not_to_say(world: World) -> None:
    consent(world.mentor, world.cohort, ethnicity="black")
    # As if the options had changed since the person answered.
    EqualityRecord.objects.filter(user=world.mentor).update(
        ciphertext=crypto.encrypt({"ethnicity": "retired-option", "not_a_question": "x"})
    )

    found = answers_by_person([world.cohort.pk])

    assert found[(world.mentor.pk, world.cohort.pk)] == {"ethnicity": "prefer_not_to_say"}
    assert set(found[(world.mentor.pk, world.cohort.pk)]) <= set(QUESTIONS)
