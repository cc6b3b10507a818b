"""The review table's rows, drawn in Python (decision 0008), are the rows the template loop
drew, whitespace aside: every state a line can be in, names and descriptions with markup,
a missing right-to-work check, a partner's record, a paid run, holiday pay."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.template import engines
from django.test import RequestFactory

from conftest import World
from flipside.partnerships.models import Meeting
from flipside.payments.models import Line, PaymentRun
from flipside.payments.review_reads import review_lines
from flipside.payments.services import timesheets as services
from flipside.payments.services.rates import pay_settings_of
from flipside.payments.tests.test_review import in_run
from flipside.payments.tests.test_timesheets import NOW, employ, held, pair_of, pay, submitted
from flipside.payments.views.review import ReviewRow

pytestmark = pytest.mark.django_db
D = datetime.date
Status = Line.Status
ALL = [Status.SUBMITTED, Status.APPROVED, Status.QUERIED, Status.REJECTED]

# The loop the review page's template had before its rows were drawn in Python.
LOOP = (Path(__file__).parent / "review_rows_loop.html").read_text()


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def squeezed(html: str) -> str:
    """Whitespace between tags and at a cell's edges taken out, and runs of it made one."""
    html = re.sub(r"(<td[^>]*>)\s+", r"\1", re.sub(r"\s+</td>", "</td>", html))
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def draw(world: World, statuses: list[str], *, showing_waiting: bool) -> tuple[str, str]:
    """The rows as the template loop drew them, and as the row tag draws them."""
    request = RequestFactory().get("/")
    request.user = world.coordinator
    settings = pay_settings_of(world.cohort)
    lines = (
        Line.objects.filter(cohort=world.cohort, status__in=statuses)
        .select_related("mentor", "meeting", "rate_value", "payment_run", "decided_by")
        .order_by("mentor__display_name", "mentor_id", "worked_on", "pk")
    )
    from flipside.payments.models import Employment

    checked = set(
        Employment.objects.filter(right_to_work_checked_on__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    rows = [
        ReviewRow(line, services.rate_from(line, settings.policy), line.mentor_id in checked)
        for line in lines
    ]
    context = {"rows": rows, "cohort": world.cohort, "showing_waiting": showing_waiting}
    template = engines["django"].from_string(LOOP)
    before = template.render(context, request)
    listing = review_lines(world.cohort, statuses=statuses)
    tag = engines["django"].from_string(
        "{% load payments_tables %}{% review_rows rows cohort.pk ticking=showing_waiting %}"
    )
    after = tag.render({**context, "rows": listing[0 : len(listing)]}, request)
    return squeezed(before), squeezed(after)


def test_rows_are_the_template_loops_in_every_state(world: World) -> None:
    world.mentor.display_name = "Mo <b>Mentor</b> & Co"
    world.mentor.save()
    employ(world)
    pay(world, holiday_pay=True)
    pair = pair_of(world)
    meeting = held(pair, NOW - datetime.timedelta(days=3))
    Meeting.objects.filter(pk=meeting.pk).update(record=Meeting.Record.DISPUTED)
    from flipside.payments.services.timesheets import claim_activity

    claimed = claim_activity(world.cohort, key=f"meeting:{meeting.pk}", by=world.mentor)
    waiting = submitted(world, D(2026, 6, 1), "1.5")
    Line.objects.filter(pk=waiting.pk).update(description="Talk <script>x</script> {0} %s")
    approved = submitted(world, D(2026, 6, 2))
    services.approve_line(approved, by=world.coordinator, version=approved.version)
    queried = submitted(world, D(2026, 6, 3), "0.25")
    services.query_line(queried, by=world.coordinator, version=queried.version,
                        message="Who agreed <this>?")  # fmt: skip
    paid = submitted(world, D(2026, 6, 4))
    services.approve_line(paid, by=world.coordinator, version=paid.version)
    run = in_run(world, paid)
    PaymentRun.objects.filter(pk=run.pk).update(status=PaymentRun.Status.PAID)
    sheet = claimed.timesheet
    services.submit_timesheet(sheet, by=world.mentor, version=sheet.version)
    for statuses, ticking in (([Status.SUBMITTED], True), (ALL, False)):
        before, after = draw(world, statuses, showing_waiting=ticking)
        assert before == after
    assert "&lt;script&gt;" in after and "<script>" not in after
    assert "Mo &lt;b&gt;Mentor&lt;/b&gt; &amp; Co" in after
    assert "Disputed by partner" in before and "tag tag--run-done" in after
    assert "+ £" in after and "holiday pay" in after


def test_a_missing_right_to_work_check_links_to_recording_it(world: World) -> None:
    submitted(world, D(2026, 6, 1))
    before, after = draw(world, [Status.SUBMITTED], showing_waiting=True)
    assert before == after
    assert "Right to work not recorded" in after and "?from=review" in after
