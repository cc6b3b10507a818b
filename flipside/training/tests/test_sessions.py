"""Training sessions: booking, the waiting list, calendar invitations, editing and
cancelling, assigning people and the attendance register."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import World, bulk_members, clear_sent_mail, join, sent_mail
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role
from flipside.training import services
from flipside.training.models import Booking, TrainingSession

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 1, 5, 10, 0, tzinfo=LONDON)
# Tuesday 12 January 2027, 2pm to 4pm (GMT, so the same in UTC)
STARTS = datetime.datetime(2027, 1, 12, 14, 0, tzinfo=LONDON)
Status = Booking.Status
NOT_MANAGERS = ["mentor", "mentee", "observer", "outsider", "nobody"]


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_session(world: World, **fields: Any) -> TrainingSession:
    values = {
        "title": "Mentor training: listening and feedback",
        "description": "What reverse mentoring is, and how to give feedback upwards.",
        "audience": "both",
        "starts_at": STARTS,
        "minutes": 120,
        "location": "Room 2.14, Medical School",
        "capacity": 20,
        "facilitator": "Dr Ada Facilitator",
        **fields,
    }
    return services.create_session(world.cohort, by=world.coordinator, **values)


def calendar_of(message: Any) -> icalendar.Calendar:
    [ics] = [a for a in message.attachments if a[0].endswith(".ics")]
    return icalendar.Calendar.from_ical(ics[1])


def event_of(message: Any) -> Any:
    [event] = calendar_of(message).walk("VEVENT")
    return event


def mail_to(user: Any) -> list[Any]:
    return [m for m in sent_mail() if user.email in m.to]


def text(response: Any) -> str:
    return str(response.content.decode())


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Services: booking and the waiting list -----------------------------------------------


def test_booking_gives_a_place_and_emails_a_calendar_invitation(world: World) -> None:
    session = make_session(world)
    booking = services.book(session, user=world.mentor, by=world.mentor)
    assert booking.status == Status.BOOKED
    [message] = mail_to(world.mentor)
    assert (
        message.subject
        == "Your place: Mentor training: listening and feedback, Tuesday 12 January 2027, 14:00"
    )
    calendar = calendar_of(message)
    assert calendar["METHOD"] == "REQUEST"
    event = event_of(message)
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == STARTS
    assert "mailto:mentor@example.ac.uk" in str(event["ATTENDEE"])


def test_a_full_session_puts_people_on_the_waiting_list_without_an_invitation(
    world: World,
) -> None:
    session = make_session(world, capacity=1)
    services.book(session, user=world.mentor, by=world.mentor)
    clear_sent_mail()
    waiting = services.book(session, user=world.mentee, by=world.mentee)
    assert waiting.status == Status.WAITING
    assert mail_to(world.mentee) == []


def test_a_freed_place_goes_to_the_first_on_the_waiting_list_with_an_invitation(
    world: World, clock: Any
) -> None:
    session = make_session(world, capacity=1)
    second = join(world.cohort, Role.MENTOR)
    services.book(session, user=world.mentor, by=world.mentor)
    services.book(session, user=world.mentee, by=world.mentee)
    clock.shift(datetime.timedelta(minutes=1))
    services.book(session, user=second, by=second)
    clear_sent_mail()

    services.cancel_booking(session, user=world.mentor, by=world.mentor)

    statuses = dict(session.bookings.values_list("user__email", "status"))
    assert statuses == {
        world.mentor.email: Status.CANCELLED,
        world.mentee.email: Status.BOOKED,
        second.email: Status.WAITING,
    }
    [cancelled] = mail_to(world.mentor)
    assert calendar_of(cancelled)["METHOD"] == "CANCEL"
    [promoted] = mail_to(world.mentee)
    assert calendar_of(promoted)["METHOD"] == "REQUEST"
    assert "You have a place" in promoted.body
    assert AuditEntry.objects.filter(action="training.booking.promoted").count() == 1


def test_booking_twice_changes_nothing(world: World) -> None:
    session = make_session(world)
    first = services.book(session, user=world.mentor, by=world.mentor)
    again = services.book(session, user=world.mentor, by=world.mentor)
    assert first.pk == again.pk
    assert Booking.objects.filter(session=session).count() == 1
    assert len(mail_to(world.mentor)) == 1


def test_someone_the_session_is_not_for_cannot_book(world: World) -> None:
    session = make_session(world, audience="mentors")
    for person in (world.mentee, world.observer, world.coordinator):
        with pytest.raises(services.TrainingError, match="for student mentors"):
            services.book(session, user=person, by=person)
    assert not Booking.objects.exists()


def test_past_and_cancelled_sessions_cannot_be_booked(world: World, clock: Any) -> None:
    cancelled = services.cancel_session(make_session(world), by=world.coordinator)
    with pytest.raises(services.TrainingError, match="cancelled"):
        services.book(cancelled, user=world.mentor, by=world.mentor)
    past = make_session(world, starts_at=NOW + datetime.timedelta(hours=1))
    clock.shift(datetime.timedelta(hours=2))
    with pytest.raises(services.TrainingError, match="already taken place"):
        services.book(past, user=world.mentor, by=world.mentor)
    assert not Booking.objects.exists()


def test_cancelling_a_place_again_changes_nothing(world: World) -> None:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    services.cancel_booking(session, user=world.mentor, by=world.mentor)
    clear_sent_mail()
    services.cancel_booking(session, user=world.mentor, by=world.mentor)
    assert mail_to(world.mentor) == []


# --- Services: attendance -----------------------------------------------------------------


def test_attendance_is_marked_only_for_people_with_a_place(world: World, clock: Any) -> None:
    session = make_session(world, capacity=1)
    services.book(session, user=world.mentor, by=world.mentor)
    services.book(session, user=world.mentee, by=world.mentee)  # waiting
    clock.move_to(STARTS - datetime.timedelta(minutes=30))
    for person in (world.mentee, world.observer):
        with pytest.raises(services.TrainingError, match="not booked"):
            services.mark_attendance(
                session, user=person, attendance="present", by=world.coordinator
            )
    booking = services.mark_attendance(
        session, user=world.mentor, attendance="present", by=world.coordinator
    )
    assert booking.attendance == "present"
    assert Booking.objects.filter(attendance="present").count() == 1


def test_attendance_cannot_be_marked_long_before_the_session(world: World) -> None:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    with pytest.raises(services.TrainingError, match="an hour before"):
        services.mark_attendance(
            session, user=world.mentor, attendance="present", by=world.coordinator
        )


# --- Services: changing and cancelling sessions -------------------------------------------


def test_cancelling_a_session_sends_a_calendar_cancellation_to_everyone_booked(
    world: World,
) -> None:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    services.book(session, user=world.mentee, by=world.mentee)
    clear_sent_mail()
    services.cancel_session(session, by=world.coordinator)
    for person in (world.mentor, world.mentee):
        [message] = mail_to(person)
        assert calendar_of(message)["METHOD"] == "CANCEL"
        event = event_of(message)
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == 1


def test_editing_a_session_raises_the_sequence_and_emails_updated_invitations(
    world: World,
) -> None:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    first_uid = event_of(mail_to(world.mentor)[0])["UID"]
    clear_sent_mail()
    later = STARTS + datetime.timedelta(days=1)
    services.update_session(session, by=world.coordinator, version=1, starts_at=later)
    [message] = mail_to(world.mentor)
    assert calendar_of(message)["METHOD"] == "REQUEST"
    event = event_of(message)
    assert (event["UID"], event["SEQUENCE"]) == (first_uid, 1)
    assert event.decoded("DTSTART") == later
    assert "changed" in message.subject.lower() or "Wednesday 13 January" in message.body


def test_a_stale_edit_is_refused_and_changes_nothing(world: World) -> None:
    session = make_session(world)
    services.update_session(session, by=world.coordinator, version=1, title="New title")
    with pytest.raises(services.TrainingError, match="changed or cancelled"):
        services.update_session(session, by=world.coordinator, version=1, title="Stale")
    session.refresh_from_db()
    assert (session.title, session.version) == ("New title", 2)


def test_raising_the_capacity_gives_places_to_the_waiting_list(world: World) -> None:
    session = make_session(world, capacity=1)
    services.book(session, user=world.mentor, by=world.mentor)
    services.book(session, user=world.mentee, by=world.mentee)
    clear_sent_mail()
    services.update_session(session, by=world.coordinator, version=1, capacity=2)
    assert session.bookings.get(user=world.mentee).status == Status.BOOKED
    [message] = mail_to(world.mentee)
    assert "You have a place" in message.body


# --- The list and one session -------------------------------------------------------------


def list_url(world: World) -> str:
    return reverse("training:sessions", args=[world.cohort.pk])


def test_coordinators_see_every_session_with_counts(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    mentors = make_session(world, audience="mentors", title="For mentors", capacity=1)
    make_session(world, audience="mentees", title="For mentees")
    services.book(mentors, user=world.mentor, by=world.mentor)
    signed_in(client, world.coordinator)
    for n in range(5):
        make_session(world, title=f"Extra {n}")
    with django_assert_max_num_queries(12):
        response = client.get(list_url(world))
    page = text(response)
    assert "For mentors" in page and "For mentees" in page
    assert "1 of 1 places booked" in page
    assert "Add a session" in page
    assert "Book a place" not in page


def test_participants_see_only_sessions_for_their_role_with_their_booking(
    world: World, client: Client
) -> None:
    mine = make_session(world, audience="mentors", title="For mentors")
    make_session(world, audience="mentees", title="For mentees")
    make_session(world, audience="both", title="For everyone")
    services.book(mine, user=world.mentor, by=world.mentor)
    page = text(signed_in(client, world.mentor).get(list_url(world)))
    assert "For mentors" in page and "For everyone" in page
    assert "For mentees" not in page
    assert "You have a place" in page
    assert "Cancel my place" in page and "Book a place" in page
    assert "places booked" not in page
    assert "Add a session" not in page


def test_observers_see_the_list_read_only(world: World, client: Client) -> None:
    make_session(world, title="For everyone")
    page = text(signed_in(client, world.observer).get(list_url(world)))
    assert "For everyone" in page
    assert "Book a place" not in page and "Add a session" not in page


def test_past_sessions_are_listed_apart(world: World, client: Client, clock: Any) -> None:
    make_session(world, title="Earlier one", starts_at=NOW + datetime.timedelta(hours=1))
    clock.shift(datetime.timedelta(hours=3))
    page = text(signed_in(client, world.mentor).get(list_url(world)))
    assert page.index("Past sessions") < page.index("Earlier one")
    assert "Book a place" not in page


def many_sessions(world: World, days: Iterable[int], **fields: Any) -> None:
    TrainingSession.objects.bulk_create(
        TrainingSession(cohort=world.cohort, title=f"Day {day:+03}", audience="both",
                        starts_at=NOW + datetime.timedelta(days=day), **fields)
        for day in days
    )  # fmt: skip


def titles(response: Any) -> list[str]:
    return [row.session.title for row in response.context["upcoming"] + response.context["past"]]


def test_the_list_is_paged_upcoming_soonest_first_then_past_latest_first(
    world: World, client: Client
) -> None:
    many_sessions(world, [*range(-5, 0), *range(1, 56)])
    signed_in(client, world.coordinator)
    response = client.get(list_url(world))
    assert titles(response) == [f"Day {day:+03}" for day in range(1, 51)]
    assert "Showing 1–50 of 60" in text(response) and "Past sessions" not in text(response)
    response = client.get(list_url(world), {"page": 2})
    assert titles(response) == [
        f"Day {day:+03}" for day in [51, 52, 53, 54, 55, -1, -2, -3, -4, -5]
    ]
    page = text(response)
    assert page.index("Upcoming sessions") < page.index("Day +55") < page.index("Past sessions")
    assert page.index("Past sessions") < page.index("Day -01") < page.index("Day -05")
    assert "Showing 51–60 of 60" in page


def test_a_participant_pages_through_only_their_sessions_and_books_from_page_two(
    world: World, client: Client
) -> None:
    many_sessions(world, range(1, 61))
    TrainingSession.objects.filter(title="Day +07").update(audience="mentees")
    signed_in(client, world.mentor)
    response = client.get(list_url(world), {"page": 2})
    assert titles(response)[0] == "Day +52" and len(titles(response)) == 9
    assert 'name="page" value="2"' in text(response)
    session = TrainingSession.objects.get(title="Day +55")
    response = client.post(book_url(session), {"from": "list", "page": "2"})
    assert response["Location"] == list_url(world) + "?page=2"
    assert session.bookings.get().user == world.mentor
    page = text(client.get(response["Location"]))
    assert "You have a place" in page and "Cancel my place" in page
    response = client.post(book_url(session), {"from": "list", "page": "<script>"})
    assert response["Location"] == list_url(world)


def test_the_session_page_says_when_and_where_in_uk_time(world: World, client: Client) -> None:
    session = make_session(world, online_url="https://meet.example.org/abc", capacity=5)
    services.book(session, user=world.mentee, by=world.mentee)
    response = signed_in(client, world.mentor).get(reverse("training:session", args=[session.pk]))
    page = text(response)
    assert "Tuesday 12 January 2027, 2pm to 4pm" in page
    assert "Room 2.14, Medical School" in page and "https://meet.example.org/abc" in page
    assert "Dr Ada Facilitator" in page
    assert "4 of 5" in page
    assert "Book a place" in page
    assert "Edit session" not in page and "Mena" not in page


def test_summer_sessions_are_shown_in_british_summer_time(world: World, client: Client) -> None:
    session = make_session(world, starts_at=datetime.datetime(2027, 6, 15, 9, 30, tzinfo=LONDON))
    page = text(signed_in(client, world.mentor).get(reverse("training:session", args=[session.pk])))
    assert "Tuesday 15 June 2027, 9:30am to 11:30am" in page


def test_coordinators_see_who_is_booked_and_the_management_links(
    world: World, client: Client
) -> None:
    session = make_session(world)
    services.book(session, user=world.mentee, by=world.mentee)
    page = text(
        signed_in(client, world.cohort_coordinator).get(
            reverse("training:session", args=[session.pk])
        )
    )
    assert "Prof Mena Mentee" in page
    for link in ("Edit session", "Cancel session", "Attendance register"):
        assert link in page
    # The mentee already has a place, so only the mentor is offered for booking.
    assert "Mo Mentor" in page and page.count("Prof Mena Mentee") == 1


def test_the_calendar_file_describes_the_session(world: World, client: Client) -> None:
    session = make_session(world)
    response = signed_in(client, world.mentee).get(
        reverse("training:session_calendar", args=[session.pk])
    )
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("Mentor training")
    assert event.decoded("DTSTART") == STARTS


def test_another_organisation_sees_nothing_of_our_sessions(world: World, client: Client) -> None:
    session = make_session(world)
    signed_in(client, world.outsider)
    for url in (
        list_url(world),
        reverse("training:session", args=[session.pk]),
        reverse("training:session_calendar", args=[session.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("training:book", args=[session.pk])).status_code == 404
    assert not Booking.objects.exists()


# --- Adding, editing and cancelling -------------------------------------------------------


def session_form(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Mentee training: listening to students",
        "description": "Bring a recent example.",
        "audience": "mentees",
        "required": "on",
        "date": "2027-02-02",
        "start": "09:30",
        "minutes": "90",
        "location": "Seminar room 1",
        "online_url": "",
        "capacity": "12",
        "facilitator": "Prof Bea",
        **changes,
    }


def create_url(world: World) -> str:
    return reverse("training:session_create", args=[world.cohort.pk])


def test_a_coordinator_adds_a_session(world: World, client: Client) -> None:
    response = signed_in(client, world.org_coordinator).post(
        create_url(world), session_form(sequence="9", cohort=str(world.other_cohort.pk))
    )
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training:session", args=[session.pk])
    assert session.cohort == world.cohort
    assert session.starts_at == datetime.datetime(2027, 2, 2, 9, 30, tzinfo=LONDON)
    assert (session.audience, session.required, session.minutes, session.capacity) == (
        "mentees",
        True,
        90,
        12,
    )
    assert session.sequence == 0
    assert AuditEntry.objects.filter(action="training.session.created").count() == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"date": "2027-01-04"}, "must start in the future"),
        ({"date": "2027-03-28", "start": "01:30"}, "There is no 01:30 on 28 March 2027"),
        ({"date": "2027-10-31", "start": "01:30"}, "01:30 happens twice on 31 October 2027"),
        ({"date": "2027-02-31"}, "Enter a valid date"),
        ({"date": "9999-01-01"}, "between 2000 and 2099"),
        ({"online_url": "http://meet.example.org/x"}, "starting with https://"),
        ({"online_url": "javascript:alert(1)"}, "Enter a valid URL"),
        ({"minutes": "0"}, "greater than or equal to 15"),
        ({"capacity": "1e309"}, "Enter a whole number"),
        ({"title": "Nul\x00byte"}, "control characters"),
        ({"title": ""}, "This field is required"),
    ],
)
def test_bad_session_details_are_refused(
    world: World, client: Client, changes: dict[str, str], error: str
) -> None:
    response = signed_in(client, world.coordinator).post(create_url(world), session_form(**changes))
    assert response.status_code == 200
    assert error in text(response)
    assert not TrainingSession.objects.exists()


def test_script_in_a_title_is_shown_as_text(world: World, client: Client) -> None:
    signed_in(client, world.coordinator).post(
        create_url(world), session_form(title="<script>alert(1)</script>{{7*7}}")
    )
    session = TrainingSession.objects.get()
    page = text(client.get(reverse("training:session", args=[session.pk])))
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "{{7*7}}" in page


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_only_coordinators_add_edit_or_cancel_sessions(
    world: World, client: Client, role: str
) -> None:
    session = make_session(world)
    signed_in(client, getattr(world, role))
    posts = [
        (create_url(world), session_form()),
        (reverse("training:session_edit", args=[session.pk]), session_form(version="1")),
        (reverse("training:session_cancel", args=[session.pk]), {}),
        (reverse("training:assign", args=[session.pk]), {"people": [world.mentor.pk]}),
    ]
    for url, data in posts:
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, data).status_code == 404
    session.refresh_from_db()
    assert TrainingSession.objects.count() == 1
    assert (session.title, session.cancelled_at, session.version) == (
        "Mentor training: listening and feedback",
        None,
        1,
    )
    assert not Booking.objects.exists()


def edit_url(session: TrainingSession) -> str:
    return reverse("training:session_edit", args=[session.pk])


def test_editing_a_session_tells_everyone_booked(world: World, client: Client) -> None:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    clear_sent_mail()
    data = session_form(audience="both", date="2027-01-19", start="15:00", version="1")
    response = signed_in(client, world.coordinator).post(edit_url(session), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == datetime.datetime(2027, 1, 19, 15, 0, tzinfo=LONDON)
    assert (session.sequence, session.version) == (1, 2)
    [message] = mail_to(world.mentor)
    assert event_of(message)["SEQUENCE"] == 1


def test_the_edit_form_shows_the_saved_uk_time(world: World, client: Client) -> None:
    session = make_session(world, starts_at=datetime.datetime(2027, 6, 15, 9, 30, tzinfo=LONDON))
    page = text(signed_in(client, world.coordinator).get(edit_url(session)))
    assert 'value="2027-06-15"' in page and 'value="09:30"' in page


def test_capacity_cannot_drop_below_the_places_taken(world: World, client: Client) -> None:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    services.book(session, user=world.mentee, by=world.mentee)
    data = session_form(audience="both", capacity="1", version="1")
    response = signed_in(client, world.coordinator).post(edit_url(session), data)
    assert "2 people already have a place" in text(response)
    session.refresh_from_db()
    assert session.capacity == 20


def test_a_stale_edit_keeps_what_was_typed_and_shows_what_is_saved(
    world: World, client: Client
) -> None:
    session = make_session(world)
    services.update_session(session, by=world.cohort_coordinator, version=1, title="Theirs")
    data = session_form(title="Mine", version="1")
    response = signed_in(client, world.coordinator).post(edit_url(session), data)
    page = text(response)
    assert "changed or cancelled while you were editing" in page
    assert 'value="Mine"' in page and "What is saved now" in page and "Theirs" in page
    session.refresh_from_db()
    assert session.title == "Theirs"
    # Saving again on purpose works.
    client.post(edit_url(session), session_form(title="Mine", version="2"))
    session.refresh_from_db()
    assert session.title == "Mine"


def test_cancelling_a_session_asks_first_then_tells_everyone(world: World, client: Client) -> None:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    clear_sent_mail()
    url = reverse("training:session_cancel", args=[session.pk])
    signed_in(client, world.coordinator)
    confirm = client.get(url)
    assert "1 person has a place" in text(confirm)
    session.refresh_from_db()
    assert session.cancelled_at is None
    response = client.post(url)
    assert response["Location"] == list_url(world)
    session.refresh_from_db()
    assert session.cancelled_at is not None
    [message] = mail_to(world.mentor)
    assert calendar_of(message)["METHOD"] == "CANCEL"
    # Editing a cancelled session is refused.
    assert client.get(edit_url(session)).status_code == 302


# --- Booking ------------------------------------------------------------------------------


def book_url(session: TrainingSession) -> str:
    return reverse("training:book", args=[session.pk])


def test_a_mentor_books_a_place(world: World, client: Client) -> None:
    session = make_session(world)
    response = signed_in(client, world.mentor).post(book_url(session), follow=True)
    assert "You have a place." in messages_of(response)[0]
    assert "You have a place." in text(response)
    assert session.bookings.get().user == world.mentor


def test_a_full_session_says_where_you_are_on_the_waiting_list(
    world: World, client: Client, clock: Any
) -> None:
    session = make_session(world, capacity=1)
    services.book(session, user=world.mentee, by=world.mentee)
    other = join(world.cohort, Role.MENTOR)
    clock.shift(datetime.timedelta(minutes=1))
    services.book(session, user=other, by=other)
    clock.shift(datetime.timedelta(minutes=1))
    response = signed_in(client, world.mentor).post(book_url(session), follow=True)
    assert messages_of(response) == ["The session is full: you are number 2 on the waiting list."]
    assert "You are number 2 on the waiting list." in text(response)


def test_double_submits_book_once(world: World, client: Client) -> None:
    session = make_session(world)
    signed_in(client, world.mentor)
    for _ in range(3):
        client.post(book_url(session), {"from": "list"})
    assert session.bookings.count() == 1
    assert len(mail_to(world.mentor)) == 1


def test_booking_the_wrong_session_shows_why(world: World, client: Client, clock: Any) -> None:
    wrong = make_session(world, audience="mentees")
    response = signed_in(client, world.mentor).post(book_url(wrong), follow=True)
    assert messages_of(response) == ["This session is for staff mentees."]
    past = make_session(world, starts_at=NOW + datetime.timedelta(minutes=30))
    clock.shift(datetime.timedelta(hours=1))
    signed_in(client, world.mentor)  # the idle limit has passed
    response = client.post(book_url(past), {"from": "list"}, follow=True)
    assert messages_of(response) == ["This session has already taken place."]
    assert response.redirect_chain[-1][0] == list_url(world)
    assert not Booking.objects.exists()


def test_booking_needs_a_post(world: World, client: Client) -> None:
    session = make_session(world)
    assert signed_in(client, world.mentor).get(book_url(session)).status_code == 405
    assert not Booking.objects.exists()


def test_cancelling_my_place_frees_it(world: World, client: Client) -> None:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    url = reverse("training:cancel_booking", args=[session.pk])
    response = signed_in(client, world.mentor).post(url, follow=True)
    assert messages_of(response) == ["Your place is cancelled."]
    assert session.bookings.get().status == Status.CANCELLED
    response = client.post(url, follow=True)
    assert messages_of(response) == ["You had no place to cancel."]


# --- Assigning people ---------------------------------------------------------------------


def test_a_coordinator_books_people_onto_a_session(world: World, client: Client) -> None:
    session = make_session(world, capacity=1)
    url = reverse("training:assign", args=[session.pk])
    response = signed_in(client, world.coordinator).post(
        url, {"people": [world.mentor.pk, world.mentee.pk]}, follow=True
    )
    assert messages_of(response) == ["1 person booked. 1 person added to the waiting list."]
    assert sorted(session.bookings.values_list("status", flat=True)) == ["booked", "waiting"]
    assert (
        AuditEntry.objects.filter(
            action="training.booking.created", actor=world.coordinator
        ).count()
        == 2
    )


@pytest.mark.parametrize("who", ["observer", "outsider", "coordinator"])
def test_only_eligible_members_can_be_assigned(world: World, client: Client, who: str) -> None:
    session = make_session(world)
    url = reverse("training:assign", args=[session.pk])
    response = signed_in(client, world.coordinator).post(
        url, {"people": [world.mentor.pk, getattr(world, who).pk]}, follow=True
    )
    assert "valid choice" in messages_of(response)[0]
    assert not Booking.objects.exists()


def test_assigning_nobody_is_refused(world: World, client: Client) -> None:
    session = make_session(world)
    url = reverse("training:assign", args=[session.pk])
    response = signed_in(client, world.coordinator).post(url, {}, follow=True)
    assert messages_of(response) == ["Choose at least one person to book."]


def test_assigning_to_a_cancelled_session_books_nobody(world: World, client: Client) -> None:
    session = make_session(world)
    url = reverse("training:assign", args=[session.pk])
    services.cancel_session(session, by=world.coordinator)
    response = signed_in(client, world.coordinator).post(
        url, {"people": [world.mentor.pk, world.mentee.pk]}, follow=True
    )
    assert messages_of(response) == ["Nobody was booked. This session has been cancelled."]
    assert not Booking.objects.exists()


# --- The register -------------------------------------------------------------------------


def register_url(session: TrainingSession) -> str:
    return reverse("training:register", args=[session.pk])


@pytest.fixture
def booked_session(world: World) -> TrainingSession:
    session = make_session(world)
    services.book(session, user=world.mentor, by=world.mentor)
    services.book(session, user=world.mentee, by=world.mentee)
    return session


def test_the_register_opens_an_hour_before_the_session(
    world: World, client: Client, booked_session: TrainingSession
) -> None:
    signed_in(client, world.coordinator)
    page = text(client.get(register_url(booked_session)))
    assert "The register opens an hour before the session starts: at 13:00 on Tuesday" in page
    assert 'type="radio"' not in page
    response = client.post(register_url(booked_session), {f"person_{world.mentor.pk}": "present"})
    assert response.status_code == 302
    assert not Booking.objects.exclude(attendance="unmarked").exists()


def test_the_register_marks_attendance(
    world: World, client: Client, clock: Any, booked_session: TrainingSession
) -> None:
    clock.move_to(STARTS - datetime.timedelta(minutes=10))
    signed_in(client, world.coordinator)
    page = text(client.get(register_url(booked_session)))
    assert "<legend" in page and "Mo Mentor" in page and 'value="excused"' in page
    response = client.post(
        register_url(booked_session),
        {f"person_{world.mentor.pk}": "present", f"person_{world.mentee.pk}": "excused"},
        follow=True,
    )
    assert messages_of(response) == ["Register saved."]
    marks = dict(booked_session.bookings.values_list("user__email", "attendance"))
    assert marks == {world.mentor.email: "present", world.mentee.email: "excused"}
    # Saving the same choices again changes nothing.
    client.post(
        register_url(booked_session),
        {f"person_{world.mentor.pk}": "present", f"person_{world.mentee.pk}": "excused"},
    )
    assert AuditEntry.objects.filter(action="training.attendance.marked").count() == 2


def test_the_register_refuses_people_without_a_place(
    world: World, client: Client, clock: Any, booked_session: TrainingSession
) -> None:
    clock.move_to(STARTS)
    response = signed_in(client, world.coordinator).post(
        register_url(booked_session),
        {f"person_{world.mentor.pk}": "present", f"person_{world.observer.pk}": "present"},
    )
    assert "Only people booked on this session can be marked." in text(response)
    assert not Booking.objects.exclude(attendance="unmarked").exists()


def test_the_register_refuses_made_up_choices(
    world: World, client: Client, clock: Any, booked_session: TrainingSession
) -> None:
    clock.move_to(STARTS)
    response = signed_in(client, world.coordinator).post(
        register_url(booked_session),
        {f"person_{world.mentor.pk}": "present", f"person_{world.mentee.pk}": "asleep"},
    )
    assert "Select a valid choice" in text(response)
    assert not Booking.objects.exclude(attendance="unmarked").exists()


def test_a_refused_row_saves_nothing_and_keeps_the_choices(
    world: World,
    client: Client,
    clock: Any,
    booked_session: TrainingSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.move_to(STARTS)
    real = services.mark_attendance

    def refuse_the_mentee(session: Any, *, user: Any, attendance: str, by: Any) -> Any:
        if user == world.mentee:
            raise services.TrainingError("Prof Mena Mentee is not booked on this session.")
        return real(session, user=user, attendance=attendance, by=by)

    monkeypatch.setattr(services, "mark_attendance", refuse_the_mentee)
    response = signed_in(client, world.coordinator).post(
        register_url(booked_session),
        {f"person_{world.mentor.pk}": "present", f"person_{world.mentee.pk}": "absent"},
    )
    page = text(response)
    assert "Nothing was saved. Prof Mena Mentee is not booked" in page
    # The choices made are still selected, ready to save again.
    assert f'value="present" id="id_person_{world.mentor.pk}_0" checked' in page
    assert f'value="absent" id="id_person_{world.mentee.pk}_1" checked' in page
    assert not Booking.objects.exclude(attendance="unmarked").exists()


@pytest.fixture
def long_register(world: World) -> tuple[TrainingSession, list[Any]]:
    session = make_session(world, capacity=100)
    people = bulk_members(world.cohort, Role.MENTOR, 60, name="Student")
    Booking.objects.bulk_create(Booking(session=session, user=u) for u in people)
    return session, people


def radios_for(response: Any) -> list[str]:
    return [name for name in response.context["form"].fields]


def test_a_long_register_is_paged_and_finds_people_by_name_or_mark(
    world: World, client: Client, clock: Any, long_register: tuple[TrainingSession, list[Any]]
) -> None:
    session, people = long_register
    Booking.objects.filter(session=session, user=people[3]).update(attendance="absent")
    clock.move_to(STARTS)
    signed_in(client, world.coordinator)
    response = client.get(register_url(session))
    # Mo Mentor and Prof Mena Mentee are not booked here: 60 students.
    assert radios_for(response) == [f"person_{p.pk}" for p in people[:50]]
    page = text(response)
    assert "60 people booked" in page and "Showing 1–50 of 60" in page
    assert "Save the register before you go to another page" in page
    response = client.get(register_url(session), {"page": 2})
    assert radios_for(response) == [f"person_{p.pk}" for p in people[50:]]
    response = client.get(register_url(session), {"q": "student 001"})
    assert radios_for(response) == [f"person_{p.pk}" for p in people[10:20]]
    assert "60 people booked" in text(response)
    response = client.get(register_url(session), {"attendance": "absent"})
    assert radios_for(response) == [f"person_{people[3].pk}"]
    response = client.get(register_url(session), {"q": "nobody like this"})
    assert "Nobody matches these filters." in text(response)


def test_saving_a_page_of_the_register_returns_to_that_page_and_search(
    world: World, client: Client, clock: Any, long_register: tuple[TrainingSession, list[Any]]
) -> None:
    session, people = long_register
    clock.move_to(STARTS)
    signed_in(client, world.coordinator)
    url = register_url(session) + "?q=Student&attendance=unmarked&page=2"
    assert 'action="?q=Student&amp;attendance=unmarked&amp;page=2"' in text(client.get(url))
    response = client.post(
        url, {f"person_{people[55].pk}": "present", f"person_{people[56].pk}": "excused"}
    )
    assert response["Location"] == url
    marks = dict(session.bookings.exclude(attendance="unmarked").values_list("user", "attendance"))
    assert marks == {people[55].pk: "present", people[56].pk: "excused"}


def test_choices_for_people_who_moved_to_another_page_are_still_saved(
    world: World, client: Client, clock: Any, long_register: tuple[TrainingSession, list[Any]]
) -> None:
    session, people = long_register
    clock.move_to(STARTS)
    signed_in(client, world.coordinator)
    # Page 2 of the unmarked, loaded before someone else marked the first ten.
    Booking.objects.filter(session=session, user__in=people[:10]).update(attendance="present")
    response = client.post(
        register_url(session) + "?attendance=unmarked&page=2",
        {f"person_{people[50].pk}": "absent"},  # now on page 1 of the unmarked
    )
    assert response.status_code == 302
    assert session.bookings.get(user=people[50]).attendance == "absent"


def test_bad_input_on_a_later_page_keeps_the_choices_and_says_what_is_wrong(
    world: World, client: Client, clock: Any, long_register: tuple[TrainingSession, list[Any]]
) -> None:
    session, people = long_register
    clock.move_to(STARTS)
    signed_in(client, world.coordinator)
    response = client.post(
        register_url(session) + "?page=2",
        {f"person_{people[51].pk}": "present", f"person_{people[52].pk}": "asleep"},
    )
    page = text(response)
    assert response.status_code == 200 and "Select a valid choice" in page
    assert f'value="present" id="id_person_{people[51].pk}_0" checked' in page
    assert radios_for(response) == [f"person_{p.pk}" for p in people[50:]]
    assert 'action="?page=2"' in page
    assert not Booking.objects.exclude(attendance="unmarked").exists()


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_only_coordinators_reach_the_register(
    world: World, client: Client, clock: Any, booked_session: TrainingSession, role: str
) -> None:
    clock.move_to(STARTS)
    signed_in(client, getattr(world, role))
    assert client.get(register_url(booked_session)).status_code == 404
    response = client.post(register_url(booked_session), {f"person_{world.mentor.pk}": "present"})
    assert response.status_code == 404
    assert not Booking.objects.exclude(attendance="unmarked").exists()


def test_each_session_in_the_list_escapes_its_title_and_shows_its_tags_counts_and_form(
    world: World, client: Client
) -> None:
    full = make_session(world, title="<b>Full</b> & co", audience="mentors", capacity=1)
    for _ in range(2):  # one place and one waiting
        person = join(world.cohort, Role.MENTOR)
        services.book(full, user=person, by=person)
    html = text(signed_in(client, world.coordinator).get(list_url(world)))
    assert '">&lt;b&gt;Full&lt;/b&gt; &amp; co</a></h3>' in html
    assert '<span class="tag">Required</span>' in html
    assert '<span class="tag">Student mentors</span>' in html
    assert '<p class="session-item__counts">1 of 1 places booked; 1 waiting</p>' in html
    html = text(signed_in(client, world.mentor).get(list_url(world)))
    assert f'action="{reverse("training:book", args=[full.pk])}"' in html
    assert (
        "Join the waiting list<span" in html and ": &lt;b&gt;Full&lt;/b&gt; &amp; co</span>" in html
    )
    assert "session-item__counts" not in html and "csrfmiddlewaretoken" in html
