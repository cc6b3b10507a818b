"""A pair's workspace: what each partner sees, who cannot reach it, and pausing, resuming and
ending the partnership by a partner."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, join, make_user, sent_mail
from flipside.matching.models import Pair
from flipside.partnerships.models import Meeting, Pause, TalkingPoint, TalkingPointUse
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Membership, Role, Stage

pytestmark = pytest.mark.django_db
OTHERS = ["coordinator", "org_coordinator", "cohort_coordinator", "observer", "outsider", "nobody"]


def url(name: str, *args: Any) -> str:
    return reverse(f"partnerships:{name}", args=args)


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def pair(world: World) -> Pair:
    return Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)


def as_(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def meeting(pair: Pair, status: str, days: float, **fields: Any) -> Meeting:
    starts = timezone.now() + datetime.timedelta(days=days)
    values: dict[str, Any] = {"starts_at": starts, "proposed_by": pair.mentor}
    if status in ("held", "not_held"):
        values.update(record="confirmed", recorded_by=pair.mentor, recorded_at=starts)
    if status == "held":
        values["held_minutes"] = 55
    return Meeting.objects.create(pair=pair, status=status, **{**values, **fields})


# --- Who sees what ---------------------------------------------------------------------------


def test_each_partner_sees_the_other_with_links(client: Client, world: World, pair: Pair) -> None:
    world.mentee.pronouns = "she/her"
    world.mentee.save()
    page = text(as_(client, world.mentor).get(url("workspace", pair.pk)))
    assert "Prof Mena Mentee" in page and "she/her" in page
    assert "mentee@example.ac.uk" in page  # the shared profile
    assert "Your staff mentee" in page
    assert reverse("matching:partner", args=[world.cohort.pk]) in page
    assert reverse("training:agreement", args=[world.scheme.pk]) in page
    assert reverse("training:support") in page
    assert url("propose", pair.pk) in page and url("log", pair.pk) in page
    assert url("journal", pair.pk) in page and url("points", world.cohort.pk) in page
    assert url("pause", pair.pk) in page and url("end", pair.pk) in page
    page = text(as_(client, world.mentee).get(url("workspace", pair.pk)))
    assert "Mo Mentor" in page and "Your student mentor" in page


@pytest.mark.parametrize("role", [*OTHERS, "anonymous", "other_partner"])
def test_nobody_else_reaches_the_workspace(
    client: Client, world: World, pair: Pair, role: str
) -> None:
    if role == "other_partner":
        other = join(world.cohort, Role.MENTOR, make_user("Another Mentor"))
        mentee = join(world.cohort, Role.MENTEE, make_user("Another Mentee"))
        Pair.objects.create(cohort=world.cohort, mentor=other, mentee=mentee)
        client.force_login(other)
    elif role != "anonymous":
        client.force_login(getattr(world, role))
    for name in ("workspace", "pause", "end", "journal"):
        response = client.get(url(name, pair.pk))
        assert response.status_code == (302 if role == "anonymous" else 404), name
    for name in ("pause", "resume", "end"):
        response = client.post(url(name, pair.pk), {"reason": "x"})
        assert response.status_code == (302 if role == "anonymous" else 404), name
    assert not Pause.objects.exists()
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.ACTIVE


def test_progress_and_meetings(client: Client, world: World, pair: Pair) -> None:
    meeting(pair, "held", -60)
    meeting(pair, "held", -30)
    meeting(pair, "cancelled", -20)
    meeting(pair, "accepted", -1)  # waiting to be recorded
    arranged = meeting(pair, "accepted", 3, place="Room 101")
    proposed = Meeting.objects.create(pair=pair, proposed_by=world.mentee)
    page = text(as_(client, world.mentor).get(url("workspace", pair.pk)))
    assert "2 of 4 meetings held — on track" in page
    assert "By today, pairs are expected to have held 1 meeting." in page
    assert "Next meeting:" in page and "Room 101" in page
    assert url("meeting", arranged.pk) in page and url("meeting", proposed.pk) in page
    assert "Waiting to be recorded" in page and "Cancelled" in page
    # The next meeting's time in London (GMT in winter, BST in summer), as the page says.
    assert timezone.localtime(arranged.starts_at).strftime("%H:%M") in page


def test_behind_in_words(client: Client, world: World, pair: Pair) -> None:
    world.cohort.starts_on = timezone.localdate() - datetime.timedelta(days=300)
    world.cohort.ends_on = timezone.localdate() + datetime.timedelta(days=10)
    world.cohort.save()
    page = text(as_(client, world.mentee).get(url("workspace", pair.pk)))
    assert "0 of 4 meetings held" in page
    assert "You are 3 meetings behind that." in page


def test_queries_do_not_grow_with_meetings(client: Client, world: World, pair: Pair) -> None:
    as_(client, world.mentor)
    for days in (-40, -30, 5):
        meeting(pair, "held" if days < 0 else "accepted", days)
    client.get(url("workspace", pair.pk))  # the session is saved on the first visit
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("workspace", pair.pk)).status_code == 200
    for n in range(40):
        meeting(pair, "held", -50 - n)
        meeting(pair, "accepted", 10 + n)
        Meeting.objects.create(pair=pair, proposed_by=world.mentor)
    with CaptureQueriesContext(connection) as many:
        page = text(client.get(url("workspace", pair.pk)))
    assert len(many) == len(few)
    assert "43 past meetings" not in page and "42 past meetings" in page
    assert "Pages of past meetings" in page
    assert client.get(url("workspace", pair.pk) + "?page=5").status_code == 200


def test_meetings_in_their_order_with_times_offered(
    client: Client, world: World, pair: Pair
) -> None:
    """Coming: arranged ones by time, then proposals by when they were made, each with the
    number of times offered; past: latest first, a cancelled proposal that never had a time
    last."""
    later = meeting(pair, "accepted", 9)
    sooner = meeting(pair, "accepted", 4)  # the next meeting, called out above the table
    offered = Meeting.objects.create(pair=pair, proposed_by=world.mentee)
    for days in (6, 7):
        offered.options.create(starts_at=timezone.now() + datetime.timedelta(days=days))
    bare = Meeting.objects.create(pair=pair, proposed_by=world.mentor)
    old = meeting(pair, "held", -40)
    recent = meeting(pair, "not_held", -5)
    Meeting.objects.create(pair=pair, proposed_by=world.mentor, status="cancelled")
    page = text(as_(client, world.mentor).get(url("workspace", pair.pk)))
    coming, past = page.split("Arranged and proposed meetings")[1].split("Past meetings")
    links = [url("meeting", m.pk) for m in (later, offered, bare)]
    assert [coming.index(link) for link in links] == sorted(coming.index(link) for link in links)
    assert url("meeting", sooner.pk) not in coming and url("meeting", sooner.pk) in page
    assert "2 times offered" in coming and "Time to be agreed" in coming
    assert past.index(url("meeting", recent.pk)) < past.index(url("meeting", old.pk))
    assert past.index(url("meeting", old.pk)) < past.index("Cancelled")
    assert "3 past meetings" in past


def test_talking_points_show_which_were_used(client: Client, world: World, pair: Pair) -> None:
    used = TalkingPoint.objects.create(scheme=world.scheme, theme="Belonging", text="Used one")
    TalkingPoint.objects.create(scheme=world.scheme, theme="Belonging", text="Fresh one")
    TalkingPoint.objects.create(
        scheme=world.scheme, theme="X", text="Only suggested", status="suggested"
    )
    TalkingPoint.objects.create(scheme=world.other_scheme, theme="X", text="Elsewhere")
    TalkingPointUse.objects.create(pair=pair, point=used, marked_by=world.mentee)
    page = text(as_(client, world.mentor).get(url("workspace", pair.pk)))
    assert "You have used 1 of the scheme's 2 talking points." in page
    assert "Used one" in page and "Fresh one" in page
    assert "Only suggested" not in page and "Elsewhere" not in page
    assert url("point_used", pair.pk, used.pk) not in page  # already used
    fresh = TalkingPoint.objects.get(text="Fresh one")
    assert url("point_used", pair.pk, fresh.pk) in page


# --- Ended and paused ------------------------------------------------------------------------


def test_an_ended_pair_is_read_only(client: Client, world: World, pair: Pair) -> None:
    meeting(pair, "held", -30)
    pair.status, pair.ended_at = Pair.Status.ENDED, timezone.now()
    pair.save()
    page = text(as_(client, world.mentor).get(url("workspace", pair.pk)))
    assert "This partnership ended on" in page
    assert "1 of 4 meetings held — ended" in page
    for name in ("propose", "log", "pause", "end"):
        assert url(name, pair.pk) not in page
    assert url("journal", pair.pk) in page  # the author still reads their journal


def test_a_partner_who_left_cannot_act(client: Client, world: World, pair: Pair) -> None:
    Membership.objects.filter(user=world.mentee, cohort=world.cohort).delete()
    as_(client, world.mentor)
    page = text(client.get(url("workspace", pair.pk)))
    assert "One of you has left the cohort" in page and url("propose", pair.pk) not in page
    assert "One of you has left the cohort" in text(client.get(url("pause", pair.pk)))
    client.post(url("pause", pair.pk), {"reason": ""})
    assert not Pause.objects.exists()


def test_pause_and_resume(client: Client, world: World, pair: Pair) -> None:
    as_(client, world.mentee)
    form = text(client.get(url("pause", pair.pk)))
    assert "Why are you pausing? (optional)" in form
    response = client.post(url("pause", pair.pk), {"reason": "Exams"})
    assert response.status_code == 302 and response["Location"] == url("workspace", pair.pk)
    client.post(url("pause", pair.pk), {"reason": "Exams again"})  # a double submit
    pause = Pause.objects.get(pair=pair)
    assert pause.reason == "Exams" and pause.paused_by == world.mentee
    page = text(as_(client, world.mentor).get(url("workspace", pair.pk)))
    assert "Paused since" in page and url("resume", pair.pk) in page
    assert "— paused" in page
    assert url("pause", pair.pk) not in page
    assert client.get(url("resume", pair.pk)).status_code == 405
    response = client.post(url("resume", pair.pk), follow=True)
    assert "Your partnership is running again." in text(response)
    assert Pause.objects.get(pair=pair).resumed_at is not None
    response = client.post(url("resume", pair.pk), follow=True)  # a double submit
    assert "was not paused" in text(response)
    assert AuditEntry.objects.filter(action="partnerships.pair.resumed").count() == 1
    assert "Paused since" not in text(client.get(url("workspace", pair.pk)))


def test_pausing_without_a_reason_and_in_a_closed_cohort(
    client: Client, world: World, pair: Pair
) -> None:
    as_(client, world.mentor)
    client.post(url("pause", pair.pk), {"reason": ""})
    assert Pause.objects.get(pair=pair).reason == ""
    Pause.objects.update(resumed_at=timezone.now())
    world.cohort.stage = Stage.CLOSED
    world.cohort.save()
    response = client.post(url("resume", pair.pk), follow=True)
    assert "The cohort is not running" in text(response)
    client.post(url("pause", pair.pk), {"reason": ""})
    assert Pause.objects.filter(resumed_at__isnull=True).count() == 0


def test_ending_needs_a_reason_and_emails_both(client: Client, world: World, pair: Pair) -> None:
    as_(client, world.mentor)
    assert "Why are you ending this partnership?" in text(client.get(url("end", pair.pk)))
    response = client.post(url("end", pair.pk), {"reason": ""})
    assert response.status_code == 200
    assert "Say why you are ending this partnership." in text(response)
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.ACTIVE
    response = client.post(url("end", pair.pk), {"reason": "We cannot find a time"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    ended = Pair.objects.get(pk=pair.pk)
    assert ended.status == Pair.Status.ENDED and ended.end_reason == "We cannot find a time"
    mail = sent_mail()
    assert sorted(m.to[0] for m in mail) == ["mentee@example.ac.uk", "mentor@example.ac.uk"]
    assert all("We cannot find a time" not in m.body for m in mail)  # coordinators only
    home = text(client.get(reverse("home")))
    assert "The coordinators can find you a new partner" in home
    response = client.post(url("end", pair.pk), {"reason": "again"}, follow=True)
    assert "already ended" in text(response)
    assert Pair.objects.get(pk=pair.pk).end_reason == "We cannot find a time"
    assert len(sent_mail()) == 2
    assert "This partnership has ended" in text(client.get(url("end", pair.pk)))


def test_the_meeting_waiting_for_each_partner_is_called_out(
    client: Client, world: World, pair: Pair
) -> None:
    """A meeting whose time has passed asks both to record it; once one partner has, only the
    other is asked to confirm it."""
    passed = meeting(pair, Meeting.Status.ACCEPTED, -2)
    mentor_page = text(as_(client, world.mentor).get(url("workspace", pair.pk)))
    assert "Did your meeting on" in mentor_page and "Record it" in mentor_page
    Meeting.objects.filter(pk=passed.pk).update(
        status=Meeting.Status.HELD, held_minutes=60, record=Meeting.Record.UNCONFIRMED,
        recorded_by=world.mentor,
    )  # fmt: skip
    mentor_page = text(as_(client, world.mentor).get(url("workspace", pair.pk)))
    assert "Did your meeting on" not in mentor_page and "Confirm it" not in mentor_page
    mentee_page = text(as_(client, world.mentee).get(url("workspace", pair.pk)))
    assert "<bdi>Mo</bdi> recorded your meeting on" in mentee_page
    assert "Confirm it, or say it is wrong" in mentee_page
