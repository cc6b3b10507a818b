"""A pair's meetings: proposing, accepting, moving, cancelling, recording, confirming and
logging; what counts; clock changes; overlaps; the calendar files sent and downloaded; and
who reaches the pages."""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
import vobject
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, clear_sent_mail, join, make_user, sent_mail
from flipside.matching.models import Pair
from flipside.partnerships.models import Meeting, PartnershipSettings, TalkingPoint
from flipside.partnerships.services import PartnershipError
from flipside.partnerships.services import meetings as services
from flipside.privacy.models import AuditEntry
from flipside.recruitment.models import Application
from flipside.recruitment.tests.builders import make_call
from flipside.schemes.models import Membership, Role, Stage

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=LONDON)


def wall(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A London wall time, as typed into a form (no time zone)."""
    return datetime.datetime.combine(datetime.date(year, month, day), datetime.time(hour, minute))


# Tuesday 12 January 2027, 14:00 and Wednesday 13 January 2027, 10:00 (London wall time)
FIRST = wall(2027, 1, 12, 14, 0)
SECOND = wall(2027, 1, 13, 10, 0)
Status = Meeting.Status
Record = Meeting.Record


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pair(world: World) -> Pair:
    return Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)


def propose(pair: Pair, by: Any, *times: datetime.datetime, **kwargs: Any) -> Meeting:
    return services.propose(pair, by=by, options=list(times or [FIRST]), **kwargs)


def arranged(pair: Pair, world: World, when: datetime.datetime = FIRST, **kw: Any) -> Meeting:
    meeting = propose(pair, world.mentor, when, **kw)
    return services.accept(meeting, meeting.options.get(), by=world.mentee)


def after(clock: Any, meeting: Meeting, minutes: int = 90) -> None:
    assert meeting.starts_at is not None
    clock.move_to(meeting.starts_at + datetime.timedelta(minutes=minutes))


def end(pair: Pair) -> None:
    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.ENDED, ended_at=timezone.now())
    pair.refresh_from_db()


def calendars(messages: list[Any]) -> list[str]:
    return [a[1] for m in messages for a in m.attachments if a[0].endswith(".ics")]


def parsed(ics: str | bytes) -> Any:
    """Parse with icalendar and validate with vobject; the one VEVENT."""
    text = ics.decode() if isinstance(ics, bytes) else ics
    vobject.readOne(text).validate()
    [event] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    return event


def method_of(ics: str) -> str:
    return str(icalendar.Calendar.from_ical(ics)["METHOD"])


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Proposing ------------------------------------------------------------------------------


def test_proposal_offers_times_and_emails_the_partner_only(world: World, pair: Pair) -> None:
    meeting = propose(pair, world.mentor, FIRST, SECOND, minutes=45, mode="online", place="Teams")
    assert meeting.status == Status.PROPOSED and meeting.starts_at is None
    assert [o.starts_at.astimezone(LONDON).hour for o in meeting.options.all()] == [14, 10]
    [mail] = sent_mail()
    assert mail.to == [world.mentee.email]
    assert "Mo Mentor" in mail.subject
    assert "Tuesday 12 January 2027, 14:00" in mail.body
    assert "Wednesday 13 January 2027, 10:00" in mail.body
    assert AuditEntry.objects.filter(action="partnerships.meeting.proposed").count() == 1


def test_submitting_the_same_proposal_twice_makes_one_meeting(world: World, pair: Pair) -> None:
    first = propose(pair, world.mentor, FIRST, SECOND)
    again = propose(pair, world.mentor, SECOND, FIRST)
    assert first.pk == again.pk and Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("options", "minutes", "message"),
    [
        ([wall(2026, 11, 29, 14, 0)], 60, "already passed"),
        ([FIRST], 1441, "at most a day"),
        ([FIRST], 4, "at least 5 minutes"),
        ([], 60, "at least one time"),
        ([FIRST, SECOND, FIRST.replace(hour=9), FIRST.replace(hour=10)], 60, "at most three"),
    ],
)
def test_bad_proposals_are_refused(
    world: World, pair: Pair, options: list[Any], minutes: int, message: str
) -> None:
    with pytest.raises(PartnershipError, match=message):
        services.propose(pair, by=world.mentor, options=options, minutes=minutes)
    assert not Meeting.objects.exists()


def test_a_time_the_clocks_skip_is_refused(world: World, pair: Pair) -> None:
    with pytest.raises(PartnershipError, match="There is no 01:30 on 28 March 2027"):
        propose(pair, world.mentor, wall(2027, 3, 28, 1, 30))


def test_a_time_the_clocks_repeat_is_refused(world: World, pair: Pair) -> None:
    with pytest.raises(PartnershipError, match="01:30 happens twice on 31 October 2027"):
        propose(pair, world.mentor, wall(2027, 10, 31, 1, 30))


def test_proposal_overlapping_either_persons_arranged_meeting_is_refused(
    world: World, pair: Pair
) -> None:
    # The mentee has a second partnership, with a meeting arranged at 14:00 for an hour.
    other_mentor = join(world.cohort, Role.MENTOR)
    other = Pair.objects.create(cohort=world.cohort, mentor=other_mentor, mentee=world.mentee)
    meeting = propose(other, other_mentor, FIRST)
    services.accept(meeting, meeting.options.get(), by=world.mentee)
    with pytest.raises(PartnershipError, match="overlaps another meeting"):
        propose(pair, world.mentor, FIRST.replace(hour=14, minute=30))
    # Back to back is fine.
    assert propose(pair, world.mentor, FIRST.replace(hour=15)).status == Status.PROPOSED


def test_ended_pair_cannot_propose(world: World, pair: Pair) -> None:
    end(pair)
    with pytest.raises(PartnershipError, match="partnership has ended"):
        propose(pair, world.mentor)


def test_partner_who_left_the_cohort_blocks_new_meetings(world: World, pair: Pair) -> None:
    Membership.objects.filter(cohort=world.cohort, user=world.mentee).delete()
    with pytest.raises(PartnershipError, match="left the cohort"):
        propose(pair, world.mentor)


def test_cohort_not_running_refuses_proposals(world: World, pair: Pair) -> None:
    world.cohort.stage = Stage.MATCHING
    world.cohort.save()
    pair.refresh_from_db()
    with pytest.raises(PartnershipError, match="not running"):
        propose(pair, world.mentor)


# --- Accepting, counter-proposals, moving, cancelling ---------------------------------------


def test_partner_accepts_and_both_get_a_calendar_request(world: World, pair: Pair) -> None:
    meeting = propose(pair, world.mentor, FIRST, SECOND, place="Room 2.14")
    clear_sent_mail()
    option = meeting.options.get(starts_at=services.london_moment(SECOND))
    meeting = services.accept(meeting, option, by=world.mentee)
    assert meeting.status == Status.ACCEPTED and meeting.starts_at == option.starts_at
    mails = sent_mail()
    assert sorted(m.to[0] for m in mails) == [world.mentee.email, world.mentor.email]
    assert all("Meeting arranged" in m.subject for m in mails)
    for ics in calendars(mails):
        assert method_of(ics) == "REQUEST"
        event = parsed(ics)
        assert str(event["UID"]) == f"meeting-{meeting.pk}@127.0.0.1"
        assert event["SEQUENCE"] == 0
        assert event.decoded("DTSTART") == option.starts_at
        assert "Room 2.14" in str(event["LOCATION"])
    # Accepting again is a no-op: no more mail.
    services.accept(meeting, option, by=world.mentee)
    assert sent_mail() == mails


def test_the_proposer_cannot_accept_their_own_times(world: World, pair: Pair) -> None:
    meeting = propose(pair, world.mentor)
    with pytest.raises(PartnershipError, match="your partner chooses"):
        services.accept(meeting, meeting.options.get(), by=world.mentor)


def test_an_option_of_another_meeting_is_refused(world: World, pair: Pair) -> None:
    meeting = propose(pair, world.mentor)
    other = propose(pair, world.mentor, SECOND)
    with pytest.raises(PartnershipError, match="Choose one of the times"):
        services.accept(meeting, other.options.get(), by=world.mentee)


def test_counter_proposal_replaces_the_times_and_the_proposer(world: World, pair: Pair) -> None:
    meeting = propose(pair, world.mentor, FIRST)
    meeting = services.reschedule(meeting, by=world.mentee, options=[SECOND])
    assert meeting.proposed_by == world.mentee
    assert [o.starts_at for o in meeting.options.all()] == [services.london_moment(SECOND)]
    with pytest.raises(PartnershipError):
        services.accept(meeting, meeting.options.get(), by=world.mentee)
    meeting = services.accept(meeting, meeting.options.get(), by=world.mentor)
    assert meeting.status == Status.ACCEPTED and meeting.sequence == 0


def test_moving_keeps_the_uid_and_raises_the_sequence(world: World, pair: Pair) -> None:
    meeting = arranged(pair, world)
    clear_sent_mail()
    meeting = services.reschedule(meeting, by=world.mentee, options=[SECOND])
    assert meeting.status == Status.PROPOSED and meeting.starts_at is None
    [proposed] = sent_mail()
    assert proposed.to == [world.mentor.email]
    clear_sent_mail()
    meeting = services.accept(meeting, meeting.options.get(), by=world.mentor)
    mails = sent_mail()
    assert len(mails) == 2 and all("moved" in m.subject for m in mails)
    for ics in calendars(mails):
        event = parsed(ics)
        assert method_of(ics) == "REQUEST"
        assert str(event["UID"]) == f"meeting-{meeting.pk}@127.0.0.1"
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART") == services.london_moment(SECOND)


def test_a_meeting_whose_time_has_come_is_recorded_not_moved(
    world: World, pair: Pair, clock: Any
) -> None:
    meeting = arranged(pair, world)
    after(clock, meeting, minutes=0)
    with pytest.raises(PartnershipError, match="time has come, so it cannot be moved"):
        services.reschedule(meeting, by=world.mentee, options=[wall(2027, 2, 1, 10)])
    page = signed_in(world.mentor).get(reverse("partnerships:meeting", args=[meeting.pk]))
    assert "Record this meeting" in page.content.decode()
    assert "Move this meeting" not in page.content.decode()
    assert Meeting.objects.get().status == Status.ACCEPTED


def test_cancelling_an_arranged_meeting_sends_cancel_once(world: World, pair: Pair) -> None:
    meeting = arranged(pair, world)
    clear_sent_mail()
    meeting = services.cancel(meeting, by=world.mentor)
    assert meeting.status == Status.CANCELLED and meeting.cancelled_by == world.mentor
    mails = sent_mail()
    assert len(mails) == 2
    for ics in calendars(mails):
        assert method_of(ics) == "CANCEL"
        event = parsed(ics)
        assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
        assert str(event["UID"]) == f"meeting-{meeting.pk}@127.0.0.1"
    services.cancel(meeting, by=world.mentee)  # twice: nothing more happens
    assert len(sent_mail()) == 2
    assert Meeting.objects.get().sequence == 1


def test_cancelling_a_moved_meeting_before_it_is_agreed_removes_the_old_entry(
    world: World, pair: Pair
) -> None:
    meeting = arranged(pair, world)
    meeting = services.reschedule(meeting, by=world.mentor, options=[SECOND])
    clear_sent_mail()
    services.cancel(meeting, by=world.mentee)
    assert [method_of(ics) for ics in calendars(sent_mail())] == ["CANCEL", "CANCEL"]


def test_withdrawing_a_proposal_sends_no_calendar(world: World, pair: Pair) -> None:
    meeting = propose(pair, world.mentor)
    clear_sent_mail()
    assert services.cancel(meeting, by=world.mentor).status == Status.CANCELLED
    assert sent_mail() == []


def test_a_cancelled_meeting_cannot_be_accepted_moved_or_recorded(
    world: World, pair: Pair, clock: Any
) -> None:
    meeting = arranged(pair, world)
    services.cancel(meeting, by=world.mentor)
    with pytest.raises(PartnershipError, match="cancelled"):
        services.reschedule(meeting, by=world.mentor, options=[SECOND])
    after(clock, meeting)
    with pytest.raises(PartnershipError, match="was cancelled, so there is nothing to record"):
        services.record(meeting, by=world.mentor, held=True, minutes=60)


# --- Recording, confirming, counting --------------------------------------------------------


def test_recording_before_the_meeting_starts_is_refused(world: World, pair: Pair) -> None:
    meeting = arranged(pair, world)
    with pytest.raises(PartnershipError, match="once its time has come"):
        services.record(meeting, by=world.mentor, held=True, minutes=60)


def test_a_proposed_meeting_cannot_be_recorded(world: World, pair: Pair, clock: Any) -> None:
    meeting = propose(pair, world.mentor)
    clock.move_to(services.london_moment(FIRST) + datetime.timedelta(hours=2))
    with pytest.raises(PartnershipError, match="not been arranged"):
        services.record(meeting, by=world.mentor, held=True, minutes=60)


def test_held_confirmed_meeting_counts(world: World, pair: Pair, clock: Any) -> None:
    point = TalkingPoint.objects.create(scheme=world.scheme, theme="Start", text="Why here?")
    meeting = arranged(pair, world)
    after(clock, meeting)
    clear_sent_mail()
    meeting = services.record(
        meeting, by=world.mentee, held=True, minutes=50, mode="online", talking_point_ids=[point.pk]
    )
    assert (meeting.status, meeting.record, meeting.held_minutes) == ("held", "unconfirmed", 50)
    assert list(meeting.talking_points.all()) == [point]
    [mail] = sent_mail()
    assert mail.to == [world.mentor.email] and "confirm" in mail.subject
    assert meeting.counts
    with pytest.raises(PartnershipError, match="your partner confirms"):
        services.answer(meeting, by=world.mentee, confirm=True)
    meeting = services.answer(meeting, by=world.mentor, confirm=True)
    assert meeting.record == Record.CONFIRMED and meeting.answered_by == world.mentor
    assert meeting.counts


def test_disputed_meeting_does_not_count(world: World, pair: Pair, clock: Any) -> None:
    meeting = arranged(pair, world)
    after(clock, meeting)
    services.record(meeting, by=world.mentor, held=True, minutes=60)
    meeting = services.answer(meeting, by=world.mentee, confirm=False)
    assert meeting.record == Record.DISPUTED and not meeting.counts
    with pytest.raises(PartnershipError, match="already answered"):
        services.answer(meeting, by=world.mentee, confirm=True)


def test_not_held_and_cancelled_meetings_never_count(world: World, pair: Pair, clock: Any) -> None:
    missed = arranged(pair, world)
    cancelled = arranged(pair, world, SECOND)
    services.cancel(cancelled, by=world.mentee)
    after(clock, missed)
    missed = services.record(missed, by=world.mentor, held=False)
    assert missed.status == Status.NOT_HELD and missed.held_minutes is None
    assert not missed.counts
    assert not Meeting.objects.get(pk=cancelled.pk).counts


def test_talking_points_must_be_published_in_the_pairs_scheme(
    world: World, pair: Pair, clock: Any
) -> None:
    other = TalkingPoint.objects.create(scheme=world.other_scheme, theme="X", text="Elsewhere")
    meeting = arranged(pair, world)
    after(clock, meeting)
    with pytest.raises(PartnershipError, match="talking points"):
        services.record(
            meeting, by=world.mentor, held=True, minutes=60, talking_point_ids=[other.pk]
        )
    assert Meeting.objects.get().status == Status.ACCEPTED


def test_both_recording_at_once_makes_one_record(world: World, pair: Pair, clock: Any) -> None:
    meeting = arranged(pair, world)
    after(clock, meeting)
    stale = Meeting.objects.get(pk=meeting.pk)  # each partner's page loaded before either saved
    clear_sent_mail()
    services.record(meeting, by=world.mentor, held=True, minutes=60)
    # The same record again is a no-op; a different one is refused with a message.
    assert (
        services.record(stale, by=world.mentee, held=True, minutes=60).recorded_by == world.mentor
    )
    with pytest.raises(PartnershipError, match="Mo Mentor has already recorded"):
        services.record(stale, by=world.mentee, held=False)
    assert len(sent_mail()) == 1
    assert AuditEntry.objects.filter(action="partnerships.meeting.recorded").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_records_on_postgresql_make_one(world: World, pair: Pair, clock: Any) -> None:
    meeting = arranged(pair, world)
    after(clock, meeting)
    barrier, outcomes = threading.Barrier(2), []

    def record(by: Any, held: bool) -> None:
        barrier.wait()
        try:
            services.record(Meeting.objects.get(pk=meeting.pk), by=by, held=held, minutes=60)
            outcomes.append("saved")
        except PartnershipError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=record, args=(world.mentor, True)),
        threading.Thread(target=record, args=(world.mentee, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    assert AuditEntry.objects.filter(action="partnerships.meeting.recorded").count() == 1


def test_ended_pair_cannot_record(world: World, pair: Pair, clock: Any) -> None:
    meeting = arranged(pair, world)
    after(clock, meeting)
    end(pair)
    with pytest.raises(PartnershipError, match="ended"):
        services.record(meeting, by=world.mentor, held=True, minutes=60)


# --- Logging afterwards -------------------------------------------------------------------


def test_logging_a_past_meeting_counts_and_asks_the_partner(world: World, pair: Pair) -> None:
    when = wall(2026, 11, 27, 13, 0)
    meeting = services.log(pair, by=world.mentee, starts_at=when, minutes=40, mode="phone")
    assert (meeting.status, meeting.record, meeting.logged_after) == ("held", "unconfirmed", True)
    assert meeting.counts and meeting.held_minutes == 40
    [mail] = sent_mail()
    assert mail.to == [world.mentor.email]
    again = services.log(pair, by=world.mentee, starts_at=when, minutes=40, mode="phone")
    assert again.pk == meeting.pk


def test_logging_is_refused_in_the_future_and_beyond_the_window(world: World, pair: Pair) -> None:
    with pytest.raises(PartnershipError, match="future"):
        services.log(pair, by=world.mentor, starts_at=FIRST, minutes=60)
    with pytest.raises(PartnershipError, match="up to 30 days"):
        services.log(pair, by=world.mentor, starts_at=wall(2026, 10, 20, 12), minutes=60)
    PartnershipSettings.objects.filter(cohort=world.cohort).update(log_window_days=60)
    assert services.log(pair, by=world.mentor, starts_at=wall(2026, 10, 20, 12), minutes=60).counts


def test_logging_on_the_autumn_night_asks_for_another_time(
    world: World, pair: Pair, clock: Any
) -> None:
    clock.move_to(datetime.datetime(2026, 10, 26, 12, 0, tzinfo=LONDON))
    with pytest.raises(PartnershipError, match="happens twice"):
        services.log(pair, by=world.mentor, starts_at=wall(2026, 10, 25, 1, 30), minutes=30)


# --- Calendar files -----------------------------------------------------------------------


def test_a_meeting_across_the_autumn_clock_change_has_its_real_length(
    world: World, pair: Pair
) -> None:
    # 00:30 BST on 31 October 2027, for two hours: it ends at 01:30 GMT, after the change.
    meeting = arranged(pair, world, wall(2027, 10, 31, 0, 30), minutes=120)
    response = signed_in(world.mentor).get(
        reverse("partnerships:meeting_calendar", args=[meeting.pk])
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    event = parsed(response.content)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC) == datetime.timedelta(
        hours=2
    )
    assert end.astimezone(LONDON).strftime("%H:%M %Z") == "01:30 GMT"


def test_calendar_file_only_for_arranged_meetings_and_the_partners(
    world: World, pair: Pair
) -> None:
    meeting = propose(pair, world.mentor)
    url = reverse("partnerships:meeting_calendar", args=[meeting.pk])
    assert signed_in(world.mentor).get(url).status_code == 404
    services.accept(meeting, meeting.options.get(), by=world.mentee)
    for person in (world.mentor, world.mentee):
        assert signed_in(person).get(url).status_code == 200
    for person in (world.coordinator, world.cohort_coordinator, world.observer, world.outsider):
        assert signed_in(person).get(url).status_code == 404


# --- Pages --------------------------------------------------------------------------------


def test_propose_page_shows_both_partners_availability(world: World, pair: Pair) -> None:
    Application.objects.create(
        call=make_call(world.cohort, Role.MENTOR),
        applicant=world.mentor,
        status=Application.Status.ACCEPTED,
        submitted_at=timezone.now(),
        availability=["tue-pm"],
    )
    response = signed_in(world.mentor).get(reverse("partnerships:propose", args=[pair.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "When you are both usually free" in page
    assert "Prof Mena Mentee</bdi> did not give their usual free times" in page
    assert page.count(">Afternoon</td>") == 1  # the mentor's Tuesday, and only that


def test_propose_page_shows_the_times_both_partners_are_free(world: World, pair: Pair) -> None:
    for person, role, slots in (
        (world.mentor, Role.MENTOR, ["tue-pm", "thu-am", "thu-eve"]),
        (world.mentee, Role.MENTEE, ["thu-am", "thu-eve", "fri-pm"]),
    ):
        Application.objects.create(
            call=make_call(world.cohort, role),
            applicant=person,
            status=Application.Status.ACCEPTED,
            submitted_at=timezone.now(),
            availability=slots,
        )
    page = signed_in(world.mentee).get(reverse("partnerships:propose", args=[pair.pk]))
    rows = re.findall(r"<tr><th scope=\"row\">(\w+)</th>(.*?)</tr>", page.content.decode())
    cells = {day: re.findall(r"<td[^>]*>(.*?)</td>", row) for day, row in rows}
    assert cells["Tuesday"] == ["Afternoon", "–", "–"]
    assert cells["Thursday"] == ["Morning, evening", "Morning, evening",
                                 "<strong>Morning, evening</strong>"]  # fmt: skip
    assert cells["Friday"] == ["–", "Afternoon", "–"]


def test_propose_page_says_when_nobody_gave_availability(world: World, pair: Pair) -> None:
    page = signed_in(world.mentee).get(reverse("partnerships:propose", args=[pair.pk]))
    assert "Neither of you gave your usual free times" in page.content.decode()


def test_propose_accept_record_confirm_through_the_pages(
    world: World, pair: Pair, clock: Any
) -> None:
    mentor, mentee = signed_in(world.mentor), signed_in(world.mentee)
    response = mentor.post(
        reverse("partnerships:propose", args=[pair.pk]),
        {
            "date_1": "2027-01-12",
            "time_1": "14:00",
            "minutes": "60",
            "mode": "online",
            "place": "Teams",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "partnerships:meeting", args=[meeting.pk]
    )
    page = mentee.get(response["Location"]).content.decode()
    assert "Accept this time" in page
    assert "Accept this time" not in mentor.get(response["Location"]).content.decode()
    option = meeting.options.get()
    mentee.post(reverse("partnerships:accept", args=[meeting.pk]), {"option": option.pk})
    assert Meeting.objects.get().status == Status.ACCEPTED
    meeting.refresh_from_db()
    after(clock, meeting)
    mentor, mentee = signed_in(world.mentor), signed_in(world.mentee)  # sessions expired since
    record_url = reverse("partnerships:record", args=[meeting.pk])
    point = TalkingPoint.objects.create(scheme=world.scheme, theme="Start", text="Why medicine?")
    fields = {"held": "yes", "minutes": "55", "mode": "online", "talking_points": [point.pk]}
    mentor.post(record_url, fields)
    mentee.post(reverse("partnerships:answer", args=[meeting.pk]))  # no choice: nothing changes
    assert Meeting.objects.get().record == Record.UNCONFIRMED
    mentee.post(reverse("partnerships:answer", args=[meeting.pk]), {"answer": "confirm"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.record, meeting.held_minutes) == ("held", "confirmed", 55)
    assert list(meeting.talking_points.all()) == [point]


def test_propose_form_refuses_a_skipped_time_keeping_the_input(world: World, pair: Pair) -> None:
    response = signed_in(world.mentor).post(
        reverse("partnerships:propose", args=[pair.pk]),
        {
            "date_1": "2027-03-28",
            "time_1": "01:30",
            "minutes": "60",
            "mode": "online",
            "place": "Teams link",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Meeting.objects.exists()
    assert "There is no 01:30 on 28 March 2027" in page and "Teams link" in page


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "2100-01-01"])
def test_propose_form_refuses_an_absurd_year_keeping_the_input(
    world: World, pair: Pair, typed: str
) -> None:
    response = signed_in(world.mentor).post(
        reverse("partnerships:propose", args=[pair.pk]),
        {"date_1": typed, "time_1": "10:00", "minutes": "60", "mode": "online",
         "place": "Teams link"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and not Meeting.objects.exists()
    assert "Enter a date between 2000 and 2099." in page
    assert f'value="{typed}"' in page and "Teams link" in page


def test_record_form_needs_a_length_when_held(world: World, pair: Pair, clock: Any) -> None:
    meeting = arranged(pair, world)
    after(clock, meeting)
    response = signed_in(world.mentor).post(
        reverse("partnerships:record", args=[meeting.pk]), {"held": "yes"}
    )
    assert response.status_code == 200
    assert "Say how long the meeting lasted" in response.content.decode()
    assert Meeting.objects.get().status == Status.ACCEPTED


def test_recording_a_cancelled_meeting_through_the_page_explains(
    world: World, pair: Pair, clock: Any
) -> None:
    meeting = arranged(pair, world)
    services.cancel(meeting, by=world.mentee)
    after(clock, meeting)
    response = signed_in(world.mentor).post(
        reverse("partnerships:record", args=[meeting.pk]),
        {"held": "yes", "minutes": "60"},
        follow=True,
    )
    assert "was cancelled, so there is nothing to record" in " ".join(messages_of(response))


@pytest.mark.parametrize("name", ["accept", "cancel", "record", "answer"])
def test_actions_are_post_only(world: World, pair: Pair, name: str) -> None:
    meeting = propose(pair, world.mentor)
    response = signed_in(world.mentee).get(reverse(f"partnerships:{name}", args=[meeting.pk]))
    assert response.status_code == 405


ROLES_404 = [
    "coordinator",
    "org_coordinator",
    "cohort_coordinator",
    "observer",
    "outsider",
    "nobody",
]


@pytest.mark.parametrize("role", ROLES_404)
def test_nobody_but_the_partners_reaches_meeting_pages(world: World, pair: Pair, role: str) -> None:
    meeting = arranged(pair, world)
    client = signed_in(getattr(world, role))
    for name, arg in [
        ("propose", pair.pk),
        ("log", pair.pk),
        ("meeting", meeting.pk),
        ("reschedule", meeting.pk),
        ("meeting_calendar", meeting.pk),
    ]:
        assert client.get(reverse(f"partnerships:{name}", args=[arg])).status_code == 404, name
    assert client.post(reverse("partnerships:cancel", args=[meeting.pk])).status_code == 404
    assert Meeting.objects.get().status == Status.ACCEPTED


def test_another_pairs_partner_gets_404(world: World, pair: Pair) -> None:
    meeting = arranged(pair, world)
    stranger = join(world.cohort, Role.MENTOR, make_user("Sol Stranger"))
    Pair.objects.create(
        cohort=world.cohort, mentor=stranger, mentee=join(world.cohort, Role.MENTEE)
    )
    client = signed_in(stranger)
    assert client.get(reverse("partnerships:meeting", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("partnerships:propose", args=[pair.pk])).status_code == 404


def test_partners_reach_every_page(world: World, pair: Pair) -> None:
    meeting = arranged(pair, world)
    for person in (world.mentor, world.mentee):
        client = signed_in(person)
        for name, arg in [
            ("propose", pair.pk),
            ("log", pair.pk),
            ("meeting", meeting.pk),
            ("reschedule", meeting.pk),
            ("meeting_calendar", meeting.pk),
        ]:
            assert client.get(reverse(f"partnerships:{name}", args=[arg])).status_code == 200


def test_ended_pair_pages_explain_instead_of_offering_a_form(world: World, pair: Pair) -> None:
    end(pair)
    page = signed_in(world.mentor).get(reverse("partnerships:propose", args=[pair.pk]))
    assert "This partnership has ended" in page.content.decode()
    assert "Send the times" not in page.content.decode()
