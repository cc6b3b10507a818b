"""A student mentor is paid for their time, in the browser: they claim a held meeting (which
their staff partner has not confirmed) with its preparation, and add other agreed work after
a mistyped number; a coordinator records the right-to-work check the review page asks for,
approves the meeting and queries the other work; the mentor changes it and submits again;
the coordinator approves it, collects a payment run, exports it, downloads the payroll file
and marks the run paid; the mentor sees the amounts paid, and the staff partner cannot reach
the mentor's pay page. Every page is checked by axe-core and screenshotted."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from conftest import World
from flipside.lib.dates import LONDON
from flipside.matching.models import Pair
from flipside.partnerships.models import Meeting
from flipside.payments.models import Employment, Line, PaymentRun
from flipside.payments.services.rates import pay_settings_of

from .conftest import AXE_REPORTS, PHONE, Session, assert_accessible, sign_in

pytestmark = pytest.mark.browser

# Two and a half months into the test cohort's year (1 September to 31 July). The cohort pays
# the London Living Wage, £14.80 an hour from its announcement on 22 October 2025.
TODAY = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)
MEETING_AT = datetime.datetime(2026, 11, 10, 14, 0, tzinfo=LONDON)
WORK_DAY = datetime.date(2026, 11, 12)
MEETING = "Mentoring meeting, 60 minutes"
PREPARATION = "Preparation for the meeting on 10 November 2026"
WORK = "Spoke at the staff induction"
CHANGED_WORK = "Spoke at the staff induction (one hour, agreed with Cora)"
QUESTION = "The induction slot was one hour. Could you change this to 1 hour?"


@pytest.fixture
def clock() -> Iterator[Any]:
    # The server runs in this process, so it shares the travelled clock; it keeps ticking.
    with time_machine.travel(TODAY, tick=True) as traveller:
        yield traveller


def held_meeting(world: World) -> Meeting:
    """A pair of the world's mentor and mentee, with one meeting held ten days ago that the
    mentor recorded and the staff partner has not confirmed yet."""
    pair = Pair.objects.create(
        cohort=world.cohort,
        mentor=world.mentor,
        mentee=world.mentee,
        started_at=TODAY - datetime.timedelta(days=60),
    )
    return Meeting.objects.create(
        pair=pair,
        status=Meeting.Status.HELD,
        record=Meeting.Record.UNCONFIRMED,
        starts_at=MEETING_AT,
        minutes=60,
        held_minutes=60,
        recorded_by=world.mentor,
        recorded_at=MEETING_AT + datetime.timedelta(hours=2),
    )


def row_of(page: Any, text: str) -> Any:
    """The one table row containing ``text``."""
    found = page.get_by_role("row").filter(has_text=text)
    expect(found).to_have_count(1)
    return found


def status_message(page: Any) -> Any:
    return page.locator(".messages[role=status]")


# What is wider than the window: the page itself, or a table that scrolls sideways in it.
TOO_WIDE_JS = """() => {
    const wide = [];
    const page = document.documentElement;
    if (page.scrollWidth > window.innerWidth) wide.push(`page: ${page.scrollWidth}px`);
    for (const wrap of document.querySelectorAll(".table-wrap")) {
        if (wrap.scrollWidth > wrap.clientWidth) {
            const name = wrap.getAttribute("aria-labelledby") || "table";
            wide.push(`${name}: ${wrap.scrollWidth}px in ${wrap.clientWidth}px`);
        }
    }
    return wide;
}"""


def on_a_phone(session: Session, name: str) -> None:
    """The page as it is now at a phone's width (390 px): nothing wider than the screen, no
    table that scrolls sideways, no serious accessibility problem; and a screenshot."""
    page = session.page
    page.set_viewport_size(PHONE)
    try:
        assert page.evaluate(TOO_WIDE_JS) == [], f"too wide on a phone: {page.url}"
        assert_accessible(page, AXE_REPORTS / f"{session.test_name}-{name}-phone.json")
    finally:
        page.set_viewport_size(session.viewport)
    session.screenshot(name, phone=True)


def focus_shows(control: Any) -> None:
    """Focus on ``control`` can be seen: an outline or a ring around it."""
    control.focus()
    expect(control).to_be_focused()
    style = control.evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.outlineStyle, s.boxShadow]; }"
    )
    assert style != ["none", "none"], f"no visible focus on {control}"


def pounds(text: str) -> Decimal:
    found = re.search(r"£([0-9,]+\.[0-9]{2})", text)
    assert found, f"no amount in {text!r}"
    return Decimal(found[1].replace(",", ""))


def test_a_mentor_claims_time_a_coordinator_approves_it_and_payroll_pays_it(
    new_session: Callable[..., Session], live_server: Any, live_world: World, clock: Any
) -> None:
    world = live_world
    meeting = held_meeting(world)
    assert pay_settings_of(world.cohort).rate is not None  # the London Living Wage
    my_pay = reverse("payments:my_pay", args=[world.cohort.pk])
    review = reverse("payments:review", args=[world.cohort.pk])

    # --- The mentor claims the meeting and its preparation from their pay page. ----------
    mentor = new_session()
    sign_in(mentor.page, live_server, world.mentor.email)
    page = mentor.page
    page.get_by_role("link", name="Your pay").click()
    page.wait_for_url(mentor.url(my_pay))
    mentor.check("my-pay-to-claim")
    on_a_phone(mentor, "my-pay-to-claim")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your pay")
    claim = page.get_by_role("region", name="Activity you can claim")
    expect(row_of(claim, MEETING)).to_contain_text("Not confirmed by your partner yet")
    focus_shows(page.get_by_label(f"{MEETING} with Prof Mena Mentee"))
    page.get_by_label(f"{MEETING} with Prof Mena Mentee").check()
    page.get_by_label(f"{PREPARATION} with Prof Mena Mentee").check()
    page.get_by_role("button", name="Claim ticked activity").click()
    expect(status_message(page)).to_contain_text("2 activities claimed")
    mentor.check("claimed")
    this_month = page.get_by_role("region", name="This month: November 2026")
    expect(row_of(this_month, MEETING)).to_contain_text("£14.80")
    expect(row_of(this_month, PREPARATION)).to_contain_text("£7.40")
    expect(page.get_by_text("Nothing to claim at the moment.")).to_be_visible()

    # Other agreed work: a number with three decimal places is refused, saying what to type,
    # and what was typed stays in the form.
    page.get_by_label("Date", exact=True).fill(WORK_DAY.isoformat())
    page.get_by_label("Hours", exact=True).fill("1.234")
    page.get_by_label("What you did").fill(WORK)
    page.get_by_role("button", name="Add work").click()
    hours = page.get_by_label("Hours", exact=True)
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(hours).to_have_attribute("aria-invalid", "true")
    expect(hours).to_have_accessible_description(re.compile("at most two decimal places"))
    expect(hours).to_have_value("1.234")
    expect(page.get_by_label("Date", exact=True)).to_have_value(WORK_DAY.isoformat())
    expect(page.get_by_label("What you did")).to_have_value(WORK)
    mentor.check("work-refused")
    # The summary's link takes the keyboard to the field.
    page.get_by_role("alert").get_by_role("link").click()
    expect(hours).to_be_focused()
    hours.fill("1.5")
    page.get_by_role("button", name="Add work").click()
    expect(status_message(page)).to_contain_text("Added 1.5 hours on 12 November 2026")
    expect(row_of(this_month, WORK)).to_contain_text("£22.20")
    page.get_by_role("button", name="Submit for approval").click()
    expect(status_message(page)).to_contain_text("Timesheet submitted")
    expect(this_month.get_by_text("Waiting for approval")).to_have_count(3)
    expect(page.get_by_role("button", name="Submit for approval")).to_have_count(0)
    mentor.check("submitted")

    # --- The coordinator reviews: the partner has not confirmed the meeting, and the
    # mentor's right to work is not recorded, so nothing can be approved yet. -------------
    coordinator = new_session()
    sign_in(coordinator.page, live_server, world.coordinator.email)
    page = coordinator.page
    page.get_by_role("link", name="Approve mentors' pay: 3 lines wait.").click()
    page.wait_for_url(coordinator.url(review))
    coordinator.check("review")
    on_a_phone(coordinator, "review")
    expect(row_of(page, MEETING)).to_contain_text("Not confirmed by partner")
    work = row_of(page, WORK)
    expect(work).to_contain_text("Right to work not recorded")
    focus_shows(work.get_by_role("link", name="Record the check for Mo Mentor"))
    work.get_by_role("link", name="Record the check for Mo Mentor").click()
    coordinator.check("right-to-work")
    expect(page.get_by_role("heading", level=1)).to_have_text("Payroll record of Mo Mentor")
    page.get_by_label("Payroll or student number").fill("S1234567")
    page.get_by_label("Right to work checked on").fill("2026-09-01")
    page.get_by_role("button", name="Save record").click()
    # Saving goes back to the review page, where the lines can now be approved.
    page.wait_for_url(coordinator.url(review))
    expect(status_message(page)).to_contain_text(re.compile("Record saved for .?Mo Mentor"))
    expect(page.get_by_text("Right to work not recorded")).to_have_count(0)
    coordinator.check("right-to-work-saved")
    record = Employment.objects.get(organisation=world.organisation, user=world.mentor)
    assert record.right_to_work_checked_on == datetime.date(2026, 9, 1)
    assert record.right_to_work_checked_by == world.coordinator

    # Approve the meeting (its own button) and the preparation (ticked).
    approve = f"Approve the line of Mo Mentor on 10 Nov 2026: {MEETING}"
    page.get_by_role("button", name=approve).click()
    expect(status_message(page)).to_contain_text(f"Approved: {MEETING}, 1 hour.")
    page.get_by_role(
        "checkbox", name=f"Approve the line of Mo Mentor on 10 Nov 2026: {PREPARATION}"
    ).check()
    page.get_by_role("button", name="Approve ticked lines").click()
    expect(status_message(page)).to_contain_text("1 line approved.")
    coordinator.check("approved")

    # The other work is queried, with a message the mentor will see.
    work = row_of(page, WORK)
    focus_shows(work.locator("summary"))
    work.get_by_text("Query or reject").click()
    work.get_by_label("Message to the mentor").fill(QUESTION)
    coordinator.check("query-open")
    work.get_by_role("button", name="Query", exact=True).click()
    expect(status_message(page)).to_contain_text("Query sent")
    expect(page.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    coordinator.check("queried")

    # --- The mentor sees the question, changes the line and submits again. ---------------
    page = mentor.goto(my_pay, "my-pay-queried")
    asked = page.get_by_role("region", name="A coordinator asked you about 1 line")
    expect(asked.get_by_role("link", name="Timesheet for November 2026")).to_be_visible()
    this_month = page.get_by_role("region", name="This month: November 2026")
    queried = row_of(this_month, WORK)
    expect(queried).to_contain_text("Queried")
    expect(queried).to_contain_text(QUESTION)
    on_a_phone(mentor, "my-pay-queried")
    queried.get_by_role("link", name=re.compile("^Change")).click()
    mentor.check("change-line")
    expect(page.get_by_text(QUESTION)).to_be_visible()
    page.get_by_label("Hours", exact=True).fill("1")
    page.get_by_label("What you did").fill(CHANGED_WORK)
    page.get_by_role("button", name="Save line").click()
    expect(status_message(page)).to_contain_text("Line saved. Submit the timesheet again")
    expect(page.get_by_role("definition").filter(has_text="1 line to submit")).to_be_visible()
    mentor.check("timesheet")
    on_a_phone(mentor, "timesheet")
    row = row_of(page, CHANGED_WORK)
    expect(row).to_contain_text("£14.80")
    expect(row).to_contain_text("Queried")
    page.get_by_role("button", name="Submit for approval").click()
    expect(status_message(page)).to_contain_text("Timesheet submitted")
    expect(row_of(page, CHANGED_WORK)).to_contain_text("Waiting for approval")
    mentor.check("submitted-again")

    # --- The coordinator approves it, and pays the approved time. -------------------------
    page = coordinator.goto(review, "review-again")
    row_of(page, CHANGED_WORK).get_by_role("button", name="Approve").click()
    expect(status_message(page)).to_contain_text(f"Approved: {CHANGED_WORK}, 1 hour.")
    assert set(Line.objects.filter(mentor=world.mentor).values_list("status", flat=True)) == {
        Line.Status.APPROVED
    }

    page = coordinator.goto(reverse("home:cohort", args=[world.cohort.pk]), "cohort")
    page.get_by_role("link", name="Payment runs and payroll exports").click()
    coordinator.check("runs")
    waiting = page.get_by_role("definition").filter(has_text="£")
    expect(waiting.first).to_have_text("£37.00")
    page.get_by_role("button", name="Collect approved lines into a payment run").click()
    expect(status_message(page)).to_contain_text("Payment run 1 made.")
    coordinator.check("run-collected")
    on_a_phone(coordinator, "run-collected")
    run = PaymentRun.objects.get(cohort=world.cohort)
    assert run.total == Decimal("37.00") and run.lines.count() == 3

    page.get_by_role("button", name="Export for payroll").click()
    expect(status_message(page)).to_contain_text("Run exported for payroll.")
    coordinator.check("run-exported")
    shown_total = pounds(page.locator("dt:text-is('Total') + dd").inner_text())
    focus_shows(page.get_by_role("link", name="Download CSV"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    path = download.path()
    lines = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [line["Activity"].split(":")[0] for line in lines] == [
        "Meeting", "Preparation for a meeting", "Other agreed work"
    ]  # fmt: skip
    assert {line["Payroll or student number"] for line in lines} == {"S1234567"}
    assert sum(Decimal(line["Total"]) for line in lines) == shown_total == run.total

    page.get_by_label("Date paid").fill(TODAY.date().isoformat())
    page.get_by_role("button", name="Mark paid").click()
    expect(status_message(page)).to_contain_text("Payment run marked paid.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paid")
    coordinator.check("run-paid")
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.PAID and run.paid_on == TODAY.date()

    # --- The mentor sees every amount paid. ------------------------------------------------
    page = mentor.goto(my_pay, "my-pay-paid")
    on_a_phone(mentor, "my-pay-paid")
    this_month = page.get_by_role("region", name="This month: November 2026")
    expect(this_month.get_by_text("Paid in run 1 on 20 Nov 2026")).to_have_count(3)
    expect(page.get_by_role("button", name="Submit for approval")).to_have_count(0)
    totals = page.get_by_role("region", name="Your hours and pay so far")
    for heading, amount in (("Paid", "£37.00"), ("Approved, not paid yet", "£0.00")):
        row = totals.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=heading, exact=True)
        )
        expect(row).to_contain_text(amount)

    # --- The staff partner never reaches the mentor's pay. --------------------------------
    mentee = new_session(PHONE)
    sign_in(mentee.page, live_server, world.mentee.email)
    expect(mentee.page.get_by_text("Your pay")).to_have_count(0)
    page = mentee.goto(my_pay, "mentee-my-pay", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("£")).to_have_count(0)
    # The student was paid whatever the partner did with the record: it is still theirs to
    # confirm.
    meeting.refresh_from_db()
    assert meeting.record == Meeting.Record.UNCONFIRMED
