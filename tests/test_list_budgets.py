"""A budget for every list page: the same number of queries for 1 row as for 100, and, for
the paged lists, a page of bounded size however long the list grows (1,000 rows)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World, bulk_members
from flipside.matching.tests.builders import _call, many_pairs, many_proposals
from flipside.notifications.models import OutboxMessage
from flipside.privacy import crypto
from flipside.recruitment.models import Application
from flipside.schemes.models import Role, Scheme, SchemeCoordinator
from flipside.training.models import Booking, Concern, TrainingSession

MAX_HTML_BYTES = 300_000


# Each builder adds ``n`` rows to the same list of the world's scheme and returns its address.


def pairs(world: World, n: int) -> str:
    many_pairs(world.cohort, n)
    return reverse("matching:pairs", args=[world.cohort.pk])


def run(world: World, n: int) -> str:
    """A draft proposal of pairs: its page lists them with lock and remove buttons."""
    return reverse("matching:run", args=[many_proposals(world.cohort, n).pk])


def applications(world: World, n: int) -> str:
    call = _call(world.cohort, Role.MENTOR)
    applicants = bulk_members(world.cohort, Role.MENTOR, n, name="Applicant")
    Application.objects.bulk_create(
        Application(call=call, applicant=a, status=Application.Status.SUBMITTED,
                    submitted_at=timezone.now(), statement="I would like to help.")
        for a in applicants
    )  # fmt: skip
    return reverse("recruitment:applications", args=[call.pk])


def outbox(world: World, n: int) -> str:
    start = OutboxMessage.objects.count()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(scheme=world.scheme, kind="stage_changed", to=f"p{i}@example.ac.uk",
                      subject=f"Update {i}", body_text="Hello", message_id=f"<b.{i}@f.test>")
        for i in range(start, start + n)
    )  # fmt: skip
    return reverse("notifications:outbox")


def concerns(world: World, n: int) -> str:
    Concern.objects.bulk_create(
        Concern(scheme=world.scheme, cohort=world.cohort if i % 2 else None,
                raised_by=world.mentor,
                ciphertext=crypto.encrypt({"subject": f"Concern {i}", "body": "In our meeting…"}))
        for i in range(n)
    )  # fmt: skip
    return reverse("training:concerns")


def people(world: World, n: int) -> str:
    bulk_members(world.cohort, Role.MENTEE, n)
    return reverse("schemes:cohort_people", args=[world.cohort.pk])


def readiness(world: World, n: int) -> str:
    bulk_members(world.cohort, Role.MENTOR, n)
    return reverse("training:readiness", args=[world.cohort.pk])


def sessions(world: World, n: int) -> str:
    TrainingSession.objects.bulk_create(
        TrainingSession(cohort=world.cohort, title=f"Session {i}",
                        starts_at=timezone.now() + datetime.timedelta(days=i % 30 - 15))
        for i in range(n)
    )  # fmt: skip
    return reverse("training:sessions", args=[world.cohort.pk])


def register(world: World, n: int) -> str:
    session, _ = TrainingSession.objects.get_or_create(
        cohort=world.cohort,
        title="Everyone",
        defaults={"starts_at": timezone.now(), "capacity": 2000},
    )
    people = bulk_members(world.cohort, Role.MENTOR, n)
    Booking.objects.bulk_create(Booking(session=session, user=u) for u in people)
    return reverse("training:register", args=[session.pk])


def board(world: World, n: int) -> str:
    """The progress board: pairs, each with a held meeting and one waiting to be confirmed."""
    from flipside.matching.models import Pair
    from flipside.partnerships import facts
    from flipside.partnerships.models import Meeting

    many_pairs(world.cohort, n)
    now = timezone.now()
    Meeting.objects.bulk_create(
        Meeting(pair=pair, status="held", held_minutes=60, starts_at=now - datetime.timedelta(
            days=k), record="confirmed" if k % 2 else "unconfirmed", recorded_by=pair.mentor)
        for pair in Pair.objects.filter(cohort=world.cohort, meetings__isnull=True)
        for k in (3, 40)
    )  # fmt: skip
    facts.refresh_cohort(world.cohort.pk)  # written in bulk, without the signals
    return reverse("partnerships:board", args=[world.cohort.pk])


def events(world: World, n: int) -> str:
    from flipside.partnerships.models import ReflectionEvent

    ReflectionEvent.objects.bulk_create(
        ReflectionEvent(cohort=world.cohort, title=f"Reflection {i}",
                        starts_at=timezone.now() + datetime.timedelta(days=i % 60 - 30))
        for i in range(n)
    )  # fmt: skip
    return reverse("partnerships:events", args=[world.cohort.pk])


def event_register(world: World, n: int) -> str:
    from flipside.partnerships.models import EventReply, ReflectionEvent

    event, _ = ReflectionEvent.objects.get_or_create(
        cohort=world.cohort, title="Everyone", defaults={"starts_at": timezone.now()}
    )
    people = bulk_members(world.cohort, Role.MENTOR, n)
    EventReply.objects.bulk_create(EventReply(event=event, user=u, answer="yes") for u in people)
    return reverse("partnerships:event_register", args=[event.pk])


def talking_points(world: World, n: int) -> str:
    """The library, and as many suggestions waiting for a decision."""
    from flipside.partnerships.models import TalkingPoint

    start = TalkingPoint.objects.count()
    TalkingPoint.objects.bulk_create(
        TalkingPoint(scheme=world.scheme, theme=f"Theme {i % 7}", text=f"Point {i}?",
                     status=status)
        for i in range(start, start + n)
        for status in ("published", "suggested")
    )  # fmt: skip
    return reverse("partnerships:points_manage", args=[world.scheme.pk])


def schemes(world: World, n: int) -> str:
    start = Scheme.objects.count()
    made = Scheme.objects.bulk_create(
        Scheme(organisation=world.organisation, name=f"Scheme {i:04}", centres="Students")
        for i in range(start, start + n)
    )
    SchemeCoordinator.objects.bulk_create(
        SchemeCoordinator(scheme=s, user=world.coordinator)
        for s in Scheme.objects.filter(name__in=[m.name for m in made])
    )
    return reverse("schemes:list")


def _pay_lines(world: World, n: int, **fields: Any) -> list[Any]:
    """``n`` priced lines of other work, each of a new student mentor of the cohort."""
    from decimal import Decimal

    from flipside.payments import money
    from flipside.payments.models import Line, Timesheet
    from flipside.payments.services.rates import pay_settings_of

    settings = pay_settings_of(world.cohort)
    assert settings.rate is not None
    value = settings.rate.values.order_by("-announced_on").first()
    assert value is not None
    day = timezone.localdate() - datetime.timedelta(days=1)
    price = money.price(Decimal("1.50"), value)
    mentors = bulk_members(world.cohort, Role.MENTOR, n, name="Paid")
    sheets = Timesheet.objects.bulk_create(
        Timesheet(cohort=world.cohort, mentor=m, period_start=day.replace(day=1),
                  period_end=day, status="submitted")
        for m in mentors
    )  # fmt: skip
    return Line.objects.bulk_create(
        Line(timesheet=t, cohort=world.cohort, mentor=t.mentor, kind="other", worked_on=day,
             description="Agreed work", hours=Decimal("1.50"), rate_value=value,
             hourly=price.hourly, amount=price.amount, **fields)
        for t in sheets
    )  # fmt: skip


def pay_review(world: World, n: int) -> str:
    """Lines submitted for approval, each of another mentor."""
    _pay_lines(world, n, status="submitted")
    return reverse("payments:review", args=[world.cohort.pk])


def pay_run(world: World, n: int) -> str:
    """A payment run's lines."""
    from flipside.payments.models import PaymentRun

    run, _ = PaymentRun.objects.get_or_create(cohort=world.cohort, number=1)
    _pay_lines(world, n, status="approved", payment_run=run)
    return reverse("payments:run", args=[run.pk])


def pay_runs(world: World, n: int) -> str:
    from flipside.payments.models import PaymentRun

    start = PaymentRun.objects.filter(cohort=world.cohort).count()
    PaymentRun.objects.bulk_create(
        PaymentRun(cohort=world.cohort, number=start + i + 1) for i in range(n)
    )
    return reverse("payments:runs", args=[world.cohort.pk])


def pay_records(world: World, n: int) -> str:
    """The cohort's student mentors with their right-to-work checks."""
    bulk_members(world.cohort, Role.MENTOR, n, name="Student")
    return reverse("payments:employment", args=[world.cohort.pk])


PAGED: dict[str, Callable[[World, int], str]] = {
    "readiness": readiness,
    "people": people,
    "pairs": pairs,
    "run": run,
    "applications": applications,
    "outbox": outbox,
    "concerns": concerns,
    "sessions": sessions,
    "register": register,
    "board": board,
    "events": events,
    "event_register": event_register,
    "talking_points": talking_points,
    "pay_review": pay_review,
    "pay_run": pay_run,
    "pay_runs": pay_runs,
    "pay_records": pay_records,
}
# A coordinator's schemes stay few in real installations and are shown whole; the page's
# queries are still bounded.
LISTS = PAGED | {"schemes": schemes}


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("build", LISTS.values(), ids=LISTS.keys())
def test_a_list_page_costs_the_same_queries_for_1_and_100_rows(
    world: World, client: Client, build: Callable[[World, int], str]
) -> None:
    client.force_login(world.coordinator)
    url = build(world, 1)
    first_of_session = queries(client, url)  # fills caches the session's next requests reuse
    one = queries(client, url)
    build(world, 99)
    # The first view after the rows changed may count again what is kept between changes
    # (the readiness counts), in a fixed number of queries; then it costs what it did.
    first_after_change = queries(client, url)
    assert queries(client, url) == one
    assert first_after_change <= first_of_session


@pytest.mark.parametrize("build", PAGED.values(), ids=PAGED.keys())
def test_a_list_page_of_1000_rows_stays_small(
    world: World, client: Client, build: Callable[[World, int], str]
) -> None:
    client.force_login(world.coordinator)
    response: Any = client.get(build(world, 1000))
    assert response.status_code == 200
    assert len(response.content) < MAX_HTML_BYTES
    assert re.search(r"Showing 1–\d+ of 1,0\d\d", response.content.decode())
