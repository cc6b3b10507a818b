"""The coordinators' pages for rates, a cohort's pay settings and employment records."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from conftest import World, bulk_members
from flipside.payments.models import Employment, PaySettings, Rate, RateValue
from flipside.payments.services import rates as services
from flipside.schemes.models import Role

D = datetime.date
NOW = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _london(world: World) -> Rate:
    return services.ensure_standard_rates(world.organisation)[Rate.Kind.LONDON]


def _pages(world: World) -> list[str]:
    cohort = world.cohort.pk
    return [
        reverse("payments:rates", args=[world.organisation.pk]),
        reverse("payments:settings", args=[cohort]),
        reverse("payments:employment", args=[cohort]),
        reverse("payments:employment_edit", args=[cohort, world.mentor.pk]),
    ]


def _settings_post(current: PaySettings, **changes: Any) -> dict[str, Any]:
    data = {
        "rate": current.rate_id, "policy": current.policy, "pay_meetings": "on",
        "preparation_minutes": current.preparation_minutes, "pay_training": "on",
        "pay_events": "on", "pay_other": "on", "monthly_cap_hours": "",
        "cohort_cap_hours": "", "holiday_percent": current.holiday_percent,
        "cost_code": current.cost_code, "version": current.version,
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _text(response: Any) -> str:
    return response.content.decode()


# --- Who may open them --------------------------------------------------------------------


def test_only_coordinators_open_the_pages(world: World, client: Any) -> None:
    for person in (world.coordinator, world.org_coordinator, world.cohort_coordinator):
        client.force_login(person)
        for url in _pages(world):
            assert client.get(url).status_code == 200, (person, url)
    for person in (world.mentor, world.mentee, world.observer, world.outsider, world.nobody):
        client.force_login(person)
        for url in _pages(world):
            assert client.get(url).status_code == 404, (person, url)
    client.logout()
    for url in _pages(world):
        assert client.get(url).status_code == 302


def test_posts_by_people_without_rights_change_nothing(world: World, client: Any) -> None:
    london = _london(world)
    current = services.pay_settings_of(world.cohort)
    typed = {"hourly": "20.00", "announced_on": "2026-01-02", "payable_from": "2026-01-02"}
    value = {f"value-{london.pk}-{key}": text for key, text in typed.items()}
    posts = [
        (reverse("payments:rate_add", args=[world.organisation.pk]), {"rate-name": "Mine"}),
        (reverse("payments:rate_value_add", args=[london.pk]), value),
        (reverse("payments:settings", args=[world.cohort.pk]),
         _settings_post(current, preparation_minutes=99)),
        (reverse("payments:employment_edit", args=[world.cohort.pk, world.mentor.pk]),
         {"payroll_number": "X", "version": 0}),
    ]  # fmt: skip
    for person in (world.mentor, world.mentee, world.observer, world.outsider):
        client.force_login(person)
        for url, data in posts:
            assert client.post(url, data).status_code == 404, (person, url)
    assert Rate.objects.filter(organisation=world.organisation).count() == 2
    assert london.values.count() == 3
    assert PaySettings.objects.get(cohort=world.cohort).preparation_minutes == 30
    assert not Employment.objects.exists()


def test_state_changing_urls_refuse_get(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    london = _london(world)
    assert client.get(reverse("payments:rate_add", args=[world.organisation.pk])).status_code == 405
    assert client.get(reverse("payments:rate_value_add", args=[london.pk])).status_code == 405


# --- Rates --------------------------------------------------------------------------------


def test_rates_page_shows_the_published_values_made_on_first_visit(
    world: World, client: Any
) -> None:
    client.force_login(world.cohort_coordinator)
    assert not Rate.objects.filter(organisation=world.organisation).exists()
    page = _text(client.get(reverse("payments:rates", args=[world.organisation.pk])))
    assert Rate.objects.filter(organisation=world.organisation).count() == 2
    shown = ["London Living Wage", "UK Living Wage", "£14.80", "£13.45", "22 October 2025",
             "1 May 2026", "Living Wage Foundation", "Add a custom rate"]  # fmt: skip
    assert '<table class="stack">' in page
    for text in shown:
        assert text in page, text
    assert "Check for a new value" not in page


def test_a_value_added_on_the_page_is_saved_with_who_added_it(world: World, client: Any) -> None:
    london = _london(world)
    client.force_login(world.coordinator)
    url = reverse("payments:rate_value_add", args=[london.pk])
    data = {f"value-{london.pk}-hourly": "15.90", f"value-{london.pk}-announced_on": "2026-01-10",
            f"value-{london.pk}-payable_from": "2026-06-01", f"value-{london.pk}-note": "Pilot",
            "hourly_rate": "99", "added_by": world.mentee.pk, "rate": "1"}  # fmt: skip
    response = client.post(url, data)
    expected = reverse("payments:rates", args=[world.organisation.pk]) + f"#rate-{london.pk}"
    assert response.status_code == 302 and response["Location"] == expected
    value = RateValue.objects.get(rate=london, announced_on=D(2026, 1, 10))
    assert (value.hourly, value.payable_from, value.note, value.added_by) == (
        Decimal("15.90"), D(2026, 6, 1), "Pilot", world.coordinator,
    )  # fmt: skip
    page = _text(client.get(expected))
    assert "Value added: £15.90 an hour, payable from 1 June 2026." in page
    assert "<bdi>Cora Coordinator</bdi>" in page


@pytest.mark.parametrize(
    ("hourly", "announced", "payable", "message"),
    [
        ("14.805", "2026-01-10", "2026-06-01", "Use at most two decimal places."),
        ("0", "2026-01-10", "2026-06-01", "Ensure this value is greater than or equal to 0.01."),
        ("NaN", "2026-01-10", "2026-06-01", "Enter a number, such as 14.80."),
        ("1e309", "2026-01-10", "2026-06-01", "less than or equal to 1000"),
        ("15.90", "2026-02-31", "2026-06-01", "Enter a valid date."),
        ("15.90", "0001-01-01", "2026-06-01", "Enter a date between 2000 and 2099."),
        ("15.90", "2026-01-10", "2025-12-01", "cannot be before the date it was announced"),
        ("15.90", "2025-10-22", "2026-06-01", "already has a value announced on 22 October 2025"),
    ],
)
def test_a_bad_value_shows_the_form_again_with_the_input(
    world: World, client: Any, hourly: str, announced: str, payable: str, message: str
) -> None:
    london = _london(world)
    client.force_login(world.coordinator)
    prefix = f"value-{london.pk}-"
    data = {f"{prefix}hourly": hourly, f"{prefix}announced_on": announced,
            f"{prefix}payable_from": payable, f"{prefix}note": "Kept note"}  # fmt: skip
    response = client.post(reverse("payments:rate_value_add", args=[london.pk]), data)
    assert response.status_code == 200
    page = _text(response)
    assert message in page
    assert 'value="Kept note"' in page and f'value="{hourly}"' in page
    assert "There is a problem" in page
    assert london.values.count() == 3


def test_a_value_cannot_be_added_to_another_organisations_rate(world: World, client: Any) -> None:
    theirs = services.ensure_standard_rates(world.other_scheme.organisation)[Rate.Kind.LONDON]
    client.force_login(world.coordinator)
    prefix = f"value-{theirs.pk}-"
    data = {f"{prefix}hourly": "1.00", f"{prefix}announced_on": "2026-01-10",
            f"{prefix}payable_from": "2026-01-10"}  # fmt: skip
    assert (
        client.post(reverse("payments:rate_value_add", args=[theirs.pk]), data).status_code == 404
    )
    missing = reverse("payments:rate_value_add", args=[99999999])
    assert client.post(missing, data).status_code == 404
    assert theirs.values.count() == 3


def test_a_custom_rate_is_added_and_a_taken_name_is_refused(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("payments:rate_add", args=[world.organisation.pk])
    response = client.post(url, {"rate-name": "Ambassador rate", "rate-source": "Agreement",
                                 "rate-kind": "london", "rate-organisation": "999"})  # fmt: skip
    rate = Rate.objects.get(name="Ambassador rate")
    assert (rate.kind, rate.organisation, rate.source) == (
        "custom",
        world.organisation,
        "Agreement",
    )
    assert response["Location"].endswith(f"#rate-{rate.pk}")
    page = _text(client.get(response["Location"]))
    assert "No values yet" in page
    again = client.post(url, {"rate-name": "ambassador RATE", "rate-source": "Other"})
    assert again.status_code == 200
    assert "There is already a rate called" in _text(again)
    assert 'value="ambassador RATE"' in _text(again)
    assert Rate.objects.filter(organisation=world.organisation).count() == 3


def test_a_stale_rate_in_use_is_flagged_on_both_pages(world: World, client: Any) -> None:
    services.pay_settings_of(world.cohort)
    with time_machine.travel(datetime.datetime(2026, 10, 30, 12, tzinfo=datetime.UTC)):
        client.force_login(world.coordinator)
        for url in _pages(world)[:2]:
            page = _text(client.get(url))
            assert "Check for a new value of “London Living Wage”" in page
            assert "announced on 22 October 2025, more than a year ago" in page
            assert "Check for a new value of “UK Living Wage”" not in page  # not in use


# --- Pay settings -------------------------------------------------------------------------


def test_settings_are_saved_and_extra_fields_change_nothing(world: World, client: Any) -> None:
    client.force_login(world.cohort_coordinator)
    url = reverse("payments:settings", args=[world.cohort.pk])
    assert client.get(url).status_code == 200
    current = PaySettings.objects.get(cohort=world.cohort)
    uk = Rate.objects.get(organisation=world.organisation, kind="uk")
    data = _settings_post(
        current, rate=uk.pk, policy="payable", pay_events=None, monthly_cap_hours="40",
        cohort_cap_hours="120.5", holiday_pay="on", holiday_percent="12.07", cost_code="RM26",
        hourly_rate="99", cohort=world.other_cohort.pk,
    )  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    saved = PaySettings.objects.get(cohort=world.cohort)
    assert (saved.rate, saved.policy, saved.pay_events, saved.holiday_pay) == (
        uk, "payable", False, True,
    )  # fmt: skip
    assert (saved.monthly_cap_hours, saved.cohort_cap_hours, saved.cost_code) == (
        Decimal("40.00"), Decimal("120.50"), "RM26",
    )  # fmt: skip
    assert saved.version == current.version + 1
    assert not PaySettings.objects.filter(cohort=world.other_cohort).exists()
    assert "Pay settings saved." in _text(client.get(url))


def test_settings_offer_only_the_organisations_rates(world: World, client: Any) -> None:
    theirs = services.ensure_standard_rates(world.other_scheme.organisation)[Rate.Kind.UK]
    client.force_login(world.coordinator)
    url = reverse("payments:settings", args=[world.cohort.pk])
    page = _text(client.get(url))
    assert f'value="{theirs.pk}"' not in page
    assert "September to June" in page and "late October" in page
    current = PaySettings.objects.get(cohort=world.cohort)
    response = client.post(url, _settings_post(current, rate=theirs.pk))
    assert response.status_code == 200
    assert "Choose one of this organisation&#x27;s rates." in _text(response)
    assert PaySettings.objects.get(cohort=world.cohort).rate_id == current.rate_id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"monthly_cap_hours": "1.234"}, "Use at most two decimal places."),
        ({"monthly_cap_hours": "-3"}, "greater than or equal to 0.01"),
        ({"cohort_cap_hours": "NaN"}, "Enter a number, such as 14.80."),
        ({"holiday_percent": "51"}, "less than or equal to 50"),
        ({"preparation_minutes": "600"}, "less than or equal to 240"),
        ({"policy": "sometimes"}, "Select a valid choice"),
        ({"cost_code": "A\u202eB"}, "text-direction"),
    ],
)
def test_bad_settings_show_the_form_again_with_the_input(
    world: World, client: Any, changes: dict[str, str], message: str
) -> None:
    client.force_login(world.coordinator)
    url = reverse("payments:settings", args=[world.cohort.pk])
    current = services.pay_settings_of(world.cohort)
    response = client.post(url, _settings_post(current, **({"cost_code": "KEPT-1"} | changes)))
    assert response.status_code == 200
    page = _text(response)
    assert message in page
    if "cost_code" not in changes:
        assert 'value="KEPT-1"' in page
    assert PaySettings.objects.get(cohort=world.cohort).version == current.version


def test_a_stale_settings_form_is_refused_with_what_is_saved_now(world: World, client: Any) -> None:
    current = services.pay_settings_of(world.cohort)
    services.update_pay_settings(
        world.cohort, by=world.org_coordinator, version=current.version, cost_code="THEIRS"
    )
    client.force_login(world.coordinator)
    url = reverse("payments:settings", args=[world.cohort.pk])
    response = client.post(url, _settings_post(current, cost_code="MINE"))
    assert response.status_code == 200
    page = _text(response)
    assert "Someone saved these pay settings after you opened this page." in page
    assert "What is saved now" in page and "THEIRS" in page and 'value="MINE"' in page
    assert PaySettings.objects.get(cohort=world.cohort).cost_code == "THEIRS"
    # Saving again from the page shown is a deliberate choice, and works.
    response = client.post(url, _settings_post(current, cost_code="MINE", version=2))
    assert response.status_code == 302
    assert PaySettings.objects.get(cohort=world.cohort).cost_code == "MINE"


def test_the_same_settings_sent_twice_save_once(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("payments:settings", args=[world.cohort.pk])
    current = services.pay_settings_of(world.cohort)
    data = _settings_post(current, cost_code="TWICE")
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert PaySettings.objects.get(cohort=world.cohort).version == current.version + 1


# --- Employment records -------------------------------------------------------------------


def test_people_page_lists_student_mentors_only_paged_and_searchable(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    bulk_members(world.cohort, Role.MENTOR, 30, name="Student")
    services.record_employment(
        world.organisation, world.mentor, by=world.coordinator, payroll_number="S0000001",
        right_to_work_checked_on=D(2026, 2, 1), weekly_limit_hours=Decimal(20),
    )  # fmt: skip
    client.force_login(world.coordinator)
    url = reverse("payments:employment", args=[world.cohort.pk])
    with django_assert_max_num_queries(16):
        page = _text(client.get(url))
    assert "Showing 1–25 of 31" in page
    assert "<bdi>Mo Mentor</bdi>" in page and "S0000001" in page and "1 February 2026" in page
    assert "by <bdi>Cora Coordinator</bdi>" in page
    assert "Prof Mena Mentee" not in page and "Obi Observer" not in page
    assert "Student 0029" not in page  # on the second page
    assert "Student 0029" in _text(client.get(url, {"page": 2}))
    found = _text(client.get(url, {"q": "student 002"}))
    assert "Showing" not in found  # ten people: one page
    assert "Student 0020" in found and "Mo Mentor" not in found
    edit = reverse("payments:employment_edit", args=[world.cohort.pk, world.mentor.pk])
    assert f'href="{edit}"' in page
    assert "No student mentors match this search." in _text(client.get(url, {"q": "zzz"}))


def test_a_mentors_record_is_saved_with_who_checked(world: World, client: Any) -> None:
    client.force_login(world.cohort_coordinator)
    url = reverse("payments:employment_edit", args=[world.cohort.pk, world.mentor.pk])
    assert "<bdi>Mo Mentor</bdi>" in _text(client.get(url + "?q=Mo"))
    data = {"payroll_number": "S7654321", "right_to_work_checked_on": "2026-02-27",
            "weekly_limit_hours": "20", "version": "0", "right_to_work_checked_by":
            world.mentee.pk, "organisation": world.other_scheme.organisation_id,
            "user": world.mentee.pk, "hourly_rate": "99"}  # fmt: skip
    response = client.post(url + "?q=Mo&next=https://evil.example", data)
    assert response["Location"] == reverse("payments:employment", args=[world.cohort.pk]) + "?q=Mo"
    row = Employment.objects.get()
    assert (row.organisation, row.user, row.right_to_work_checked_by) == (
        world.organisation, world.mentor, world.cohort_coordinator,
    )  # fmt: skip
    assert (row.payroll_number, row.weekly_limit_hours) == ("S7654321", Decimal("20.00"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"right_to_work_checked_on": "2026-03-03"}, "cannot be in the future"),
        ({"right_to_work_checked_on": "9999-12-31"}, "between 2000 and 2099"),
        ({"weekly_limit_hours": "20.125"}, "Use at most two decimal places."),
        ({"weekly_limit_hours": "0"}, "greater than or equal to 0.25"),
        ({"payroll_number": "S1\x00"}, "control characters"),
    ],
)
def test_a_bad_record_shows_the_form_again_with_the_input(
    world: World, client: Any, changes: dict[str, str], message: str
) -> None:
    client.force_login(world.coordinator)
    url = reverse("payments:employment_edit", args=[world.cohort.pk, world.mentor.pk])
    data = {"payroll_number": "KEPT-7", "right_to_work_checked_on": "2026-02-27",
            "weekly_limit_hours": "20", "version": "0"} | changes  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    page = _text(response)
    assert message in page
    if "payroll_number" not in changes:
        assert 'value="KEPT-7"' in page
    assert not Employment.objects.exists()


def test_records_only_for_the_cohorts_student_mentors(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    for person in (world.mentee.pk, world.observer.pk, world.outsider.pk, 99999999):
        url = reverse("payments:employment_edit", args=[world.cohort.pk, person])
        assert client.get(url).status_code == 404
        assert client.post(url, {"payroll_number": "X", "version": "0"}).status_code == 404
    theirs = reverse("payments:employment_edit", args=[world.other_cohort.pk, world.mentor.pk])
    assert client.get(theirs).status_code == 404
    assert not Employment.objects.exists()


def test_a_stale_record_form_is_refused(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("payments:employment_edit", args=[world.cohort.pk, world.mentor.pk])
    services.record_employment(
        world.organisation, world.mentor, by=world.org_coordinator, payroll_number="THEIRS",
        right_to_work_checked_on=None, weekly_limit_hours=None,
    )  # fmt: skip
    response = client.post(url, {"payroll_number": "MINE", "version": "0"})
    assert response.status_code == 200
    page = _text(response)
    assert "Someone saved this person&#x27;s record" in page and "THEIRS" in page
    assert Employment.objects.get().payroll_number == "THEIRS"
