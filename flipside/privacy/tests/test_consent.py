"""Consent records: insert-only evidence of each consent given and withdrawn, the state they
give, "leave me out of equality monitoring", and the carrying over of older consents."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from conftest import World, make_cohort
from flipside.privacy import crypto
from flipside.privacy.aggregates import answers_by_person
from flipside.privacy.consent import consents_of, is_left_out, wording_hash
from flipside.privacy.equality import PRIVACY_NOTICE_VERSION, consent_wording
from flipside.privacy.models import AuditEntry, ConsentRecord, EqualityRecord
from flipside.privacy.services import (
    PrivacyError,
    include_in_equality_monitoring,
    leave_out_of_equality_monitoring,
    save_equality_answers,
    withdraw_consent,
    withdraw_equality_answers,
)

pytestmark = pytest.mark.django_db

GIVEN, WITHDRAWN = ConsentRecord.Event.GIVEN, ConsentRecord.Event.WITHDRAWN


def give(user: object, cohort: object, **answers: str) -> None:
    answers = answers or {"ethnicity": "black"}
    save_equality_answers(user, cohort, answers=answers, consent=True, asked=list(answers))


def events(user: object) -> list[tuple[str, int | None, str]]:
    return list(
        ConsentRecord.objects.filter(user=user).values_list("purpose", "cohort_id", "event")
    )


def test_giving_records_the_categories_the_wording_its_hash_and_the_notice_version(
    world: World,
) -> None:
    give(world.mentor, world.cohort, ethnicity="black", disability="no")

    record = ConsentRecord.objects.get()
    assert (record.user, record.cohort, record.event) == (world.mentor, world.cohort, GIVEN)
    assert record.purpose == ConsentRecord.Purpose.EQUALITY_MONITORING
    assert record.categories == ["ethnicity", "disability"]
    assert record.notice_version == PRIVACY_NOTICE_VERSION
    assert record.wording == consent_wording(["ethnicity", "disability"])
    assert "my ethnic group and any disability" in record.wording
    assert record.notice_hash == wording_hash(record.wording)
    assert len(record.notice_hash) == 64


def test_a_consent_record_cannot_be_changed_or_deleted(world: World) -> None:
    give(world.mentor, world.cohort)
    record = ConsentRecord.objects.get()

    record.event = WITHDRAWN
    with pytest.raises(ValueError, match="insert-only"):
        record.save()
    with pytest.raises(ValueError, match="insert-only"):
        record.delete()
    with pytest.raises(ValueError, match="insert-only"):
        ConsentRecord.objects.filter(pk=record.pk).update(event=WITHDRAWN)
    with pytest.raises(ValueError, match="insert-only"):
        ConsentRecord.objects.all().delete()

    assert ConsentRecord.objects.get().event == GIVEN


def test_giving_then_withdrawing_leaves_two_records_and_no_answers(world: World) -> None:
    give(world.mentor, world.cohort)
    withdraw_equality_answers(world.mentor, world.cohort)

    cohort_id = world.cohort.pk
    assert events(world.mentor) == [
        ("equality_monitoring", cohort_id, GIVEN),
        ("equality_monitoring", cohort_id, WITHDRAWN),
    ]
    assert not EqualityRecord.objects.exists()
    assert answers_by_person([cohort_id]) == {}


def test_withdrawing_twice_records_one_withdrawal(world: World) -> None:
    give(world.mentor, world.cohort)
    given = ConsentRecord.objects.get()

    assert withdraw_consent(world.mentor, given) is True
    assert withdraw_consent(world.mentor, given) is False
    assert withdraw_equality_answers(world.mentor, world.cohort) is False

    assert ConsentRecord.objects.filter(event=WITHDRAWN).count() == 1
    assert AuditEntry.objects.filter(action="privacy.equality.consent_withdrawn").count() == 1


def test_changing_answers_under_the_same_statement_records_no_second_consent(
    world: World,
) -> None:
    give(world.mentor, world.cohort, ethnicity="black")
    give(world.mentor, world.cohort, ethnicity="asian")
    assert ConsentRecord.objects.count() == 1

    # A scheme asking another question names another category: a new agreement.
    give(world.mentor, world.cohort, ethnicity="asian", disability="yes")
    assert [r.categories for r in ConsentRecord.objects.all()] == [
        ["ethnicity"],
        ["ethnicity", "disability"],
    ]


def test_answers_whose_consent_was_withdrawn_are_never_counted_even_if_they_come_back(
    world: World,
) -> None:
    give(world.mentor, world.cohort)
    stored = EqualityRecord.objects.get()
    withdraw_equality_answers(world.mentor, world.cohort)
    # The answers come back without a new consent (restored from an older backup, say).
    EqualityRecord.objects.create(
        user=world.mentor,
        cohort=world.cohort,
        consented_at=stored.consented_at,
        notice_version=stored.notice_version,
        ciphertext=stored.ciphertext,
    )

    assert answers_by_person([world.cohort.pk]) == {}


def test_leaving_out_deletes_every_answer_and_records_each_withdrawal(world: World) -> None:
    later = make_cohort(world.scheme, label="2027/28")
    give(world.mentor, world.cohort)
    give(world.mentor, later)
    give(world.mentee, world.cohort)

    assert leave_out_of_equality_monitoring(world.mentor) is True

    assert not EqualityRecord.objects.filter(user=world.mentor).exists()
    assert events(world.mentor) == [
        ("equality_monitoring", world.cohort.pk, GIVEN),
        ("equality_monitoring", later.pk, GIVEN),
        ("equality_monitoring", world.cohort.pk, WITHDRAWN),
        ("equality_monitoring", later.pk, WITHDRAWN),
        ("equality_questions", None, WITHDRAWN),
    ]
    assert is_left_out(world.mentor)
    assert set(answers_by_person([world.cohort.pk, later.pk])) == {
        (world.mentee.pk, world.cohort.pk)
    }
    assert AuditEntry.objects.filter(action="privacy.equality.left_out").count() == 1


def test_leaving_out_twice_records_it_once(world: World) -> None:
    assert leave_out_of_equality_monitoring(world.mentor) is True
    assert leave_out_of_equality_monitoring(world.mentor) is False
    assert events(world.mentor) == [("equality_questions", None, WITHDRAWN)]


def test_a_person_left_out_can_store_no_answers_and_no_report_reads_any(world: World) -> None:
    leave_out_of_equality_monitoring(world.mentor)

    with pytest.raises(PrivacyError, match="left out of equality monitoring"):
        give(world.mentor, world.cohort)
    assert not EqualityRecord.objects.exists()

    # Even answers written behind the services' back, with a "given" record, are not read.
    EqualityRecord.objects.create(
        user=world.mentor,
        cohort=world.cohort,
        consented_at=timezone.now(),
        notice_version=PRIVACY_NOTICE_VERSION,
        ciphertext=crypto.encrypt({"ethnicity": "black"}),
    )
    ConsentRecord.objects.create(
        user=world.mentor, purpose="equality_monitoring", cohort=world.cohort, event=GIVEN
    )
    assert answers_by_person([world.cohort.pk]) == {}


def test_opting_back_in_is_a_new_consent_and_answers_count_again_once_given(
    world: World,
) -> None:
    leave_out_of_equality_monitoring(world.mentor)

    assert include_in_equality_monitoring(world.mentor) is True
    assert include_in_equality_monitoring(world.mentor) is False
    assert not is_left_out(world.mentor)
    latest = ConsentRecord.objects.filter(user=world.mentor).latest("id")
    assert (latest.purpose, latest.event) == ("equality_questions", GIVEN)
    assert latest.notice_hash == wording_hash(latest.wording)

    give(world.mentor, world.cohort)
    assert set(answers_by_person([world.cohort.pk])) == {(world.mentor.pk, world.cohort.pk)}


def test_consents_are_listed_per_purpose_and_cohort_with_their_history(world: World) -> None:
    later = make_cohort(world.scheme, label="2027/28")
    give(world.mentor, world.cohort)
    give(world.mentor, later)
    withdraw_equality_answers(world.mentor, world.cohort)
    give(world.mentee, world.cohort)

    listed = consents_of(world.mentor)

    assert [(c.latest.cohort, c.stands) for c in listed] == [
        (world.cohort, False),
        (later, True),
    ]
    assert [r.event for r in listed[0].history] == [GIVEN, WITHDRAWN]


def test_older_equality_answers_are_carried_over_as_given_and_say_so(world: World) -> None:
    then = timezone.now() - datetime.timedelta(days=30)
    EqualityRecord.objects.create(
        user=world.mentor,
        cohort=world.cohort,
        consented_at=then,
        notice_version="2026-09",
        ciphertext=crypto.encrypt({"ethnicity": "black"}),
    )
    migration = importlib.import_module("flipside.privacy.migrations.0005_consent_carried_over")

    migration.carry_over(apps, None)

    record = ConsentRecord.objects.get()
    assert (record.user, record.cohort, record.event, record.at) == (
        world.mentor,
        world.cohort,
        GIVEN,
        then,
    )
    assert record.notice_version == "2026-09"
    assert record.notice_hash == ""
    assert record.note.startswith("Carried over")
    assert record.categories == world.scheme.equality_questions
    assert set(answers_by_person([world.cohort.pk])) == {(world.mentor.pk, world.cohort.pk)}
