"""Reflection events: defaults once, invitations once, replies, register, notes, calendars."""

from __future__ import annotations

import datetime
from typing import Any

import icalendar
import pytest
import time_machine
from django.urls import reverse

from conftest import sent_mail
from flipside.lib.dates import LONDON
from flipside.partnerships.models import EventReply, ReflectionEvent
from flipside.partnerships.services import events as services
from flipside.schemes.models import Stage
from flipside.schemes.services import change_cohort_stage

NOW = datetime.datetime(2026, 10, 1, 12, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _event(world: Any, **fields: Any) -> ReflectionEvent:
    values = {"title": "Spring get-together", "starts_at": NOW + datetime.timedelta(days=20),
              "location": "Room 1"} | fields  # fmt: skip
    return ReflectionEvent.objects.create(cohort=world.cohort, **values)


def test_default_events_created_once_from_the_dates(world: Any, client: Any) -> None:
    client.force_login(world.mentor)
    url = reverse("partnerships:events", args=[world.cohort.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    services.ensure_default_events(world.cohort)
    events = list(world.cohort.reflection_events.order_by("starts_at"))
    assert [e.kind for e in events] == ["midpoint", "end"]
    mid, end = (e.starts_at.astimezone(LONDON) for e in events)
    # 1 September 2026 to 31 July 2027: halfway is Sunday 14 February, moved to the Friday.
    assert (mid.date(), mid.hour, mid.minute) == (datetime.date(2027, 2, 12), 17, 0)
    assert end.date() <= datetime.date(2027, 7, 24) and end.weekday() < 5
    assert events[0].minutes == 90
    # A cancelled default does not come back.
    services.cancel_event(events[0], by=world.coordinator)
    services.ensure_default_events(world.cohort)
    assert world.cohort.reflection_events.count() == 2


def test_moving_a_cohort_to_running_creates_the_defaults(world: Any) -> None:
    world.cohort.stage = Stage.MATCHING
    world.cohort.save()
    assert not world.cohort.reflection_events.exists()
    change_cohort_stage(world.cohort, to=Stage.RUNNING, by=world.coordinator, notify=False)
    assert world.cohort.reflection_events.count() == 2


def test_invitations_go_once_to_every_mentor_and_mentee(world: Any) -> None:
    event = _event(world)
    assert services.send_invitations(event, by=world.coordinator) == 2
    assert services.send_invitations(event, by=world.coordinator) == 0
    mail = sent_mail()
    assert sorted(m.to[0] for m in mail) == ["mentee@example.ac.uk", "mentor@example.ac.uk"]
    ics = [a for a in mail[0].attachments if a[0].endswith(".ics")][0]
    calendar = icalendar.Calendar.from_ical(ics[1])
    assert calendar["method"] == "REQUEST"


def test_creating_through_the_page_invites(world: Any, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("partnerships:event_create", args=[world.cohort.pk])
    response = client.post(url, {"title": "Extra", "date": "2026-11-04", "start": "17:00",
                                 "minutes": "60", "location": "Hall"})  # fmt: skip
    assert response.status_code == 302
    event = ReflectionEvent.objects.get(title="Extra")
    assert event.replies.count() == 2
    # Pressing "Send invitations" again invites nobody new.
    client.post(reverse("partnerships:event", args=[event.pk]))
    assert event.replies.count() == 2
    assert len(sent_mail()) == 2


def test_members_reply_and_change_their_answer(world: Any, client: Any) -> None:
    event = _event(world)
    client.force_login(world.mentor)
    url = reverse("partnerships:event_reply", args=[event.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"answer": "yes"})
    client.post(url, {"answer": "maybe"})
    row = EventReply.objects.get(event=event, user=world.mentor)
    assert row.answer == "maybe"
    client.force_login(world.observer)
    client.post(url, {"answer": "yes"})
    assert not EventReply.objects.filter(event=event, user=world.observer).exists()
    client.force_login(world.outsider)
    assert client.post(url, {"answer": "yes"}).status_code == 404


def test_register_and_notes_only_for_coordinators(world: Any, client: Any) -> None:
    event = _event(world, starts_at=NOW + datetime.timedelta(minutes=30), notes="Theme A")
    services.send_invitations(event, by=world.coordinator)
    row = EventReply.objects.get(event=event, user=world.mentor)
    for person in (world.mentor, world.mentee, world.observer, world.outsider, world.nobody):
        client.force_login(person)
        for name in ("event_register", "event_notes"):
            assert client.get(reverse(f"partnerships:{name}", args=[event.pk])).status_code == 404
        if person in (world.mentor, world.mentee, world.observer):
            page = client.get(reverse("partnerships:event", args=[event.pk]))
            assert page.status_code == 200
            assert "Theme A" not in page.content.decode()
    client.force_login(world.cohort_coordinator)
    url = reverse("partnerships:event_register", args=[event.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {f"reply_{row.pk}": "present"}).status_code == 302
    row.refresh_from_db()
    assert row.attendance == "present"
    notes = reverse("partnerships:event_notes", args=[event.pk])
    client.post(notes, {"notes": "Themes: belonging", "version": event.version})
    event.refresh_from_db()
    assert event.notes == "Themes: belonging"
    assert (
        "Themes: belonging"
        in client.get(reverse("partnerships:event", args=[event.pk])).content.decode()
    )
    # A stale version is refused and nothing is overwritten.
    client.post(notes, {"notes": "Old", "version": 1})
    event.refresh_from_db()
    assert event.notes == "Themes: belonging"


def test_edit_and_cancel_keep_the_uid_and_raise_the_sequence(world: Any, client: Any) -> None:
    event = _event(world)
    services.send_invitations(event, by=world.coordinator)
    sent_mail()
    from django.core import mail

    mail.outbox.clear()
    client.force_login(world.coordinator)
    client.post(reverse("partnerships:event_edit", args=[event.pk]),
                {"title": "Moved", "date": "2026-10-30", "start": "18:00", "minutes": "90",
                 "location": "Room 2", "version": event.version})  # fmt: skip
    changed = sent_mail()
    assert len(changed) == 2 and all("Moved" in m.subject for m in changed)
    first = icalendar.Calendar.from_ical(changed[0].attachments[0][1]).walk("VEVENT")[0]
    mail.outbox.clear()
    assert client.get(reverse("partnerships:event_cancel", args=[event.pk])).status_code == 405
    client.post(reverse("partnerships:event_cancel", args=[event.pk]))
    client.post(reverse("partnerships:event_cancel", args=[event.pk]))
    cancelled = sent_mail()
    assert len(cancelled) == 2
    calendar = icalendar.Calendar.from_ical(cancelled[0].attachments[0][1])
    second = calendar.walk("VEVENT")[0]
    assert calendar["method"] == "CANCEL"
    assert str(second["uid"]) == str(first["uid"]) == services.calendar_event(event).uid
    assert int(first["sequence"]) == 1 and int(second["sequence"]) == 2


def test_calendar_download_for_members_only(world: Any, client: Any) -> None:
    event = _event(world)
    url = reverse("partnerships:event_calendar", args=[event.pk])
    for person in (world.mentor, world.coordinator, world.observer):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    for person in (world.outsider, world.nobody):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_pages_for_each_role(world: Any, client: Any) -> None:
    event = _event(world)
    pages = {"events": [world.cohort.pk], "event": [event.pk], "event_edit": [event.pk],
             "event_create": [world.cohort.pk]}  # fmt: skip
    expected = {
        world.coordinator: (200, 200, 200, 200),
        world.cohort_coordinator: (200, 200, 200, 200),
        world.org_coordinator: (200, 200, 200, 200),
        world.mentor: (200, 200, 404, 404),
        world.observer: (200, 200, 404, 404),
        world.outsider: (404, 404, 404, 404),
        world.nobody: (404, 404, 404, 404),
    }
    for person, statuses in expected.items():
        client.force_login(person)
        got = tuple(
            client.get(reverse(f"partnerships:{name}", args=args)).status_code
            for name, args in pages.items()
        )
        assert got == statuses, person
