"""The coordinators' progress board: status rules, expected-by-today arithmetic, sorting,
filtering and paging, a flat number of queries, nudges, pauses and settings."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import join, make_user
from flipside.matching.models import Pair
from flipside.notifications.models import OutboxMessage, Preference
from flipside.partnerships import board as reads
from flipside.partnerships.models import Meeting, PartnershipSettings, Pause
from flipside.partnerships.progress import expected_by, status_of
from flipside.partnerships.selectors import progress_for
from flipside.schemes.models import Role

# Cohort of 1 September 2026 to 31 July 2027 (conftest), minimum 4; "today" mid-year.
TODAY = datetime.datetime(2027, 2, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def pair_of(world: Any, mentor: Any = None, mentee: Any = None, *, days_ago: int = 60) -> Pair:
    mentor = mentor or join(world.cohort, Role.MENTOR)
    mentee = mentee or join(world.cohort, Role.MENTEE)
    return Pair.objects.create(
        cohort=world.cohort, mentor=mentor, mentee=mentee,
        started_at=timezone.now() - datetime.timedelta(days=days_ago),
    )  # fmt: skip


def meet(
    pair: Pair, status: str = "held", record: str = "confirmed", days_ago: int = 30
) -> Meeting:
    at = timezone.now() - datetime.timedelta(days=days_ago)
    if status in ("proposed", "accepted", "cancelled"):
        record = ""
    return Meeting.objects.create(
        pair=pair, status=status, record=record, starts_at=at, proposed_at=at,
        held_minutes=60 if status == "held" else None,
    )  # fmt: skip


def board_url(world: Any, **query: str) -> str:
    url = reverse("partnerships:board", args=[world.cohort.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def statuses(world: Any) -> dict[int, str]:
    rows = reads.listing(world.cohort)
    return {row.pk: row.board_status for row in rows[: len(rows)]}


# --- Expected by today -------------------------------------------------------------------


START, END = datetime.date(2026, 9, 1), datetime.date(2027, 6, 30)  # 303 days


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 8, 31), 0),  # before the start
        (START, 0),  # first day: 4 * 1 // 303
        (datetime.date(2026, 11, 15), 1),  # 76 days: 4 * 76 = 304 // 303 = 1
        (datetime.date(2026, 11, 14), 0),  # 75 days: 300 // 303 = 0
        (datetime.date(2027, 1, 29), 1),  # 151 days: 604 // 303 = 1 (just before half-way)
        (datetime.date(2027, 1, 30), 2),  # 152 days: 608 // 303 = 2 (half-way)
        (datetime.date(2027, 6, 29), 3),  # the day before the end
        (END, 4),  # the last day: everything
        (datetime.date(2027, 9, 1), 4),  # after the end
    ],
)
def test_expected_by_today(today: datetime.date, expected: int) -> None:
    assert expected_by(today, starts_on=START, ends_on=END, minimum=4) == expected


def test_expected_never_falls_and_ends_at_the_minimum() -> None:
    day, previous = START, 0
    while day <= END:
        now = expected_by(day, starts_on=START, ends_on=END, minimum=6)
        assert previous <= now <= 6
        previous, day = now, day + datetime.timedelta(days=1)
    assert previous == 6


# --- Status rules through the board ------------------------------------------------------


def test_status_rules_match_progress_and_show_on_the_board(world: Any, client: Any,
                                                           clock: Any) -> None:  # fmt: skip
    # Mid-February of a Sept–July year with a minimum of 4: 2 expected.
    assert reads.expected_for(world.cohort) == 2
    on_track = pair_of(world, world.mentor, world.mentee)
    meet(on_track), meet(on_track, days_ago=10)
    behind = pair_of(world)
    meet(behind)
    at_risk = pair_of(world)
    meet(at_risk, status="accepted")  # contact, nothing held
    disputed = pair_of(world)
    meet(disputed), meet(disputed, record="disputed")  # only one counts: behind
    cancelled = pair_of(world)
    meet(cancelled, status="cancelled")  # a cancelled meeting is not contact
    new = pair_of(world, days_ago=3)  # paired 3 days ago, nothing yet: not "no contact"
    paused = pair_of(world)
    Pause.objects.create(pair=paused, paused_by=world.coordinator)
    ended = pair_of(world)
    meet(ended), meet(ended)
    Pair.objects.filter(pk=ended.pk).update(status="ended", ended_at=timezone.now())

    found = statuses(world)
    assert found == {
        on_track.pk: "on_track", behind.pk: "behind", at_risk.pk: "at_risk",
        disputed.pk: "behind", cancelled.pk: "no_contact", new.pk: "at_risk",
        paused.pk: "paused", ended.pk: "ended",
    }  # fmt: skip
    # The same answers as the foundation's rules in Python.
    pairs = list(Pair.objects.select_related("cohort").filter(cohort=world.cohort))
    assert {pk: p.status for pk, p in progress_for(pairs).items()} == found

    client.force_login(world.coordinator)
    page = client.get(board_url(world)).content.decode()
    assert "No contact yet" in page and "At risk" in page and "Paused" in page
    assert '2 <span class="muted">(2)</span>' in page  # the pair on track: held (expected)


def test_status_of_rules_in_order() -> None:
    two_weeks = datetime.timedelta(days=14)
    common = {"paused": False, "any_contact": True, "paired_for": two_weeks}
    assert status_of(held=0, expected=0, ended=True, **common) == "ended"
    assert status_of(held=3, expected=2, ended=False, paused=True, any_contact=True,
                     paired_for=two_weeks) == "paused"  # fmt: skip
    assert status_of(held=0, expected=0, ended=False, paused=False, any_contact=False,
                     paired_for=two_weeks) == "no_contact"  # fmt: skip
    assert status_of(held=2, expected=2, ended=False, **common) == "on_track"
    assert status_of(held=1, expected=2, ended=False, **common) == "behind"
    assert status_of(held=0, expected=2, ended=False, **common) == "at_risk"


# --- Who sees the board -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("org_coordinator", 200), ("cohort_coordinator", 200),
     ("mentor", 404), ("mentee", 404), ("observer", 404), ("outsider", 404), ("nobody", 404)],
)  # fmt: skip
def test_only_the_cohorts_coordinators_see_the_board(world: Any, client: Any, role: str,
                                                     status: int) -> None:  # fmt: skip
    pair = pair_of(world, world.mentor, world.mentee)
    client.force_login(getattr(world, role))
    cohort = world.cohort.pk
    for url in (
        reverse("partnerships:board", args=[cohort]),
        reverse("partnerships:nudge", args=[cohort]),
        reverse("partnerships:nudge", args=[cohort]) + f"?pair={pair.pk}",
        reverse("partnerships:settings", args=[cohort]),
        reverse("partnerships:board_pause", args=[pair.pk]),
    ):
        assert client.get(url).status_code == status, url


def test_anonymous_is_sent_to_sign_in(world: Any, client: Any) -> None:
    response = client.get(board_url(world))
    assert response.status_code == 302


# --- Sorting, filtering, paging, queries ------------------------------------------------


def names_on(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><bdi>([^<]+)</bdi></th>', page)


def test_sort_filter_and_keep_the_query(world: Any, client: Any, clock: Any) -> None:
    ahead = pair_of(world, join(world.cohort, Role.MENTOR, make_user("Ann Ahead")))
    meet(ahead, days_ago=50), meet(ahead, days_ago=40)
    late = pair_of(world, join(world.cohort, Role.MENTOR, make_user("Ben Behind")))
    meet(late, days_ago=100)
    quiet = pair_of(world, join(world.cohort, Role.MENTOR, make_user("Cat Quiet")))
    client.force_login(world.coordinator)

    assert names_on(client.get(board_url(world)).content.decode()) == [
        "Ann Ahead", "Ben Behind", "Cat Quiet"]  # fmt: skip
    assert names_on(client.get(board_url(world, sort="held")).content.decode()) == [
        "Cat Quiet", "Ben Behind", "Ann Ahead"]  # fmt: skip
    # Worst first: behind, then no contact yet, then on track.
    assert names_on(client.get(board_url(world, sort="status")).content.decode()) == [
        "Ben Behind", "Cat Quiet", "Ann Ahead"]  # fmt: skip
    assert names_on(client.get(board_url(world, sort="contact")).content.decode()) == [
        "Cat Quiet", "Ben Behind", "Ann Ahead"]  # fmt: skip
    page = client.get(board_url(world, status="behind", sort="held")).content.decode()
    assert names_on(page) == ["Ben Behind"]
    # Sort links keep the filter.
    assert "status=behind&amp;sort=held" in page or "sort=held&amp;status=behind" in page
    assert names_on(client.get(board_url(world, q="quiet")).content.decode()) == ["Cat Quiet"]
    # Counts by status above the list, whatever the filter.
    assert re.search(r"No contact yet</a></th><td class=\"num\">1</td>", page)
    # A status not on offer is ignored.
    assert len(names_on(client.get(board_url(world, status="nonsense")).content.decode())) == 3
    assert quiet  # used


def test_pages_of_fifty(world: Any, client: Any, clock: Any) -> None:
    for _ in range(52):
        pair_of(world)
    client.force_login(world.coordinator)
    first = client.get(board_url(world, sort="held")).content.decode()
    assert len(names_on(first)) == 50
    assert "page=2" in first and "sort=held" in first
    second = client.get(board_url(world, sort="held", page="2")).content.decode()
    assert len(names_on(second)) == 2


@pytest.mark.parametrize("per_page", [1, 2, 3, 7])
def test_name_order_read_along_the_index_is_the_names_order(world: Any, clock: Any,
                                                             per_page: int) -> None:  # fmt: skip
    """Without a search, the board reads each page along the memberships' kept names; pages
    of any size give the mentors' names in order (ties and case included), and a mentor
    with an ended pair and a new one shows both."""
    names = ["bea Low", "Ann Ahead", "Zed Last", "Ann Ahead", "ANN AHEAD", "Émile Accent"]
    for name in names:
        pair_of(world, join(world.cohort, Role.MENTOR, make_user(name)))
    twice = join(world.cohort, Role.MENTOR, make_user("Cy Twice"))
    first = pair_of(world, twice)
    Pair.objects.filter(pk=first.pk).update(status="ended", ended_at=timezone.now())
    pair_of(world, twice)
    in_order = Pair.objects.filter(cohort=world.cohort).order_by("mentor__display_name", "pk")
    expected = list(in_order.values_list("pk", flat=True))
    rows = reads.listing(world.cohort)
    assert type(rows) is not reads.Listing  # the index's way
    found = [row.pk for start in range(0, len(expected), per_page)
             for row in rows[start : start + per_page]]  # fmt: skip
    assert found == expected
    # The same order when a search reads the cohort's pairs the general way.
    searched = reads.listing(world.cohort, q="a")
    assert type(searched) is reads.Listing
    assert [row.pk for row in searched[: len(searched)]] == [
        pk for pk in expected if pk in {row.pk for row in searched[: len(searched)]}]  # fmt: skip


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_pairs(world: Any, client: Any, clock: Any) -> None:
    client.force_login(world.coordinator)
    pair = pair_of(world)
    meet(pair), meet(pair, record="unconfirmed"), meet(pair, status="accepted", days_ago=-3)
    count_queries(client, board_url(world))  # the first request of a session does more
    one = count_queries(client, board_url(world))
    for _ in range(29):
        other = pair_of(world)
        meet(other), meet(other, status="not_held", record="unconfirmed")
    # The first view after the changes counts the statuses again and keeps them (2 more).
    assert count_queries(client, board_url(world)) == one + 2
    thirty = count_queries(client, board_url(world))
    assert one == thirty
    assert count_queries(client, board_url(world, q="Person", sort="status")) <= thirty + 1


def test_unconfirmed_and_last_contact(world: Any, clock: Any) -> None:
    pair = pair_of(world)
    meet(pair, days_ago=40)
    meet(pair, record="unconfirmed", days_ago=20)
    meet(pair, status="not_held", record="unconfirmed", days_ago=10)
    proposal = meet(pair, status="proposed", days_ago=5)
    (row,) = reads.listing(world.cohort, pair=pair.pk)[:1]
    assert row.unconfirmed == 2
    assert row.last_contact == proposal.proposed_at
    assert row.held == 2


# --- Nudges -----------------------------------------------------------------------------


def nudge_form(client: Any, url: str) -> dict[str, str]:
    page = client.get(url).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page)
    subject = re.search(r'name="subject" value="([^"]*)"', page)
    assert token and subject
    return {"token": token.group(1), "subject": subject.group(1)}


def test_nudge_one_pair_with_edited_wording(world: Any, client: Any, clock: Any) -> None:
    from conftest import sent_mail

    pair = pair_of(world, world.mentor, world.mentee)
    url = reverse("partnerships:nudge", args=[world.cohort.pk]) + f"?pair={pair.pk}"
    client.force_login(world.coordinator)
    page = client.get(url).content.decode()
    assert "have held {{ held }} meetings" in page  # prefilled with the kind's wording
    form = nudge_form(client, url)
    data = {**form, "subject": "Let's meet, {{ first_name }}",
            "body": "Hi {{ first_name }}, you and {{ partner }} held {{ held }} of "
                    "{{ expected }}. {{ link }}"}  # fmt: skip
    response = client.post(url, data, follow=True)
    assert "2 people emailed" in response.content.decode()
    mails = {m.to[0]: m for m in sent_mail()}
    assert set(mails) == {world.mentor.email, world.mentee.email}
    to_mentor = mails[world.mentor.email]
    assert to_mentor.subject == "Let's meet, Mo"
    assert "you and Prof Mena Mentee held 0 of 2" in to_mentor.body
    assert f"/pairs/{pair.pk}/" in to_mentor.body

    # The same form again (a double submit) sends nothing more.
    response = client.post(url, data, follow=True)
    assert OutboxMessage.objects.filter(kind="pair_nudge").count() == 2
    assert "not nudged again" in response.content.decode()
    # A fresh form within the hour is refused for the same pair too.
    client.post(url, {**data, "token": nudge_form(client, url)["token"]})
    assert OutboxMessage.objects.filter(kind="pair_nudge").count() == 2


def test_nudge_all_behind_respects_opt_out(world: Any, client: Any, clock: Any) -> None:
    on_track = pair_of(world, world.mentor, world.mentee)
    meet(on_track), meet(on_track)
    behind = pair_of(world)
    meet(behind)
    quiet = pair_of(world)
    Preference.objects.create(user=quiet.mentee, optional_email=False)
    paused = pair_of(world)
    Pause.objects.create(pair=paused)
    url = reverse("partnerships:nudge", args=[world.cohort.pk])
    client.force_login(world.cohort_coordinator)
    form = nudge_form(client, url)
    body = "Hello {{ first_name }}, please meet {{ partner }}."
    response = client.post(url, {**form, "body": body}, follow=True)
    assert "3 people emailed" in response.content.decode()
    sent = set(OutboxMessage.objects.filter(kind="pair_nudge").values_list("to", flat=True))
    assert sent == {behind.mentor.email, behind.mentee.email, quiet.mentor.email}


def test_nudge_wording_is_checked(world: Any, client: Any, clock: Any) -> None:
    pair = pair_of(world)
    url = reverse("partnerships:nudge", args=[world.cohort.pk]) + f"?pair={pair.pk}"
    client.force_login(world.coordinator)
    form = nudge_form(client, url)
    response = client.post(url, {**form, "body": "Hi {{ password }} {% load x %}"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown placeholder" in page and "{{ password }}" in page
    assert not OutboxMessage.objects.filter(kind="pair_nudge").exists()


def test_nudge_refuses_another_cohorts_pair(world: Any, client: Any) -> None:
    from conftest import make_cohort

    other = make_cohort(world.scheme, label="2027/28")
    pair = Pair.objects.create(cohort=other, mentor=make_user(), mentee=make_user())
    url = reverse("partnerships:nudge", args=[world.cohort.pk]) + f"?pair={pair.pk}"
    client.force_login(world.coordinator)
    assert client.get(url).status_code == 404
    assert client.get(url.replace(str(pair.pk), "abc")).status_code == 404


# --- Pause and resume -------------------------------------------------------------------


def test_pause_and_resume_from_the_board(world: Any, client: Any, clock: Any) -> None:
    pair = pair_of(world, world.mentor, world.mentee)
    client.force_login(world.coordinator)
    url = reverse("partnerships:board_pause", args=[pair.pk])
    assert "Pause the partnership" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Exams"}, follow=True)
    assert "is paused" in response.content.decode()
    assert Pause.objects.get(pair=pair, resumed_at__isnull=True).reason == "Exams"
    client.post(url, {"reason": "again"})  # a double submit keeps one pause
    assert Pause.objects.filter(pair=pair).count() == 1
    assert statuses(world)[pair.pk] == "paused"

    resume = reverse("partnerships:board_resume", args=[pair.pk])
    assert client.get(resume).status_code == 405
    assert "is resumed" in client.post(resume, follow=True).content.decode()
    assert "was not paused" in client.post(resume, follow=True).content.decode()
    assert statuses(world)[pair.pk] != "paused"


def test_pause_refused_to_others(world: Any, client: Any) -> None:
    pair = pair_of(world, world.mentor, world.mentee)
    for person in (world.mentor, world.observer, world.outsider):
        client.force_login(person)
        assert client.post(reverse("partnerships:board_pause", args=[pair.pk])).status_code == 404
        assert client.post(reverse("partnerships:board_resume", args=[pair.pk])).status_code == 404
    assert not Pause.objects.exists()


def test_ended_pair_links_to_rematch(world: Any, client: Any, clock: Any) -> None:
    pair = pair_of(world, world.mentor, world.mentee)
    Pair.objects.filter(pk=pair.pk).update(status="ended", ended_at=timezone.now())
    client.force_login(world.coordinator)
    page = client.get(board_url(world)).content.decode()
    assert reverse("matching:rematch", args=[world.cohort.pk, world.mentor.pk]) in page
    assert reverse("matching:rematch", args=[world.cohort.pk, world.mentee.pk]) in page
    assert reverse("matching:end_pair", args=[pair.pk]) not in page


# --- Settings ---------------------------------------------------------------------------


def test_settings_saved_and_conflict(world: Any, client: Any) -> None:
    url = reverse("partnerships:settings", args=[world.cohort.pk])
    client.force_login(world.coordinator)
    assert 'value="30"' in client.get(url).content.decode()
    response = client.post(url, {"log_window_days": "14", "version": "1"})
    assert response.status_code == 302
    saved = PartnershipSettings.objects.get(cohort=world.cohort)
    assert (saved.log_window_days, saved.version) == (14, 2)
    # A form opened at version 1 loses to the save above and shows what is saved now.
    response = client.post(url, {"log_window_days": "60", "version": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "What is saved now" in page and "after you opened this page" in page
    assert 'name="version" value="2"' in page
    assert PartnershipSettings.objects.get(cohort=world.cohort).log_window_days == 14
    response = client.post(url, {"log_window_days": "400", "version": "2"})
    assert response.status_code == 200
    assert PartnershipSettings.objects.get(cohort=world.cohort).log_window_days == 14


def test_nudging_many_names_a_few_and_emails_them_all(world: Any, client: Any,
                                                      clock: Any) -> None:  # fmt: skip
    behind = [pair_of(world) for _ in range(23)]
    for pair in behind:
        meet(pair)
    url = reverse("partnerships:nudge", args=[world.cohort.pk])
    client.force_login(world.coordinator)
    page = client.get(url).content.decode()
    assert "Both partners of each of these 23 pairs will get this email" in page
    assert "These are the first 20 of 23 pairs" in page
    assert page.count(" held)</li>") == 20
    client.post(url, {**nudge_form(client, url), "body": "Hello {{ first_name }}."})
    sent = set(OutboxMessage.objects.filter(kind="pair_nudge").values_list("to", flat=True))
    assert sent == {p.mentor.email for p in behind} | {p.mentee.email for p in behind}
