"""A pair's year in the browser: the mentor proposes a meeting, the mentee accepts it, records
it as held afterwards and the mentor confirms it, while the coordinator's progress board moves
the pair from no contact yet to on track. Every page is checked by axe-core and screenshotted."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from conftest import World
from flipside.lib.dates import LONDON
from flipside.matching.models import Pair
from flipside.partnerships.models import Meeting

from .conftest import PHONE, Session, sign_in

pytestmark = pytest.mark.browser

# A quarter of the way through the test cohort's year (1 September to 31 July): each pair is
# expected to have held 1 of its 4 meetings by today.
TODAY = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
MEETING_DAY = datetime.date(2026, 12, 2)


@pytest.fixture
def clock() -> Iterator[Any]:
    # The server runs in this process, so it shares the travelled clock; it keeps ticking.
    with time_machine.travel(TODAY, tick=True) as traveller:
        yield traveller


def board_row(coordinator: Session, cohort_id: int, name: str) -> Any:
    page = coordinator.goto(reverse("partnerships:board", args=[cohort_id]), name)
    return page.get_by_role("row").filter(has_text="Mo Mentor")


def test_partners_arrange_hold_and_confirm_a_meeting_and_the_board_follows(
    new_session: Callable[..., Session], live_server: Any, live_world: World, clock: Any
) -> None:
    world = live_world
    pair = Pair.objects.create(
        cohort=world.cohort,
        mentor=world.mentor,
        mentee=world.mentee,
        started_at=TODAY - datetime.timedelta(days=60),
    )
    coordinator = new_session()
    sign_in(coordinator.page, live_server, world.coordinator.email)
    # Paired two months ago and nothing arranged yet.
    expect(board_row(coordinator, world.cohort.pk, "board-before")).to_contain_text(
        "No contact yet"
    )

    # The mentor offers two times from the workspace.
    mentor = new_session()
    sign_in(mentor.page, live_server, world.mentor.email)
    page = mentor.goto(reverse("partnerships:workspace", args=[pair.pk]), "workspace-mentor")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prof Mena Mentee")
    page.get_by_role("link", name="Propose a meeting").click()
    mentor.check("propose")
    page.get_by_label("First choice: date").fill(MEETING_DAY.isoformat())
    page.get_by_label("First choice: start time").fill("14:00")
    page.get_by_label("Second choice: date").fill(MEETING_DAY.isoformat())
    page.get_by_label("Second choice: start time").fill("16:00")
    page.get_by_label("Length").fill("45")
    page.get_by_role("radio", name="Online").check()
    page.get_by_label("Place, online link or phone number").fill("https://meet.example.org/mo")
    page.get_by_role("button", name="Send the times").click()
    expect(page.get_by_role("status")).to_be_visible()
    mentor.check("proposed")
    meeting = Meeting.objects.get(pair=pair)
    assert meeting.status == Meeting.Status.PROPOSED and meeting.options.count() == 2

    # The mentee is asked to answer on their home page, and accepts the second time.
    mentee = new_session(PHONE)
    sign_in(mentee.page, live_server, world.mentee.email)
    page = mentee.page
    expect(page.get_by_text("Answer the meeting times your partner proposed.")).to_be_visible()
    page = mentee.goto(reverse("partnerships:meeting", args=[meeting.pk]), "choose-a-time")
    page.get_by_role("radio", name="Wednesday 2 December 2026, 16:00").check()
    page.get_by_role("button", name="Accept this time").click()
    expect(page.get_by_role("status")).to_be_visible()
    mentee.check("accepted")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACCEPTED
    assert meeting.starts_at == datetime.datetime(2026, 12, 2, 16, 0, tzinfo=LONDON)

    # After the meeting the mentee records it as held; nothing about what was said is asked.
    # Two days later everyone signs in again (sessions end after 30 idle minutes).
    clock.move_to(datetime.datetime(2026, 12, 2, 17, 0, tzinfo=LONDON))
    for person, email in ((mentee, world.mentee.email), (mentor, world.mentor.email),
                          (coordinator, world.coordinator.email)):  # fmt: skip
        sign_in(person.page, live_server, email)
    page = mentee.goto(reverse("partnerships:meeting", args=[meeting.pk]), "record")
    page.get_by_role("radio", name="Yes, we met").check()
    page.get_by_label("If you met: how long, in minutes").fill("50")
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_role("status")).to_be_visible()
    mentee.check("recorded")

    # The mentor confirms it; the board now shows the pair on track with nothing to confirm.
    page = mentor.goto(reverse("partnerships:meeting", args=[meeting.pk]), "confirm")
    page.get_by_role("button", name="Yes, confirm it").click()
    expect(page.get_by_role("status")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.record == Meeting.Record.CONFIRMED and meeting.held_minutes == 50
    row = board_row(coordinator, world.cohort.pk, "board-after")
    expect(row).to_contain_text("On track")
    expect(row).to_contain_text("2 Dec 2026")
    coordinator.screenshot("board-after", phone=True)
