"""The cohort's pay figures kept between changes (decision 0024): every change the product
makes to a cohort's lines leaves them equal to a fresh count, a count that races a change is
never kept as holding, and the review page reads its lines in their mentors' kept names."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import World, join, make_user
from flipside.accounts.services import update_profile
from flipside.payments import checks, kept
from flipside.payments.models import Line, PayCount, PaymentRun, Timesheet
from flipside.payments.review_reads import review_lines
from flipside.payments.services import runs
from flipside.payments.services import timesheets as services
from flipside.payments.tests.test_timesheets import NOW, employ, pay, submitted, work
from flipside.schemes.models import Cohort, Role

pytestmark = pytest.mark.django_db
D = datetime.date
Status = Line.Status


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def fresh(cohort: Cohort) -> kept.PayFigures:
    """The figures as the ORM counts them now."""
    lines = Line.objects.filter(cohort=cohort)
    approved = lines.filter(status=Status.APPROVED, payment_run__isnull=True)
    pence = sum(int((line.amount + line.holiday) * 100) for line in approved)
    return kept.PayFigures(lines.filter(status=Status.SUBMITTED).count(), pence)


def read(cohort: Cohort) -> kept.PayFigures:
    return kept.pay_figures([cohort.pk])[cohort.pk]


def held(cohort: Cohort) -> None:
    """Counted and kept as holding, as after a few views of the cohort page."""
    read(cohort)
    read(cohort)
    row = PayCount.objects.get(cohort=cohort)
    assert row.counted_generation == row.generation


def agrees(cohort: Cohort) -> None:
    """What the page reads after a change, and what is then kept, are a fresh count."""
    assert read(cohort) == fresh(cohort)
    assert read(cohort) == fresh(cohort)
    row = PayCount.objects.get(cohort=cohort)
    assert row.counted_generation == row.generation
    assert (row.waiting_lines, row.approved_pence) == tuple(fresh(cohort))
    assert checks.check_kept_pay_figures().problems == ()


def test_every_change_to_a_cohorts_lines_is_counted_again(world: World) -> None:
    employ(world)
    pay(world, holiday_pay=True)
    cohort, by = world.cohort, world.coordinator
    other = join(cohort, Role.MENTOR, make_user("Ada Other"))
    employ(world, other)

    def step(change: Any) -> Any:
        held(cohort)
        done = change()
        agrees(cohort)
        return done

    draft = step(lambda: work(world, D(2026, 6, 1)))  # added, not submitted
    sheet = Timesheet.objects.get(pk=draft.timesheet_id)
    step(lambda: services.submit_timesheet(sheet, by=world.mentor, version=sheet.version))
    draft.refresh_from_db()
    step(lambda: services.approve_line(draft, by=by, version=draft.version))
    second = step(lambda: submitted(world, D(2026, 6, 2)))
    step(lambda: services.query_line(second, by=by, version=second.version, message="When?"))
    second.refresh_from_db()
    step(lambda: services.change_line(second, by=world.mentor, version=second.version,
                                      hours="1.25"))  # fmt: skip
    sheet.refresh_from_db()
    step(lambda: services.submit_timesheet(sheet, by=world.mentor, version=sheet.version))
    second.refresh_from_db()
    step(lambda: services.reject_line(second, by=by, version=second.version, message="No."))
    draft.refresh_from_db()  # an approval revised: queried, then removed by its mentor
    step(lambda: services.query_line(draft, by=by, version=draft.version, message="Sure?"))
    draft.refresh_from_db()
    step(lambda: services.remove_line(draft, by=world.mentor))
    ticked = [submitted(world, D(2026, 6, day)) for day in (3, 4)]
    step(lambda: services.approve_lines(cohort, {t.pk: t.version for t in ticked}, by=by))
    run = step(lambda: runs.collect_run(cohort, by=by))
    paid = Line.objects.filter(payment_run=run).first()
    assert paid is not None
    step(lambda: runs.add_correction(paid, hours=Decimal("-0.5"), reason="Left early", by=by))
    assert read(cohort).approved_pence < 0  # a correction alone can take more than it adds

    # A mentor erased: their lines go with them.
    theirs = services.add_work(
        services.timesheet_for(cohort, other, D(2026, 6, 5)), worked_on=D(2026, 6, 5),
        hours="3", description="Panel", by=other,
    )  # fmt: skip
    sheet = Timesheet.objects.get(pk=theirs.timesheet_id)
    services.submit_timesheet(sheet, by=other, version=sheet.version)
    theirs.refresh_from_db()
    services.approve_line(theirs, by=by, version=theirs.version)
    step(lambda: submitted(world, D(2026, 6, 6)))
    step(other.delete)
    assert not Line.objects.filter(mentor_id=theirs.mentor_id).exists()


def test_lines_made_in_bulk_are_counted_again_and_take_their_mentors_names(
    world: World,
) -> None:
    line = submitted(world, D(2026, 6, 1))
    held(world.cohort)
    Line.objects.bulk_create([
        Line(timesheet_id=line.timesheet_id, cohort=world.cohort, mentor=world.mentor,
             kind="other", worked_on=D(2026, 6, 2), hours=Decimal(1), status=Status.SUBMITTED)
    ])  # fmt: skip
    agrees(world.cohort)
    assert set(Line.objects.values_list("sort_name", flat=True)) == {"Mo Mentor"}


def test_a_count_that_races_a_change_is_not_kept(world: World) -> None:
    submitted(world, D(2026, 6, 1))
    held(world.cohort)
    submitted(world, D(2026, 6, 2))  # counted again on the next view
    counting = kept.fetch

    def racing(sql: str, *args: Any, **kwargs: Any) -> Any:
        rows = counting(sql, *args, **kwargs)
        if sql.startswith("SELECT kept.generation"):  # counted: now a line is submitted
            submitted(world, D(2026, 6, 3))
        return rows

    kept.fetch = racing  # type: ignore[assignment]
    try:
        raced = read(world.cohort)
    finally:
        kept.fetch = counting
    row = PayCount.objects.get(cohort=world.cohort)
    assert raced.waiting_lines == 2  # as it was when counted
    assert row.counted_generation != row.generation  # but not kept as holding
    assert read(world.cohort).waiting_lines == 3


def test_a_cohort_counted_for_the_first_time_is_kept_from_its_second_count(
    world: World, django_assert_num_queries: Any
) -> None:
    submitted(world, D(2026, 6, 1))
    PayCount.objects.all().delete()  # never counted, as after the migration
    assert read(world.cohort).waiting_lines == 1
    assert PayCount.objects.get(cohort=world.cohort).counted_generation is None
    assert read(world.cohort).waiting_lines == 1
    with django_assert_num_queries(1):
        assert read(world.cohort).waiting_lines == 1


def test_a_deleted_cohort_takes_its_figures_with_it(world: World) -> None:
    submitted(world, D(2026, 6, 1))
    held(world.cohort)
    Cohort.objects.filter(pk=world.cohort.pk).delete()
    assert not PayCount.objects.exists()


def test_selfcheck_reports_kept_figures_and_names_that_no_longer_agree(world: World) -> None:
    line = submitted(world, D(2026, 6, 1))
    held(world.cohort)
    assert checks.check_kept_pay_figures().problems == ()
    Line.objects.filter(pk=line.pk).update(status=Status.REJECTED, sort_name="Someone else")
    problems = checks.check_kept_pay_figures().problems
    assert problems[0] == f"pay figures: cohort {world.cohort.pk} keeps (1, 0) but counts (0, 0)"
    assert problems[1].startswith(f"line {line.pk}: keeps a name that is not its mentor's")


def test_the_review_page_reads_lines_in_their_mentors_names_kept_through_a_new_name(
    world: World,
) -> None:
    employ(world)
    zed = join(world.cohort, Role.MENTOR, make_user("Zed Last"))
    employ(world, zed)
    for day in (2, 1):
        submitted(world, D(2026, 6, day))
        services.add_work(
            services.timesheet_for(world.cohort, zed, D(2026, 6, day)),
            worked_on=D(2026, 6, day), hours="1", description="Work", by=zed,
        )  # fmt: skip
    sheet = Timesheet.objects.get(mentor=zed)
    services.submit_timesheet(sheet, by=zed, version=sheet.version)

    def order(statuses: list[str]) -> list[tuple[str, datetime.date]]:
        listing = review_lines(world.cohort, statuses=statuses)
        return [(row.mentor_name, row.worked_on) for row in listing[0 : len(listing)]]

    assert order([Status.SUBMITTED]) == [
        ("Mo Mentor", D(2026, 6, 1)), ("Mo Mentor", D(2026, 6, 2)),
        ("Zed Last", D(2026, 6, 1)), ("Zed Last", D(2026, 6, 2)),
    ]  # fmt: skip
    update_profile(zed, display_name="Aaron First", pronouns="")
    assert [name for name, _day in order([Status.SUBMITTED])] == [
        "Aaron First", "Aaron First", "Mo Mentor", "Mo Mentor"
    ]  # fmt: skip
    # Across statuses, the page merges each status's lines in the same order, and pages.
    line = Line.objects.filter(mentor=world.mentor).order_by("worked_on").first()
    assert line is not None
    services.approve_line(line, by=world.coordinator, version=line.version)
    every = [Status.SUBMITTED, Status.APPROVED, Status.QUERIED, Status.REJECTED]
    assert order(every) == [
        ("Aaron First", D(2026, 6, 1)), ("Aaron First", D(2026, 6, 2)),
        ("Mo Mentor", D(2026, 6, 1)), ("Mo Mentor", D(2026, 6, 2)),
    ]  # fmt: skip
    listing = review_lines(world.cohort, statuses=every)
    assert [row.worked_on for row in listing[1:3]] == [D(2026, 6, 2), D(2026, 6, 1)]
    assert checks.check_kept_pay_figures().problems == ()


# --- The review page's one shared form ----------------------------------------------------------


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_rows_buttons_submit_the_shared_form_once_at_the_version_shown(world: World) -> None:
    employ(world)
    first, second = submitted(world, D(2026, 6, 1)), submitted(world, D(2026, 6, 2))
    client = signed_in(world.coordinator)
    page = client.get(reverse("payments:review", args=[world.cohort.pk])).content.decode()
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    assert "csrfmiddlewaretoken" not in rows and "<form" not in rows  # the page's forms only
    assert f'aria-labelledby="review-approve line-{first.pk}"' in page
    assert f'id="line-{first.pk}"> the line of <bdi>Mo Mentor</bdi> on 1 Jun 2026' in page
    # What the browser sends for "Query" on the second row: every row's message, the
    # pressed button's version and the page's "back".
    shared = {f"message-{first.pk}": "", f"message-{second.pk}": "Which meeting?",
              "back": "?page=1", "version": second.version}  # fmt: skip
    sent = client.post(reverse("payments:query", args=[second.pk]), shared)
    assert sent.url.endswith("/pay/review/?page=1")
    second.refresh_from_db()
    assert (second.status, second.message) == (Status.QUERIED, "Which meeting?")
    # Pressed twice: refused, nothing changes.
    again = client.post(reverse("payments:query", args=[second.pk]), shared)
    assert again.status_code == 200 and "already decided" in again.content.decode()
    # A row's message left empty is asked for again on the line's own page.
    empty = client.post(reverse("payments:reject", args=[first.pk]),
                        {**shared, "version": first.version})  # fmt: skip
    assert empty.status_code == 200 and "Write a message to the mentor" in empty.content.decode()
    # Approve, at a stale version: refused; at the version shown: approved once.
    approve = reverse("payments:approve", args=[first.pk])
    client.post(approve, {**shared, "version": first.version + 1})
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED
    shown = first.version
    client.post(approve, {**shared, "version": shown})
    client.post(approve, {**shared, "version": shown})
    first.refresh_from_db()
    assert (first.status, first.version) == (Status.APPROVED, shown + 1)
    assert not PaymentRun.objects.exists()
