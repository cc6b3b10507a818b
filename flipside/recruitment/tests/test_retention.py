"""Unsuccessful and withdrawn applications are deleted a period after selection is over; an
accepted one never is, and a hold keeps the rest."""

from __future__ import annotations

import datetime

import pytest

from conftest import World, make_user
from flipside.privacy import retention
from flipside.privacy.models import DeletionRecord, LegalHold, RetentionSchedule
from flipside.recruitment.models import Application, Review
from flipside.recruitment.tests.builders import make_call
from flipside.schemes.models import Stage
from flipside.schemes.services import change_cohort_stage

pytestmark = pytest.mark.django_db

SELECTION_OVER = datetime.datetime(2027, 3, 10, 12, tzinfo=datetime.UTC)
DUE = datetime.datetime(2027, 9, 10, 12, tzinfo=datetime.UTC)  # six months on
DAY = datetime.timedelta(days=1)
KEY = "recruitment.unsuccessful_applications"


@pytest.fixture
def applications(world: World) -> dict[str, Application]:
    world.cohort.stage = Stage.TRAINING
    world.cohort.recruiting_ended_at = SELECTION_OVER
    world.cohort.save()
    call = make_call(world.cohort)
    made = {
        status: Application.objects.create(call=call, applicant=make_user(), status=status)
        for status in ("declined", "withdrawn", "waitlisted", "accepted", "submitted")
    }
    Review.objects.create(application=made["declined"], reviewer=world.coordinator)
    return made


def run(now: datetime.datetime) -> retention.Outcome:
    return {o.rule.key: o for o in retention.run(now)}[KEY]


def test_kept_the_day_before_and_deleted_the_day_after_with_their_reviews(
    world: World, applications: dict[str, Application]
) -> None:
    assert run(DUE - DAY).eligible == 0
    assert Application.objects.count() == 5

    outcome = run(DUE + DAY)

    unsuccessful = sorted(a.pk for s, a in applications.items() if s != "accepted")
    assert sorted(outcome.removed) == unsuccessful
    assert list(Application.objects.values_list("status", flat=True)) == ["accepted"]
    assert not Review.objects.exists()
    record = DeletionRecord.objects.get(label="recruitment.Application")
    assert (record.ids, record.count, record.eligible) == (unsuccessful, 4, 4)
    assert run(DUE + 2 * DAY).eligible == 0  # nothing left to do


def test_a_held_applicant_or_scheme_keeps_the_application_and_it_is_counted_held(
    world: World, applications: dict[str, Application]
) -> None:
    declined = applications["declined"]
    LegalHold.objects.create(user=declined.applicant, reason="Appeal", placed_by=world.nobody)

    outcome = run(DUE + DAY)

    assert (len(outcome.removed), outcome.held) == (3, [declined.pk])
    assert Application.objects.filter(pk=declined.pk).exists()
    record = DeletionRecord.objects.get(label="recruitment.Application")
    assert (record.count, record.held, record.eligible) == (3, 1, 4)

    LegalHold.objects.create(scheme=world.scheme, reason="Claim", placed_by=world.nobody)
    LegalHold.objects.filter(user=declined.applicant).update(lifted_at=DUE)
    assert run(DUE + DAY).held == [declined.pk]


def test_a_longer_schedule_and_a_cohort_still_recruiting_keep_them(
    world: World, applications: dict[str, Application]
) -> None:
    RetentionSchedule.objects.create(scheme=world.scheme, applications_months=12)
    assert run(DUE + DAY).eligible == 0
    assert run(DUE + 184 * DAY).eligible == 4
    world.cohort.stage = Stage.RECRUITING
    world.cohort.save()
    assert run(DUE + 400 * DAY).eligible == 0


def test_leaving_recruiting_records_when_selection_was_over(world: World) -> None:
    world.cohort.stage = Stage.RECRUITING
    world.cohort.save()
    change_cohort_stage(world.cohort, to=Stage.TRAINING, by=world.coordinator)
    world.cohort.refresh_from_db()
    assert world.cohort.recruiting_ended_at == world.cohort.stage_changed_at


def test_address_check_links_go_thirty_days_after_use_or_expiry(world: World) -> None:
    from flipside.recruitment.models import EmailVerification

    call = make_call(world.cohort)
    link = EmailVerification.objects.create(
        call=call, email="a@example.ac.uk", name="A", token_hash="a" * 64,
        expires_at=SELECTION_OVER, used_at=SELECTION_OVER - 2 * DAY,
    )  # fmt: skip
    unused = EmailVerification.objects.create(
        call=call, email="b@example.ac.uk", name="B", token_hash="b" * 64,
        expires_at=SELECTION_OVER,
    )  # fmt: skip
    key = "recruitment.email_verifications"
    day_29 = {o.rule.key: o for o in retention.run(SELECTION_OVER + 29 * DAY)}[key]
    assert day_29.removed == [link.pk]
    day_31 = {o.rule.key: o for o in retention.run(SELECTION_OVER + 31 * DAY)}[key]
    assert day_31.removed == [unused.pk]
    assert not EmailVerification.objects.exists()
