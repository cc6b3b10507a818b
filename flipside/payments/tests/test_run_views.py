"""The payment run pages: who may open them, collecting, exporting and downloading, marking
paid, corrections and the payroll columns, with bad input and double submits."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from conftest import World, bulk_members, response_text
from flipside.payments.models import ExportLayout, Line, PaymentRun
from flipside.payments.services import runs as services

from .test_runs import NOW, TODAY, exported_run, make_line

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Who may open what --------------------------------------------------------------------


def pages(world: World) -> dict[str, str]:
    line = make_line(world.cohort, world.mentor)
    run = exported_run(world, line)
    return {
        "runs": reverse("payments:runs", args=[world.cohort.pk]),
        "run": reverse("payments:run", args=[run.pk]),
        "csv": reverse("payments:run_export", args=[run.pk, "csv"]),
        "xlsx": reverse("payments:run_export", args=[run.pk, "xlsx"]),
        "correct": reverse("payments:correct_line", args=[line.pk]),
        "layout": reverse("payments:layout", args=[world.organisation.pk]),
        "budget": reverse("payments:budget", args=[world.cohort.pk]),
    }


def test_coordinators_open_every_page(world: World, client: Any) -> None:
    urls = pages(world)
    for person in (world.coordinator, world.org_coordinator, world.cohort_coordinator):
        client.force_login(person)
        for name, url in urls.items():
            assert client.get(url).status_code == 200, (person, name)


def test_nobody_else_finds_any_page_or_action(world: World, client: Any) -> None:
    urls = pages(world)
    run = PaymentRun.objects.get()
    actions = [
        reverse("payments:collect", args=[world.cohort.pk]),
        reverse("payments:run_mark_exported", args=[run.pk]),
        reverse("payments:mark_paid", args=[run.pk]),
    ]
    for person in (world.mentor, world.mentee, world.observer, world.outsider, world.nobody):
        client.force_login(person)
        for url in urls.values():
            assert client.get(url).status_code == 404, (person, url)
        for url in actions:
            assert client.post(url, {"paid_on": "2026-11-16", "version": 3}).status_code == 404
    run.refresh_from_db()
    assert run.status == "exported"


def test_ids_that_do_not_exist_or_are_not_ids_are_not_found(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    for url in (
        "/pay/runs/0/",
        "/pay/runs/99999999/",
        "/pay/runs/-1/",
        "/pay/runs/abc/",
        "/pay/runs/1" + "0" * 30 + "/",
        f"/cohorts/{world.other_cohort.pk}/pay/runs/",
    ):
        assert client.get(url).status_code == 404, url


def test_actions_answer_only_post(world: World, client: Any) -> None:
    run = exported_run(world)
    client.force_login(world.coordinator)
    for url in (
        reverse("payments:collect", args=[world.cohort.pk]),
        reverse("payments:run_mark_exported", args=[run.pk]),
        reverse("payments:mark_paid", args=[run.pk]),
    ):
        assert client.get(url).status_code == 405


# --- Collecting ---------------------------------------------------------------------------


def test_collecting_from_the_page_and_pressing_again_makes_one_run(
    world: World, client: Any
) -> None:
    make_line(world.cohort, world.mentor, hours="2.00")
    client.force_login(world.coordinator)
    runs_url = reverse("payments:runs", args=[world.cohort.pk])
    page = client.get(runs_url)
    assert "£29.60" in page.content.decode() and "Collect approved lines" in page.content.decode()

    url = reverse("payments:collect", args=[world.cohort.pk])
    first = client.post(url, follow=True)
    run = PaymentRun.objects.get()
    assert first.redirect_chain == [(reverse("payments:run", args=[run.pk]), 302)]
    assert "Payment run 1 made." in messages_of(first)[0]

    second = client.post(url, follow=True)
    assert second.redirect_chain == [(runs_url, 302)]
    assert messages_of(second) == ["There are no approved lines waiting to be paid."]
    assert PaymentRun.objects.count() == 1


# --- One run: its lines, exporting, downloading -------------------------------------------


def test_a_runs_lines_are_paged_and_found_by_name(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    people = bulk_members(world.cohort, "mentor", 55, name="Student")
    for person in people:
        make_line(world.cohort, person, hours="1.00")
    run = services.collect_run(world.cohort, by=world.coordinator)
    client.force_login(world.coordinator)
    url = reverse("payments:run", args=[run.pk])

    with django_assert_max_num_queries(14):
        first = client.get(url)
    page = first.content.decode()
    assert "Student 0000" in page and "Student 0049" in page and "Student 0050" not in page
    assert "Showing 1–50 of 55" in page
    assert "Student 0054" in client.get(url + "?page=2").content.decode()

    found = client.get(url + "?q=0054").content.decode()
    assert "<bdi>Student 0054</bdi>" in found and "Student 0000" not in found


def test_exporting_from_the_page_then_downloading(world: World, client: Any) -> None:
    make_line(world.cohort, world.mentor, hours="2.00")
    run = services.collect_run(world.cohort, by=world.coordinator)
    client.force_login(world.coordinator)
    download = reverse("payments:run_export", args=[run.pk, "csv"])

    early = client.get(download, follow=True)  # not exported: nothing to download, no change
    assert messages_of(early) == ["Export this run for payroll first, then download its file."]
    run.refresh_from_db()
    assert run.status == "collected"

    response = client.post(reverse("payments:run_mark_exported", args=[run.pk]), follow=True)
    assert "Run exported for payroll." in messages_of(response)[0]
    again = client.post(reverse("payments:run_mark_exported", args=[run.pk]), follow=True)
    assert messages_of(again) == ["This run was already exported. Its file has not changed."]
    run.refresh_from_db()
    assert run.status == "exported"

    file = client.get(download)
    assert file["Content-Disposition"].startswith('attachment; filename="pride-reverse')
    text = response_text(file)
    assert "Mo Mentor" in text and "29.60" in text
    assert response_text(client.get(download)) == text  # the same file every time
    assert client.get(reverse("payments:run_export", args=[run.pk, "pdf"])).status_code == 404


# --- Marking paid -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [
        ("2026-02-31", "Enter a valid date."),
        ("", "This field is required."),
        ("0001-01-01", "Enter a date between 2000 and 2099."),
        ("2026-11-17", "The date paid cannot be in the future."),
        ("2026-11-15", "The date paid cannot be before the run was exported."),
    ],
)
def test_a_bad_paid_date_shows_the_page_again_with_the_error(
    world: World, client: Any, paid_on: str, message: str
) -> None:
    run = exported_run(world)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("payments:mark_paid", args=[run.pk]), {"paid_on": paid_on, "version": run.version}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'value="{paid_on}"' in response.content.decode() or not paid_on
    run.refresh_from_db()
    assert run.status == "exported" and run.paid_on is None


def test_marking_paid_from_the_page_and_from_a_stale_page(world: World, client: Any) -> None:
    run = exported_run(world)
    client.force_login(world.coordinator)
    url = reverse("payments:mark_paid", args=[run.pk])
    stale = client.post(url, {"paid_on": "2026-11-16", "version": run.version - 1}, follow=True)
    assert "changed while you were looking at it" in messages_of(stale)[0]
    run.refresh_from_db()
    assert run.status == "exported"

    done = client.post(url, {"paid_on": "2026-11-16", "version": run.version,
                             "status": "collected", "amount": "0"}, follow=True)  # fmt: skip
    assert messages_of(done) == ["Payment run marked paid."]
    twice = client.post(url, {"paid_on": "2026-11-16", "version": run.version}, follow=True)
    assert messages_of(twice) == ["Payment run marked paid."]  # the double submit: no change
    paid = PaymentRun.objects.get()
    assert (paid.status, paid.paid_on, paid.amount) == ("paid", TODAY, Decimal("29.60"))


# --- Corrections --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("NaN", "at most two decimal places"),
        ("1e309", "at most two decimal places"),
        ("1_0", "at most two decimal places"),
        ("0.005", "at most two decimal places"),
        ("0", "Enter hours other than 0."),
        ("-25", "Enter at most 24 hours either way."),
        ("-3", "Corrected hours must stay between 0 and 24."),
    ],
)
def test_a_bad_correction_shows_the_form_again(
    world: World, client: Any, hours: str, message: str
) -> None:
    line = make_line(world.cohort, world.mentor, hours="2.00")
    exported_run(world, line)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("payments:correct_line", args=[line.pk]),
        {"hours": hours, "reason": "Ended early", "corrections_seen": 0},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="Ended early"' in response.content.decode()
    assert not Line.objects.filter(kind="adjustment").exists()


def test_a_correction_from_the_page(world: World, client: Any) -> None:
    line = make_line(world.cohort, world.mentor, hours="2.00")
    run = exported_run(world, line)
    client.force_login(world.coordinator)
    url = reverse("payments:correct_line", args=[line.pk])
    data = {"hours": "-0.5", "reason": "Ended early", "corrections_seen": 0,
            "hourly": "99", "status": "submitted"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:run", args=[run.pk])
    correction = Line.objects.get(kind="adjustment")
    assert (correction.amount, correction.hourly, correction.status) == (
        Decimal("-7.40"), Decimal("14.80"), "approved",
    )  # fmt: skip
    twice = client.post(url, data)
    assert twice.status_code == 200 and "was added to this line while" in twice.content.decode()
    assert Line.objects.filter(kind="adjustment").count() == 1
    assert "Ended early" in client.get(url).content.decode()

    # A line not in a run, or a correction itself, has no correction page.
    waiting = make_line(world.cohort, world.mentor)
    for other in (waiting, correction):
        assert client.get(reverse("payments:correct_line", args=[other.pk])).status_code == 404


# --- Payroll columns ----------------------------------------------------------------------


def layout_data(version: int, **rows: str) -> dict[str, Any]:
    return {"version": version, **rows}


def test_payroll_columns_saved_from_the_page(world: World, client: Any) -> None:
    client.force_login(world.cohort_coordinator)
    url = reverse("payments:layout", args=[world.organisation.pk])
    page = client.get(url).content.decode()
    assert "Payroll or student number, Student name" in page

    data = layout_data(1, field_1="name", header_1="Employee", field_2="total", header_2="",
                       field_3="", header_3="")  # fmt: skip
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert ExportLayout.objects.get().columns == [
        {"field": "name", "header": "Employee"},
        {"field": "total", "header": "Total"},
    ]
    stale = client.post(url, layout_data(1, field_1="email"))
    assert stale.status_code == 200
    assert "Someone else saved the payroll columns" in stale.content.decode()
    assert "What is saved now" in stale.content.decode()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"field_1": "name", "field_2": "name"}, "Column 2: “Student name” is already in an"),
        ({"header_1": "Orphan"}, "Column 1: choose what it holds, or clear its heading."),
        ({}, "Choose at least one column for the payroll file."),
        ({"field_1": "salary"}, "Select a valid choice."),
        ({"field_1": "name", "header_1": "a\u202eb"}, "Remove the hidden text-direction"),
    ],
)
def test_bad_payroll_columns_show_the_form_again(
    world: World, client: Any, rows: dict[str, str], message: str
) -> None:
    client.force_login(world.coordinator)
    url = reverse("payments:layout", args=[world.organisation.pk])
    response = client.post(url, layout_data(1, **rows))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ExportLayout.objects.exists()


def test_another_organisations_columns_are_not_found(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    other = world.other_scheme.organisation_id
    assert client.get(reverse("payments:layout", args=[other])).status_code == 404
    response = client.post(reverse("payments:layout", args=[other]), layout_data(1, field_1="name"))
    assert response.status_code == 404 and not ExportLayout.objects.exists()


def test_pages_list_no_pay_of_another_cohort(world: World, client: Any) -> None:
    make_line(world.other_cohort, world.mentor, hours="7.77")
    make_line(world.cohort, world.mentor, hours="1.00")
    client.force_login(world.coordinator)
    page = client.get(reverse("payments:runs", args=[world.cohort.pk])).content.decode()
    assert "£14.80" in page and "114.99" not in page  # 7.77 × 14.80 = 114.996


def test_old_dates_are_shown_in_uk_format(world: World, client: Any) -> None:
    run = exported_run(world)
    client.force_login(world.coordinator)
    page = client.get(reverse("payments:run", args=[run.pk])).content.decode()
    assert "16 November 2026" in page and "5 October 2026" in page
    assert datetime.date(2026, 10, 5).isoformat() not in page
