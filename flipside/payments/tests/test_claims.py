"""What a mentor can claim: held meetings whatever the staff partner did with the record, a
preparation allowance with each, training and reflection events attended; each activity once,
also when two requests race; never another pair's activity, even by a forged id."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection

from conftest import World, join, make_cohort, make_scheme
from flipside.partnerships.models import EventReply, Meeting, ReflectionEvent
from flipside.payments import activity
from flipside.payments.models import Line
from flipside.payments.services import PayError
from flipside.payments.services import timesheets as services
from flipside.payments.services.rates import pay_settings_of
from flipside.payments.tests.test_timesheets import NOW, held, pair_of, pay, sheet
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role
from flipside.training.models import Booking, TrainingSession

pytestmark = pytest.mark.django_db
D = datetime.date
JUNE = D(2026, 6, 1)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def offered(world: World, mentor: Any = None) -> dict[str, activity.Activity]:
    mentor = mentor or world.mentor
    found = activity.claimable(world.cohort, mentor.pk, pay_settings_of(world.cohort))
    return {a.key: a for a in found}


def claim(world: World, key: str, by: Any = None) -> Line:
    return services.claim_activity(world.cohort, key=key, by=by or world.mentor)


def training(world: World, day: datetime.date, user: Any, **fields: Any) -> Booking:
    session = TrainingSession.objects.create(
        cohort=fields.pop("cohort", world.cohort), title="Listening well",
        starts_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=NOW.tzinfo),
        minutes=fields.pop("minutes", 150), cancelled_at=fields.pop("cancelled_at", None),
    )  # fmt: skip
    return Booking.objects.create(session=session, user=user, attendance="present", **fields)


def reflection(world: World, day: datetime.date, user: Any, **fields: Any) -> EventReply:
    event = ReflectionEvent.objects.create(
        cohort=world.cohort, title="Mid-point reflection", minutes=90,
        starts_at=datetime.datetime.combine(day, datetime.time(17), tzinfo=NOW.tzinfo),
        cancelled_at=fields.pop("cancelled_at", None),
    )  # fmt: skip
    return EventReply.objects.create(event=event, user=user, attendance="present", **fields)


# --- Meetings, whatever the partner did -------------------------------------------------------


def test_a_held_meeting_the_partner_has_not_confirmed_can_be_claimed(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3), minutes=45, record=Meeting.Record.UNCONFIRMED)
    item = offered(world)[f"meeting:{meeting.pk}"]
    assert item.unconfirmed and item.hours == Decimal("0.75")
    assert (item.title, item.partner) == ("Mentoring meeting, 45 minutes", "Prof Mena Mentee")
    line = claim(world, item.key)
    assert (line.kind, line.claim, line.meeting_id, line.hours, line.worked_on) == (
        "meeting", f"meeting:{meeting.pk}", meeting.pk, Decimal("0.75"), D(2026, 6, 3)
    )  # fmt: skip
    assert line.amount == Decimal("11.10")  # 0.75 × £14.80
    assert line.timesheet.period_start == JUNE
    entry = AuditEntry.objects.get(action="payments.line.claimed")
    assert entry.details["record"] == "unconfirmed"


def test_a_disputed_meeting_can_still_be_claimed_and_says_so(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3), record=Meeting.Record.DISPUTED)
    item = offered(world)[f"meeting:{meeting.pk}"]
    assert item.disputed
    assert claim(world, item.key).meeting == meeting


def test_a_meeting_of_an_ended_pair_can_be_claimed(world: World) -> None:
    pair = pair_of(world)
    meeting = held(pair, D(2026, 5, 20))
    pair.status, pair.ended_at = "ended", NOW
    pair.save()
    assert claim(world, f"meeting:{meeting.pk}").worked_on == D(2026, 5, 20)


def test_meetings_not_held_are_not_offered(world: World) -> None:
    pair = pair_of(world)
    Meeting.objects.create(pair=pair, status="not_held", record="confirmed",
                           starts_at=NOW - datetime.timedelta(days=2))  # fmt: skip
    arranged = Meeting.objects.create(pair=pair, status="accepted",
                                      starts_at=NOW - datetime.timedelta(days=1))  # fmt: skip
    assert offered(world) == {}
    with pytest.raises(PayError, match="not an activity of yours"):
        claim(world, f"meeting:{arranged.pk}")


def test_another_pairs_meeting_is_refused_even_by_a_forged_id(world: World) -> None:
    other_mentor = join(world.cohort, Role.MENTOR)
    theirs = held(pair_of(world, mentor=other_mentor), D(2026, 6, 3))
    assert f"meeting:{theirs.pk}" not in offered(world)
    for key in (f"meeting:{theirs.pk}", f"preparation:{theirs.pk}", "meeting:999999",
                "meeting:-1", "meeting:1e3", "salary:1", "meeting:"):  # fmt: skip
        with pytest.raises(PayError, match="not an activity of yours"):
            claim(world, key)
    # Straight at a timesheet too, and by the other mentor on this mentor's timesheet.
    june = sheet(world, JUNE)
    with pytest.raises(PayError, match="not an activity of yours"):
        services.claim(june, kind="meeting", activity_id=theirs.pk, by=world.mentor)
    with pytest.raises(PayError, match="Only the mentor"):
        services.claim(june, kind="meeting", activity_id=theirs.pk, by=other_mentor)
    assert not Line.objects.exists()


def test_a_meeting_of_another_cohort_is_refused(world: World) -> None:
    second = make_cohort(make_scheme(world.organisation))
    join(second, Role.MENTOR, world.mentor)
    mentee = join(second, Role.MENTEE)
    elsewhere = held(pair_of(world, mentee=mentee, cohort=second), D(2026, 6, 3))
    with pytest.raises(PayError, match="not an activity of yours"):
        claim(world, f"meeting:{elsewhere.pk}")
    assert services.claim_activity(second, key=f"meeting:{elsewhere.pk}", by=world.mentor)


def test_activity_in_the_future_is_refused(world: World) -> None:
    # Recorded as held, yet its time is still to come (later today).
    later = held(pair_of(world), D(2026, 6, 15), hour=18)
    assert f"meeting:{later.pk}" not in offered(world)
    with pytest.raises(PayError, match="has not happened yet"):
        claim(world, f"meeting:{later.pk}")
    booking = training(world, D(2026, 6, 20), world.mentor)
    with pytest.raises(PayError, match="has not happened yet"):
        claim(world, f"training:{booking.pk}")


def test_activity_outside_the_timesheets_month_is_refused(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 5, 29))
    with pytest.raises(PayError, match="not in this timesheet, which is for June 2026"):
        services.claim(sheet(world, JUNE), kind="meeting", activity_id=meeting.pk,
                       by=world.mentor)  # fmt: skip
    assert claim(world, f"meeting:{meeting.pk}").timesheet.period_start == D(2026, 5, 1)


# --- Once only --------------------------------------------------------------------------------


def test_the_same_meeting_cannot_be_claimed_twice(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3))
    key = f"meeting:{meeting.pk}"
    claim(world, key)
    assert key not in offered(world)
    with pytest.raises(PayError, match="already been claimed"):
        claim(world, key)
    lines, problems = services.claim_all(world.cohort, keys=[key, key], by=world.mentor)
    assert lines == [] and problems == ["That activity has already been claimed."]
    assert Line.objects.count() == 1


def test_a_removed_claim_can_be_claimed_again_and_a_rejected_one_cannot(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3))
    key = f"meeting:{meeting.pk}"
    services.remove_line(claim(world, key), by=world.mentor)
    assert key in offered(world)
    line = claim(world, key)
    Line.objects.filter(pk=line.pk).update(status=Line.Status.REJECTED)
    assert key not in offered(world)
    with pytest.raises(PayError, match="already been claimed"):
        claim(world, key)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_claims_of_one_meeting_make_one_line(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3))
    pay_settings_of(world.cohort)  # made before the race, as the page would have
    tries = 8
    barrier, outcomes = threading.Barrier(tries), []

    def attempt() -> None:
        try:
            with time_machine.travel(NOW, tick=False):
                barrier.wait()
                claim(world, f"meeting:{meeting.pk}")
            outcomes.append("claimed")
        except PayError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["That activity has already been claimed."] * (tries - 1) + [
        "claimed"
    ]
    assert Line.objects.filter(claim=f"meeting:{meeting.pk}").count() == 1
    assert AuditEntry.objects.filter(action="payments.line.claimed").count() == 1


# --- Preparation, training, events -----------------------------------------------------------


def test_preparation_is_paid_with_its_meeting(world: World) -> None:
    pay(world, preparation_minutes=20)
    meeting = held(pair_of(world), D(2026, 6, 3))
    prep = f"preparation:{meeting.pk}"
    assert offered(world)[prep].hours == Decimal("0.33")
    with pytest.raises(PayError, match="Claim the meeting itself first"):
        claim(world, prep)
    # Ticked together, in any order, the meeting goes first.
    lines, problems = services.claim_all(
        world.cohort, keys=[prep, f"meeting:{meeting.pk}"], by=world.mentor
    )
    assert problems == [] and [line.kind for line in lines] == ["meeting", "preparation"]
    assert lines[1].meeting == meeting and lines[1].amount == Decimal("4.88")  # 0.33 × 14.80
    # Removing the meeting removes its preparation with it.
    services.remove_line(lines[0], by=world.mentor)
    assert not Line.objects.exists()


def test_no_preparation_when_the_cohort_pays_none(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3))
    claim(world, f"meeting:{meeting.pk}")
    pay(world, preparation_minutes=0)
    assert f"preparation:{meeting.pk}" not in offered(world)
    with pytest.raises(PayError, match="does not pay for that kind"):
        claim(world, f"preparation:{meeting.pk}")


def test_a_rejected_meetings_preparation_is_not_offered(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3))
    line = claim(world, f"meeting:{meeting.pk}")
    Line.objects.filter(pk=line.pk).update(status=Line.Status.REJECTED)
    assert f"preparation:{meeting.pk}" not in offered(world)
    with pytest.raises(PayError, match="Claim the meeting itself first"):
        claim(world, f"preparation:{meeting.pk}")


def test_training_and_events_attended_are_claimable(world: World) -> None:
    attended = training(world, D(2026, 6, 2), world.mentor)
    training(world, D(2026, 6, 4), world.mentor, cancelled_at=NOW)
    absent = training(world, D(2026, 6, 5), world.mentor)
    Booking.objects.filter(pk=absent.pk).update(attendance="absent")
    somebody_elses = training(world, D(2026, 6, 6), world.mentee)
    reply = reflection(world, D(2026, 6, 8), world.mentor)
    reflection(world, D(2026, 6, 9), world.mentor, cancelled_at=NOW)
    keys = set(offered(world))
    assert keys == {f"training:{attended.pk}", f"event:{reply.pk}"}
    with pytest.raises(PayError, match="not an activity of yours"):
        claim(world, f"training:{somebody_elses.pk}")
    lines = [claim(world, key) for key in sorted(keys)]
    assert [(line.kind, line.hours) for line in lines] == [
        ("event", Decimal("1.50")), ("training", Decimal("2.50"))
    ]  # fmt: skip
    assert lines[1].description == "Training: Listening well"
    assert lines[0].event_reply == reply and lines[1].booking == attended


def test_only_kinds_the_cohort_pays_for_are_offered(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3))
    booking = training(world, D(2026, 6, 2), world.mentor)
    reply = reflection(world, D(2026, 6, 8), world.mentor)
    pay(world, pay_meetings=False, pay_training=False, pay_events=False)
    assert offered(world) == {}
    for key in (f"meeting:{meeting.pk}", f"training:{booking.pk}", f"event:{reply.pk}"):
        with pytest.raises(PayError, match="does not pay for that kind"):
            services.claim(sheet(world, JUNE), kind=key.split(":")[0],
                           activity_id=int(key.split(":")[1]), by=world.mentor)  # fmt: skip


def test_listing_reads_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    pair = pair_of(world)
    for day in range(1, 13):
        held(pair, D(2026, 5, day))
        training(world, D(2026, 4, day), world.mentor)
        reflection(world, D(2026, 3, day), world.mentor)
    settings = pay_settings_of(world.cohort)
    with django_assert_num_queries(1):
        found = activity.claimable(world.cohort, world.mentor.pk, settings)
    assert len(found) == 12 * 4  # meetings, their preparation, training, events
