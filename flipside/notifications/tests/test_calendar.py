"""Calendar files: every check parses the output back with icalendar and looks at values."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

import icalendar
import pytest
import time_machine
from hypothesis import assume, given
from hypothesis import strategies as st

from flipside.lib.dates import LONDON
from flipside.notifications.calendar import (
    PRODID,
    Event,
    build_calendar,
    calendar_attachment,
    event_uid,
)

UTC = datetime.UTC


def london(*args: int, fold: int = 0) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON, fold=fold)  # type: ignore[misc]


def wall(*args: int) -> datetime.datetime:
    """A naive London wall-clock time, to compare with what the file says."""
    return london(*args).replace(tzinfo=None)


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def meeting(**fields: Any) -> Event:
    values: dict[str, Any] = {
        "uid": "meeting-1@flipside.test",
        "starts_at": london(2027, 7, 1, 10),
        "ends_at": london(2027, 7, 1, 11),
        "summary": "Pair meeting",
        "organiser_email": "coordinator@example.ac.uk",
        "attendee_emails": ("mentor@example.ac.uk", "mentee@example.ac.uk"),
        **fields,
    }
    return Event(**values)


def parse(data: bytes | str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def only_event(data: bytes | str) -> icalendar.Event:
    events = parse(data).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def in_utc(vevent: icalendar.Event, name: str) -> datetime.datetime:
    moment: datetime.datetime = vevent.decoded(name)
    return moment.astimezone(UTC)


def test_calendar_names_product_version_and_method() -> None:
    calendar = parse(build_calendar([meeting()], method="REQUEST"))

    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"


def test_method_defaults_to_publish() -> None:
    assert str(parse(build_calendar([meeting()]))["METHOD"]) == "PUBLISH"


def test_summer_meeting_is_written_in_london_time_an_hour_ahead_of_utc() -> None:
    vevent = only_event(build_calendar([meeting()]))

    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert vevent["DTSTART"].dt.replace(tzinfo=None) == wall(2027, 7, 1, 10)
    assert in_utc(vevent, "DTSTART") == utc(2027, 7, 1, 9)
    assert in_utc(vevent, "DTEND") == utc(2027, 7, 1, 10)


def test_winter_meeting_is_written_in_london_time_equal_to_utc() -> None:
    event = meeting(starts_at=london(2027, 1, 14, 10), ends_at=london(2027, 1, 14, 11))
    vevent = only_event(build_calendar([event]))

    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert vevent["DTSTART"].dt.replace(tzinfo=None) == wall(2027, 1, 14, 10)
    assert in_utc(vevent, "DTSTART") == utc(2027, 1, 14, 10)


def test_times_given_in_another_zone_are_written_as_london_wall_time() -> None:
    new_york = datetime.timezone(datetime.timedelta(hours=-4))
    start = datetime.datetime(2027, 7, 1, 5, tzinfo=new_york)
    event = meeting(starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    vevent = only_event(build_calendar([event]))

    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert vevent["DTSTART"].dt.replace(tzinfo=None) == wall(2027, 7, 1, 10)


@pytest.mark.parametrize(
    ("day", "utc_start", "utc_end", "hours"),
    [
        # Clocks go forward at 01:00 GMT: the night loses an hour.
        (datetime.date(2027, 3, 28), utc(2027, 3, 28, 0), utc(2027, 3, 28, 3), 3),
        # Clocks go back at 02:00 BST: the night gains an hour.
        (datetime.date(2027, 10, 31), utc(2027, 10, 30, 23), utc(2027, 10, 31, 4), 5),
    ],
)
def test_event_across_a_clock_change_lasts_the_real_time_between_its_wall_times(
    day: datetime.date, utc_start: datetime.datetime, utc_end: datetime.datetime, hours: int
) -> None:
    event = meeting(
        starts_at=london(day.year, day.month, day.day, 0),
        ends_at=london(day.year, day.month, day.day, 4),
    )
    vevent = only_event(build_calendar([event]))

    assert in_utc(vevent, "DTSTART") == utc_start
    assert in_utc(vevent, "DTEND") == utc_end
    assert utc_end - utc_start == datetime.timedelta(hours=hours)


def test_second_pass_through_the_repeated_autumn_hour_keeps_its_instant() -> None:
    # 01:30 on 31 October 2027 happens twice; RFC 5545 reads a London wall time as the first.
    second_pass = london(2027, 10, 31, 1, 30, fold=1)
    event = meeting(starts_at=second_pass, ends_at=london(2027, 10, 31, 3))
    vevent = only_event(build_calendar([event]))

    assert in_utc(vevent, "DTSTART") == utc(2027, 10, 31, 1, 30)


def test_calendar_carries_london_timezone_with_standard_and_daylight_rules() -> None:
    calendar = parse(build_calendar([meeting()]))

    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/London"
    parts = {component.name for component in vtimezone.subcomponents}
    assert {"STANDARD", "DAYLIGHT"} <= parts


def test_timezone_in_the_file_gives_the_same_offsets_as_the_tz_database() -> None:
    # A calendar program that knows nothing of "Europe/London" uses these rules alone.
    event = meeting(starts_at=london(2027, 1, 14, 10), ends_at=london(2028, 7, 1, 10))
    (vtimezone,) = parse(build_calendar([event])).walk("VTIMEZONE")
    from_file = vtimezone.to_tz(lookup_tzid=False)

    for moment in [
        london(2027, 1, 14, 10),
        london(2027, 3, 28, 0, 30),
        london(2027, 3, 28, 3, 30),
        london(2027, 7, 1, 10),
        london(2027, 10, 31, 0, 30),
        london(2027, 10, 31, 2, 30),
        london(2028, 7, 1, 10),
    ]:
        assert moment.replace(tzinfo=from_file).utcoffset() == moment.utcoffset()


def test_fractions_of_a_second_are_dropped_as_icalendar_has_whole_seconds() -> None:
    start = london(2027, 7, 1, 10, 0, 0, 999_999)
    vevent = only_event(build_calendar([meeting(starts_at=start)]))

    assert in_utc(vevent, "DTSTART") == utc(2027, 7, 1, 9)


def test_event_shorter_than_a_second_is_refused() -> None:
    start = london(2027, 7, 1, 10, 0, 0, 100)

    with pytest.raises(ValueError, match="end after"):
        meeting(starts_at=start, ends_at=start.replace(microsecond=900))


def test_same_event_built_twice_has_the_same_uid() -> None:
    first = only_event(build_calendar([meeting()]))
    second = only_event(build_calendar([meeting(summary="Moved", sequence=1)]))

    assert str(first["UID"]) == str(second["UID"]) == "meeting-1@flipside.test"


def test_sequence_is_what_the_caller_passed() -> None:
    vevent = only_event(build_calendar([meeting(sequence=3)]))

    assert vevent.decoded("SEQUENCE") == 3


def test_dtstamp_is_the_time_of_building_in_utc() -> None:
    with time_machine.travel(utc(2026, 11, 2, 12, 30), tick=False):
        data = build_calendar([meeting()])

    vevent = only_event(data)
    assert vevent.decoded("DTSTAMP") == utc(2026, 11, 2, 12, 30)
    assert b"DTSTAMP:20261102T123000Z" in data


def test_cancel_marks_every_event_cancelled() -> None:
    events = [meeting(uid="meeting-1@x", sequence=2), meeting(uid="meeting-2@x", sequence=1)]
    vevents = parse(build_calendar(events, method="CANCEL")).walk("VEVENT")

    assert [str(vevent["STATUS"]) for vevent in vevents] == ["CANCELLED", "CANCELLED"]
    assert str(parse(build_calendar(events, method="CANCEL"))["METHOD"]) == "CANCEL"


def test_events_not_cancelled_carry_no_status() -> None:
    assert "STATUS" not in only_event(build_calendar([meeting()], method="REQUEST"))


def test_request_names_organiser_and_attendees_as_mailto_addresses() -> None:
    vevent = only_event(build_calendar([meeting()], method="REQUEST"))

    assert str(vevent["ORGANIZER"]) == "mailto:coordinator@example.ac.uk"
    attendees = vevent["ATTENDEE"]
    assert [str(attendee) for attendee in attendees] == [
        "mailto:mentor@example.ac.uk",
        "mailto:mentee@example.ac.uk",
    ]
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_publish_without_organiser_or_attendees_leaves_them_out() -> None:
    vevent = only_event(build_calendar([meeting(organiser_email="", attendee_emails=())]))

    assert "ORGANIZER" not in vevent
    assert "ATTENDEE" not in vevent


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_invitation_or_cancellation_without_organiser_is_refused(method: Any) -> None:
    with pytest.raises(ValueError, match="organiser"):
        build_calendar([meeting(organiser_email="")], method=method)


def test_invitation_without_attendees_is_refused() -> None:
    with pytest.raises(ValueError, match="attendee"):
        build_calendar([meeting(attendee_emails=())], method="REQUEST")


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        build_calendar([meeting()], method="REPLY")  # type: ignore[arg-type]


def test_calendar_without_events_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        build_calendar([])


def test_description_location_and_url_are_written_when_given() -> None:
    event = meeting(
        description="Bring your reflective log.",
        location="Room 2.14, Medical School",
        url="https://flipside.test/meetings/1/",
    )
    vevent = only_event(build_calendar([event]))

    assert str(vevent["DESCRIPTION"]) == "Bring your reflective log."
    assert str(vevent["LOCATION"]) == "Room 2.14, Medical School"
    assert str(vevent["URL"]) == "https://flipside.test/meetings/1/"


def test_empty_description_location_and_url_are_left_out() -> None:
    vevent = only_event(build_calendar([meeting()]))

    assert not {"DESCRIPTION", "LOCATION", "URL"} & set(vevent)


def test_all_day_event_uses_dates_with_an_exclusive_end() -> None:
    event = meeting(
        starts_at=london(2027, 7, 1), ends_at=london(2027, 7, 2), all_day=True, summary="Away day"
    )
    data = build_calendar([event])
    vevent = only_event(data)

    assert vevent.decoded("DTSTART") == datetime.date(2027, 7, 1)
    assert vevent.decoded("DTEND") == datetime.date(2027, 7, 2)
    assert not isinstance(vevent.decoded("DTSTART"), datetime.datetime)
    assert b"DTSTART;VALUE=DATE:20270701" in data


def test_all_day_event_takes_its_dates_in_london() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    event = meeting(
        starts_at=utc(2027, 6, 30, 23, 30), ends_at=utc(2027, 7, 2, 23, 30), all_day=True
    )
    vevent = only_event(build_calendar([event]))

    assert vevent.decoded("DTSTART") == datetime.date(2027, 7, 1)
    assert vevent.decoded("DTEND") == datetime.date(2027, 7, 3)


def test_all_day_event_ending_on_its_start_date_is_refused() -> None:
    with pytest.raises(ValueError, match="exclusive"):
        meeting(starts_at=london(2027, 7, 1, 9), ends_at=london(2027, 7, 1, 17), all_day=True)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"ends_at": london(2027, 7, 1, 9)}, id="end-before-start"),
        pytest.param({"ends_at": london(2027, 7, 1, 10)}, id="end-equals-start"),
        pytest.param({"starts_at": datetime.datetime(2027, 7, 1, 10)}, id="naive-start"),  # noqa: DTZ001
        pytest.param({"ends_at": datetime.datetime(2027, 7, 1, 11)}, id="naive-end"),  # noqa: DTZ001
        pytest.param({"summary": "Pair\x00meeting"}, id="nul-in-summary"),
        pytest.param({"description": "bell\x07"}, id="control-in-description"),
        pytest.param({"location": "Room\x00"}, id="nul-in-location"),
        pytest.param({"url": "https://x.test/\nBEGIN:VEVENT"}, id="line-break-in-url"),
        pytest.param({"uid": ""}, id="empty-uid"),
        pytest.param({"sequence": -1}, id="negative-sequence"),
        pytest.param({"organiser_email": "not an address"}, id="bad-organiser"),
        pytest.param({"attendee_emails": ("a@b.test\nX:y",)}, id="bad-attendee"),
    ],
)
def test_bad_event_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        meeting(**fields)


def test_end_before_start_is_judged_by_instant_not_wall_time() -> None:
    # 01:45 BST (first pass) is 00:45 UTC, before 01:30 GMT (second pass) at 01:30 UTC.
    first_pass, second_pass = london(2027, 10, 31, 1, 45), london(2027, 10, 31, 1, 30, fold=1)

    with pytest.raises(ValueError, match="end after"):
        meeting(starts_at=second_pass, ends_at=first_pass)
    assert meeting(starts_at=first_pass, ends_at=second_pass).ends_at == second_pass


def test_text_with_punctuation_line_breaks_and_non_ascii_round_trips_exactly() -> None:
    text = "Café, talk; ≥4 meetings\nline two"
    event = meeting(summary=text, description=text + "\n\\ backslash", location=text)
    vevent = only_event(build_calendar([event]))

    assert str(vevent["SUMMARY"]) == text
    assert str(vevent["DESCRIPTION"]) == text + "\n\\ backslash"
    assert str(vevent["LOCATION"]) == text


def test_every_event_gets_its_own_vevent() -> None:
    events = [meeting(uid=f"meeting-{n}@x") for n in range(3)]
    vevents = parse(build_calendar(events)).walk("VEVENT")

    assert [str(vevent["UID"]) for vevent in vevents] == [
        "meeting-0@x",
        "meeting-1@x",
        "meeting-2@x",
    ]


def test_event_uid_uses_the_host_of_the_site_url(settings: Any) -> None:
    settings.SITE_URL = "https://mentoring.example.ac.uk:8443"

    assert event_uid("meeting", 42) == "meeting-42@mentoring.example.ac.uk"
    assert event_uid("meeting", 42) == event_uid("meeting", 42)


def test_attachment_mimetype_carries_the_method() -> None:
    attachment = calendar_attachment([meeting()], method="REQUEST")

    assert attachment.mimetype == "text/calendar; method=REQUEST; charset=UTF-8"
    assert attachment.filename == "invite.ics"
    assert isinstance(attachment.content, str)
    assert str(parse(attachment.content)["METHOD"]) == "REQUEST"


def test_cancellation_attachment_has_cancel_type_and_chosen_filename() -> None:
    attachment = calendar_attachment([meeting()], method="CANCEL", filename="cancel.ics")

    assert attachment.mimetype == "text/calendar; method=CANCEL; charset=UTF-8"
    assert attachment.filename == "cancel.ics"
    assert str(only_event(attachment.content)["STATUS"]) == "CANCELLED"


def test_changing_a_built_event_keeps_it_checked() -> None:
    with pytest.raises(ValueError):
        replace(meeting(), ends_at=london(2027, 7, 1, 9))


@given(
    wall=st.datetimes(
        min_value=datetime.datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=datetime.datetime(2035, 12, 31, 23, 59),  # noqa: DTZ001
    ),
    fold=st.sampled_from([0, 1]),
    minutes=st.integers(min_value=15, max_value=8 * 60),
)
def test_any_london_start_and_duration_keeps_its_real_length(
    wall: datetime.datetime, fold: int, minutes: int
) -> None:
    start = wall.replace(microsecond=0, tzinfo=LONDON, fold=fold)
    # Skip wall times that never happen in London (the spring gap).
    assume(
        start.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) == start.replace(tzinfo=None)
    )
    duration = datetime.timedelta(minutes=minutes)
    # Add in UTC: adding to a zoned datetime moves the wall clock, not real time.
    end = (start.astimezone(UTC) + duration).astimezone(LONDON)
    vevent = only_event(build_calendar([meeting(starts_at=start, ends_at=end)]))

    assert in_utc(vevent, "DTSTART") == start.astimezone(UTC)
    assert in_utc(vevent, "DTEND") - in_utc(vevent, "DTSTART") == duration


def test_a_calendar_file_is_served_for_download_or_for_subscribing() -> None:
    from flipside.notifications.calendar import calendar_response

    download = calendar_response(b"BEGIN:VCALENDAR", "Mid-point reflection.ics")
    assert download["Content-Type"] == "text/calendar; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="Mid-point reflection.ics"'
    feed = calendar_response(b"BEGIN:VCALENDAR", "flipside.ics", attachment=False)
    assert feed["Content-Disposition"] == 'inline; filename="flipside.ics"'
    assert feed.content == b"BEGIN:VCALENDAR"
