"""The mentor's pay pages and the coordinators' review page: what each shows, forms that
come back with their errors, double presses, and who reaches them (the staff partner never
does)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import World, bulk_members, join
from flipside.partnerships.models import Meeting
from flipside.payments.models import Line, PaymentRun, Timesheet
from flipside.payments.services import timesheets as services
from flipside.payments.tests.test_timesheets import (
    NOW,
    employ,
    held,
    pair_of,
    pay,
    sheet,
    submitted,
    work,
)
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db
D = datetime.date
Status = Line.Status


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def my_pay(world: World) -> str:
    return reverse("payments:my_pay", args=[world.cohort.pk])


def review(world: World) -> str:
    return reverse("payments:review", args=[world.cohort.pk])


# --- The mentor's pay page --------------------------------------------------------------------


def test_the_mentor_sees_hours_amounts_and_status_at_all_times(world: World) -> None:
    employ(world)
    pay(world, holiday_pay=True)
    approved = services.approve_line(
        submitted(world, D(2026, 6, 1), "2"), by=world.coordinator, version=2
    )
    waiting = work(world, D(2026, 6, 2), "1.5")
    paid = services.approve_line(submitted(world, D(2026, 5, 4), "3"), by=world.coordinator,
                                 version=2)  # fmt: skip
    run = PaymentRun.objects.create(cohort=world.cohort, number=1, status="paid",
                                    paid_on=D(2026, 5, 29))  # fmt: skip
    Line.objects.filter(pk=paid.pk).update(payment_run=run)
    page = signed_in(world.mentor).get(my_pay(world))
    assert page.status_code == 200
    body = text(page)
    assert "£14.80 an hour" in body and "from 22 Oct 2025" in body
    assert approved.amount == Decimal("29.60") and "£29.60" in body
    assert "Holiday pay" in body and "£3.57" in body  # 12.07% of £29.60
    assert waiting.amount is not None and "£22.20" in body  # 1.5 × 14.80
    assert "Paid" in body and "£44.40" in body  # the paid total, in May
    # The month's timesheet and the list of timesheets, each month once.
    assert "This month: June 2026" in body
    assert body.count('href="/pay/timesheets/') >= 2
    # Paid in run 1 shows on the timesheet of May.
    may = signed_in(world.mentor).get(reverse("payments:timesheet", args=[paid.timesheet_id]))
    assert "Paid in run 1 on 29 May 2026" in text(may)


def test_activity_to_claim_is_listed_with_the_partners_record(world: World) -> None:
    pair = pair_of(world)
    unconfirmed = held(pair, D(2026, 6, 3), record=Meeting.Record.UNCONFIRMED)
    disputed = held(pair, D(2026, 6, 4), record=Meeting.Record.DISPUTED)
    body = text(signed_in(world.mentor).get(my_pay(world)))
    assert f'value="meeting:{unconfirmed.pk}"' in body and f'value="meeting:{disputed.pk}"' in body
    assert "Not confirmed by your partner yet" in body
    assert "Holiday pay" not in body  # the cohort adds none
    assert "Your partner disputed this record" in body
    assert "Mentoring meeting, 60 minutes with <bdi>Prof Mena Mentee</bdi>" in body


def test_claiming_through_the_page(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3))
    client = signed_in(world.mentor)
    url = reverse("payments:claim", args=[world.cohort.pk])
    assert client.get(url).status_code == 405
    keys = [f"meeting:{meeting.pk}", f"preparation:{meeting.pk}"]
    response = client.post(url, {"claim": keys}, follow=True)
    assert response.redirect_chain[-1][0] == my_pay(world)
    assert messages_of(response) == [
        "2 activities claimed. Submit your timesheets when they are complete."
    ]
    assert sorted(Line.objects.values_list("claim", flat=True)) == sorted(keys)
    # Pressing again claims nothing more.
    again = client.post(url, {"claim": keys}, follow=True)
    assert "can no longer be claimed" in messages_of(again)[0]
    assert Line.objects.count() == 2


def test_a_forged_claim_of_another_pairs_meeting_changes_nothing(world: World) -> None:
    other = join(world.cohort, Role.MENTOR)
    theirs = held(pair_of(world, mentor=other), D(2026, 6, 3))
    mine = held(pair_of(world), D(2026, 6, 4))
    url = reverse("payments:claim", args=[world.cohort.pk])
    response = signed_in(world.mentor).post(
        url, {"claim": [f"meeting:{mine.pk}", f"meeting:{theirs.pk}"]}, follow=True
    )
    assert "can no longer be claimed" in messages_of(response)[0]
    assert not Line.objects.exists()


def test_adding_work_with_bad_input_shows_the_form_again(world: World) -> None:
    client = signed_in(world.mentor)
    for hours, date, description, error in [
        ("abc", "2026-06-10", "Panel", "at most two decimal places"),
        ("1e309", "2026-06-10", "Panel", "at most two decimal places"),
        ("25", "2026-06-10", "Panel", "at most 24 hours"),
        ("0", "2026-06-10", "Panel", "more than 0"),
        ("2", "2026-06-16", "Panel", "in the future"),
        ("2", "2026-02-31", "Panel", "Enter a valid date"),
        ("2", "9999-01-01", "Panel", "between 2000 and 2099"),
        ("2", "2026-06-10", "", "This field is required"),
        ("2", "2026-06-10", "Panel\x00", "control characters"),
    ]:
        response = client.post(my_pay(world), {"work-worked_on": date, "work-hours": hours,
                                               "work-description": description})  # fmt: skip
        assert response.status_code == 200, hours
        assert error in text(response), (hours, date, description)
        assert f'value="{hours}"' in text(response) or not hours
    # Refused by the service: shown as a problem with the form, input kept.
    pay(world, monthly_cap_hours=Decimal(1))
    response = client.post(my_pay(world), {"work-worked_on": "2026-06-10", "work-hours": "2",
                                           "work-description": "Panel"})  # fmt: skip
    assert response.status_code == 200 and "at most 1 hours a month" in text(response)
    assert 'value="Panel"' in text(response)
    assert not Line.objects.exists() and not Timesheet.objects.exists()


def test_adding_work_through_the_page(world: World) -> None:
    response = signed_in(world.mentor).post(
        my_pay(world),
        {"work-worked_on": "2026-06-10", "work-hours": "1.25", "work-description": "Open day",
         "hourly": "999", "status": "approved", "mentor": world.coordinator.pk},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain[-1][0] == my_pay(world)
    line = Line.objects.get()
    assert (line.hours, line.hourly, line.status, line.mentor) == (
        Decimal("1.25"), Decimal("14.80"), Status.DRAFT, world.mentor
    )  # fmt: skip
    assert "Added 1.25 hours on 10 June 2026" in messages_of(response)[0]


def test_submitting_through_the_page_twice_submits_once(world: World) -> None:
    line = work(world, D(2026, 6, 1))
    timesheet = Timesheet.objects.get(pk=line.timesheet_id)
    client = signed_in(world.mentor)
    url = reverse("payments:submit", args=[timesheet.pk])
    assert client.get(url).status_code == 405
    first = client.post(url, {"version": timesheet.version}, follow=True)
    assert first.redirect_chain[-1][0] == reverse("payments:timesheet", args=[timesheet.pk])
    assert "Timesheet submitted" in messages_of(first)[0]
    second = client.post(url, {"version": timesheet.version}, follow=True)
    assert "Nothing new to submit" in messages_of(second)[0]
    line.refresh_from_db()
    assert line.status == Status.SUBMITTED
    assert AuditEntry.objects.filter(action="payments.timesheet.submitted").count() == 1


def test_changing_a_line_through_the_page(world: World) -> None:
    line = work(world, D(2026, 6, 1), "2")
    client = signed_in(world.mentor)
    url = reverse("payments:line_edit", args=[line.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"worked_on": "2026-06-01", "hours": "1.234", "description": "x",
                            "version": line.version})  # fmt: skip
    assert bad.status_code == 200 and "at most two decimal places" in text(bad)
    good = client.post(url, {"worked_on": "2026-06-02", "hours": "3", "description": "Talk",
                             "version": line.version})  # fmt: skip
    assert good.status_code == 302
    line.refresh_from_db()
    assert (line.worked_on, line.hours, line.description) == (D(2026, 6, 2), 3, "Talk")
    # The same form again, from a tab opened before: told, nothing overwritten.
    stale = client.post(url, {"worked_on": "2026-06-03", "hours": "4", "description": "Old",
                              "version": 1})  # fmt: skip
    assert stale.status_code == 200 and "changed since you opened it" in text(stale)
    line.refresh_from_db()
    assert line.hours == 3


def test_a_claimed_lines_date_and_hours_cannot_be_changed_by_the_form(world: World) -> None:
    meeting = held(pair_of(world), D(2026, 6, 3))
    line = services.claim_activity(world.cohort, key=f"meeting:{meeting.pk}", by=world.mentor)
    response = signed_in(world.mentor).post(
        reverse("payments:line_edit", args=[line.pk]),
        {"worked_on": "2026-06-01", "hours": "9", "description": "Long meeting",
         "version": line.version},
    )  # fmt: skip
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.worked_on, line.hours, line.description) == (
        D(2026, 6, 3), Decimal(1), "Long meeting"
    )  # fmt: skip


def test_removing_a_line_through_the_page(world: World) -> None:
    line = work(world, D(2026, 6, 1))
    client = signed_in(world.mentor)
    url = reverse("payments:line_remove", args=[line.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.url == reverse("payments:timesheet", args=[line.timesheet_id])
    assert not Line.objects.exists()


def test_the_weekly_limit_warning_shows_on_the_page(world: World) -> None:
    employ(world, weekly_limit_hours=Decimal(20))
    work(world, D(2026, 6, 15), "17")
    body = text(signed_in(world.mentor).get(my_pay(world)))
    assert "You have 17 hours in the week from Monday 15 Jun to Sunday 21 Jun 2026" in body
    assert "3 hours are left" in body


# --- Who reaches the mentor's pages -----------------------------------------------------------


def mentor_urls(world: World) -> list[tuple[str, str]]:
    line = work(world, D(2026, 6, 1))
    return [
        ("get", my_pay(world)),
        ("post", reverse("payments:claim", args=[world.cohort.pk])),
        ("get", reverse("payments:timesheet", args=[line.timesheet_id])),
        ("post", reverse("payments:submit", args=[line.timesheet_id])),
        ("get", reverse("payments:line_edit", args=[line.pk])),
        ("post", reverse("payments:line_remove", args=[line.pk])),
    ]


def test_only_the_mentor_reaches_their_pay_pages(world: World) -> None:
    urls = mentor_urls(world)
    other_mentor = join(world.cohort, Role.MENTOR)
    people = [world.mentee, other_mentor, world.coordinator, world.cohort_coordinator,
              world.observer, world.outsider, world.nobody]  # fmt: skip
    for person in people:
        client = signed_in(person)
        for method, url in urls:
            if person == other_mentor and url.startswith(my_pay(world)):
                continue  # their own pay page in the same cohort
            assert getattr(client, method)(url).status_code == 404, (person, url)
    assert Line.objects.count() == 1
    for method, url in urls:
        assert getattr(Client(), method)(url).status_code in (302, 403), url


def test_ids_that_are_not_ids_are_not_found(world: World) -> None:
    client = signed_in(world.mentor)
    paths = ["/pay/timesheets/0/", "/pay/timesheets/-1/", "/pay/timesheets/abc/",
             "/pay/timesheets/99999999999999999999/", "/pay/my-lines/999999/edit/"]  # fmt: skip
    for path in paths:
        assert client.get(path).status_code == 404, path


def test_the_mentee_reaches_no_pay_page_and_no_pay_figure(world: World) -> None:
    employ(world)
    pair = pair_of(world)
    meeting = held(pair, D(2026, 6, 3))
    line = services.claim_activity(world.cohort, key=f"meeting:{meeting.pk}", by=world.mentor)
    timesheet = Timesheet.objects.get(pk=line.timesheet_id)
    services.submit_timesheet(timesheet, by=world.mentor, version=timesheet.version)
    client = signed_in(world.mentee)
    urls = [*(url for _m, url in mentor_urls(world)), review(world)]
    urls += [reverse(f"payments:{name}", args=[line.pk]) for name in ("approve", "query", "reject")]
    urls.append(reverse("payments:approve_selected", args=[world.cohort.pk]))
    for url in urls:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"version": 1, "message": "No", "lines": [f"{line.pk}:1"]}
                           ).status_code == 404, url  # fmt: skip
    line.refresh_from_db()
    assert line.status == Status.SUBMITTED
    # The pair's own pages say nothing of pay.
    workspace = client.get(reverse("partnerships:workspace", args=[pair.pk]))
    assert workspace.status_code == 200
    assert "14.80" not in text(workspace) and "£" not in text(workspace)


# --- The coordinators' review page ------------------------------------------------------------


def test_the_review_page_lists_submitted_lines_with_what_coordinators_need(world: World) -> None:
    employ(world)
    pair = pair_of(world)
    unconfirmed = held(pair, D(2026, 6, 3), record=Meeting.Record.UNCONFIRMED)
    disputed = held(pair, D(2026, 6, 4), record=Meeting.Record.DISPUTED)
    for meeting in (unconfirmed, disputed):
        services.claim_activity(world.cohort, key=f"meeting:{meeting.pk}", by=world.mentor)
    other = join(world.cohort, Role.MENTOR, None)
    line = work(world, D(2026, 6, 5), "2", mentor=other)
    for timesheet in Timesheet.objects.all():
        services.submit_timesheet(timesheet, by=timesheet.mentor, version=timesheet.version)
    work(world, D(2026, 6, 6), "1")  # a draft: not for review
    page = signed_in(world.cohort_coordinator).get(review(world))
    assert page.status_code == 200
    body = text(page)
    assert "3 lines are waiting for approval" in body
    assert "Not confirmed by partner" in body and "Disputed by partner" in body
    assert "<bdi>Mo Mentor</bdi>" in body
    assert body.count("Right to work not recorded") == 1  # the other mentor's
    assert reverse("payments:employment_edit", args=[world.cohort.pk, other.pk]) in body
    assert "£29.60" in body and "from 22 Oct 2025" in body
    assert f'name="lines" value="{line.pk}:{line.version + 1}"' in body
    # Searching by name finds one mentor's lines.
    found = text(signed_in(world.coordinator).get(review(world), {"q": "mo men"}))
    assert "Mo Mentor" in found and other.display_name not in found


def test_the_status_filter_and_bad_filters(world: World) -> None:
    employ(world)
    first = submitted(world, D(2026, 6, 1))
    services.approve_line(first, by=world.coordinator, version=first.version)
    submitted(world, D(2026, 6, 2))
    client = signed_in(world.coordinator)
    assert len(client.get(review(world)).context["rows"]) == 1
    assert len(client.get(review(world), {"status": "approved"}).context["rows"]) == 1
    assert len(client.get(review(world), {"status": "all"}).context["rows"]) == 2
    assert len(client.get(review(world), {"status": "draft"}).context["rows"]) == 1  # ignored
    assert client.get(review(world), {"page": "x", "q": "\x00"}).status_code == 200


def test_approving_through_the_page_goes_back_to_the_same_list(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1))
    client = signed_in(world.coordinator)
    url = reverse("payments:approve", args=[line.pk])
    assert client.get(url).status_code == 405
    back = "?q=Mo&status=&page=1&next=https://evil.example"
    response = client.post(url, {"version": line.version, "back": back})
    assert response.url == review(world) + "?q=Mo&page=1"
    line.refresh_from_db()
    assert line.status == Status.APPROVED
    # The same press again: told, nothing changes.
    again = client.post(url, {"version": line.version - 1, "back": back}, follow=True)
    assert "already decided: approved by Cora Coordinator" in messages_of(again)[-1]


def test_approval_without_right_to_work_is_refused_on_the_page(world: World) -> None:
    line = submitted(world, D(2026, 6, 1))
    response = signed_in(world.coordinator).post(
        reverse("payments:approve", args=[line.pk]), {"version": line.version}, follow=True
    )
    assert "Mo Mentor has no right-to-work check recorded" in messages_of(response)[0]
    line.refresh_from_db()
    assert line.status == Status.SUBMITTED


def test_approving_ticked_lines(world: World) -> None:
    employ(world)
    lines = [submitted(world, D(2026, 6, day)) for day in (1, 2, 3)]
    ticked = [f"{line.pk}:{line.version}" for line in lines[:2]] + ["junk", "1:0"]
    response = signed_in(world.coordinator).post(
        reverse("payments:approve_selected", args=[world.cohort.pk]), {"lines": ticked},
        follow=True,
    )  # fmt: skip
    assert "Tick the lines" in messages_of(response)[0]  # junk refuses the whole form
    response = signed_in(world.coordinator).post(
        reverse("payments:approve_selected", args=[world.cohort.pk]), {"lines": ticked[:2]},
        follow=True,
    )  # fmt: skip
    assert messages_of(response) == ["2 lines approved."]
    assert [line.status for line in Line.objects.order_by("worked_on")] == [
        Status.APPROVED, Status.APPROVED, Status.SUBMITTED
    ]  # fmt: skip


def test_querying_needs_a_message_and_comes_back_with_the_error(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1))
    client = signed_in(world.coordinator)
    url = reverse("payments:query", args=[line.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Query a line" in text(page)
    empty = client.post(url, {"version": line.version, "message": "  ", "back": "?q=Mo"})
    assert empty.status_code == 200 and "Write a message to the mentor" in text(empty)
    assert 'value="?q=Mo"' in text(empty)
    sent = client.post(url, {"version": line.version, "message": "Which day?", "back": "?q=Mo"})
    assert sent.url == review(world) + "?q=Mo"
    line.refresh_from_db()
    assert (line.status, line.message) == (Status.QUERIED, "Which day?")
    # The mentor sees the question on their timesheet.
    timesheet = reverse("payments:timesheet", args=[line.timesheet_id])
    mine = text(signed_in(world.mentor).get(timesheet))
    assert "Coordinator: “Which day?”" in mine


def test_rejecting_through_the_page(world: World) -> None:
    employ(world)
    line = submitted(world, D(2026, 6, 1))
    client = signed_in(world.org_coordinator)
    url = reverse("payments:reject", args=[line.pk])
    script = "<script>alert(1)</script>"
    client.post(url, {"version": line.version, "message": script})
    line.refresh_from_db()
    assert (line.status, line.message) == (Status.REJECTED, script)
    listed = text(client.get(review(world), {"status": "rejected"}))
    assert script not in listed and "&lt;script&gt;" in listed
    # A line already in a payment run cannot be rejected: the page says why.
    second = services.approve_line(submitted(world, D(2026, 6, 2)), by=world.coordinator,
                                   version=2)  # fmt: skip
    run = PaymentRun.objects.create(cohort=world.cohort, number=4)
    Line.objects.filter(pk=second.pk).update(payment_run=run)
    refused = client.post(reverse("payments:reject", args=[second.pk]),
                          {"version": second.version, "message": "No"})  # fmt: skip
    assert refused.status_code == 200 and "already in payment run 4" in text(refused)


def test_only_the_cohorts_coordinators_reach_review(world: World) -> None:
    line = submitted(world, D(2026, 6, 1))
    urls = [review(world), reverse("payments:query", args=[line.pk]),
            reverse("payments:reject", args=[line.pk])]  # fmt: skip
    for person in (world.mentor, world.mentee, world.observer, world.outsider, world.nobody):
        client = signed_in(person)
        for url in urls:
            assert client.get(url).status_code == 404, (person, url)
        approve = reverse("payments:approve", args=[line.pk])
        assert client.post(approve, {"version": line.version}).status_code == 404
    for person in (world.coordinator, world.org_coordinator, world.cohort_coordinator):
        assert signed_in(person).get(review(world)).status_code == 200
    line.refresh_from_db()
    assert line.status == Status.SUBMITTED


def test_the_review_page_reads_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    mentors = bulk_members(world.cohort, Role.MENTOR, 30)
    for n, mentor in enumerate(mentors):
        timesheet = sheet(world, D(2026, 6, 1), mentor)
        Line.objects.create(timesheet=timesheet, cohort=world.cohort, mentor=mentor,
                            kind="other", worked_on=D(2026, 6, 1 + n % 10), hours=2,
                            description="Panel", status=Status.SUBMITTED)  # fmt: skip
    client = signed_in(world.coordinator)
    client.get(review(world))
    with django_assert_max_num_queries(10):
        page = client.get(review(world))
    assert len(page.context["rows"]) == 30


def test_the_pay_page_reads_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    employ(world, weekly_limit_hours=Decimal(40))
    pair = pair_of(world)
    for day in range(1, 21):
        held(pair, D(2026, 5, day))
        work(world, D(2026, 6, 1 + day % 14), "1")
    client = signed_in(world.mentor)
    client.get(my_pay(world))
    with django_assert_max_num_queries(18):
        page = client.get(my_pay(world))
    assert len(page.context["rows"]) == 20 and len(page.context["offered"]) == 40
