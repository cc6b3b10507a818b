"""Calendar feeds: only the hash stored, new addresses revoke old ones, nobody else's items."""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

import icalendar
import pytest
import vobject
from django.urls import reverse

from conftest import join, make_user
from flipside.matching.models import Pair
from flipside.partnerships.models import CalendarFeed, Meeting, ReflectionEvent
from flipside.partnerships.services import feed as services
from flipside.schemes.models import Role
from flipside.training.models import Booking, TrainingSession

pytestmark = pytest.mark.django_db
SOON = datetime.timedelta(days=3)


def _address(client: Any, user: Any) -> str:
    client.force_login(user)
    client.post(reverse("partnerships:feed_regenerate"))
    page = client.get(reverse("partnerships:feed")).content.decode()
    found = re.search(r'value="(http[^"]+\.ics)"', page)
    assert found, "the new address is shown once"
    return found.group(1)


def _path(address: str) -> str:
    return address.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_only_the_hash_is_stored_and_the_address_is_shown_once(world: Any, client: Any) -> None:
    address = _address(client, world.mentor)
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=world.mentor)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in feed.token_hash and len(token) >= 43
    assert token not in client.get(reverse("partnerships:feed")).content.decode()
    client.logout()
    assert client.get(_path(address)).status_code == 200


def test_a_new_address_revokes_the_old_one_at_once(world: Any, client: Any) -> None:
    old = _address(client, world.mentor)
    new = _address(client, world.mentor)
    client.logout()
    assert client.get(_path(old)).status_code == 404
    assert client.get(_path(new)).status_code == 200
    assert CalendarFeed.objects.filter(user=world.mentor).count() == 1


def test_guessed_tokens_are_not_found(world: Any, client: Any) -> None:
    _address(client, world.mentor)
    client.logout()
    for token in ["x", "A" * 43, "not a token!", "A" * 200]:
        assert client.get(reverse("partnerships:feed_ics", args=[token])).status_code == 404
    assert client.get(reverse("partnerships:feed_regenerate")).status_code == 302  # sign in


def test_regenerate_is_post_only(world: Any, client: Any) -> None:
    client.force_login(world.mentor)
    assert client.get(reverse("partnerships:feed_regenerate")).status_code == 405
    assert client.get(reverse("partnerships:feed")).status_code == 200


def _items(world: Any) -> None:
    from django.utils import timezone

    now = timezone.now()
    pair = Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    Meeting.objects.create(pair=pair, status="accepted", starts_at=now + SOON, place="Café")
    Meeting.objects.create(pair=pair, status="proposed")
    Meeting.objects.create(pair=pair, status="cancelled", starts_at=now + SOON * 2)
    other_mentor = join(world.cohort, Role.MENTOR, make_user("Other Mentor"))
    other_mentee = join(world.cohort, Role.MENTEE, make_user("Other Mentee"))
    other = Pair.objects.create(cohort=world.cohort, mentor=other_mentor, mentee=other_mentee)
    Meeting.objects.create(pair=other, status="accepted", starts_at=now + SOON, place="Secret")
    session = TrainingSession.objects.create(
        cohort=world.cohort, title="Listening skills", starts_at=now + SOON * 3
    )
    Booking.objects.create(session=session, user=world.mentor)
    cancelled = TrainingSession.objects.create(
        cohort=world.cohort, title="Dropped session", starts_at=now + SOON, cancelled_at=now
    )
    Booking.objects.create(session=cancelled, user=world.mentor)
    ReflectionEvent.objects.create(cohort=world.cohort, title="Mid-point", starts_at=now + SOON)
    ReflectionEvent.objects.create(
        cohort=world.cohort, title="Called off", starts_at=now + SOON, cancelled_at=now
    )
    ReflectionEvent.objects.create(
        cohort=world.other_cohort, title="Elsewhere", starts_at=now + SOON
    )


def test_the_feed_holds_only_the_persons_own_items_and_validates(world: Any, client: Any) -> None:
    _items(world)
    mentor = _address(client, world.mentor)
    outsider = _address(client, world.outsider)
    client.logout()
    response = client.get(_path(mentor))
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    calendar = icalendar.Calendar.from_ical(text)
    summaries = sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))
    assert summaries == ["Listening skills", "Mid-point", "Reverse mentoring meeting"]
    assert "Secret" not in text and "Mo Mentor" not in text and "Mena" not in text
    vobject.readOne(text).validate()
    # The outsider coordinates another scheme: only that scheme's event, nothing of ours.
    other = client.get(_path(outsider)).content.decode()
    assert [str(e["summary"]) for e in icalendar.Calendar.from_ical(other).walk("VEVENT")] == [
        "Elsewhere"
    ]
    # The coordinator sees the cohort's event, never a pair's meetings.
    coordinator = client.get(_path(_address(client, world.coordinator))).content.decode()
    assert "Reverse mentoring meeting" not in coordinator and "Mid-point" in coordinator


def test_an_empty_feed_is_still_a_valid_calendar(world: Any, client: Any) -> None:
    address = _address(client, world.nobody)
    client.logout()
    text = client.get(_path(address)).content.decode()
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar.walk("VEVENT") == []
    vobject.readOne(text).validate()


def test_owner_lookup_never_matches_another_person(world: Any) -> None:
    mine = services.new_address(world.mentor)
    theirs = services.new_address(world.mentee)
    assert services.owner_of(mine) == world.mentor
    assert services.owner_of(theirs) == world.mentee
    assert services.owner_of(mine[:-1] + ("A" if mine[-1] != "A" else "B")) is None
