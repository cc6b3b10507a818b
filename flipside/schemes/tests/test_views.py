from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import World, bulk_members, join, make_cohort, make_user
from flipside.schemes.models import Cohort, Role, Scheme, Stage

pytestmark = pytest.mark.django_db


def scheme_data(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Disability Reverse Mentoring",
        "centres": "Disabled students",
        "description": "Disabled students mentor senior staff.",
        "default_min_meetings": 4,
        "default_meeting_minutes": 60,
        **overrides,
    }


def cohort_data(**overrides: Any) -> dict[str, Any]:
    return {
        "label": "2027/28",
        "starts_on": "2027-09-01",
        "ends_on": "2028-07-31",
        "min_meetings": 4,
        "meeting_minutes": 60,
        **overrides,
    }


# --- Schemes ------------------------------------------------------------------------------


def test_organisation_coordinator_creates_a_scheme(world: World, client: Any) -> None:
    client.force_login(world.org_coordinator)
    response = client.post(reverse("schemes:create"), scheme_data())
    scheme = Scheme.objects.get(name="Disability Reverse Mentoring")
    assert response.status_code == 302
    assert response["Location"] == reverse("schemes:detail", args=[scheme.pk])
    assert scheme.organisation == world.organisation


def test_creating_a_scheme_with_bad_input_keeps_what_was_typed(world: World, client: Any) -> None:
    client.force_login(world.org_coordinator)
    response = client.post(
        reverse("schemes:create"),
        scheme_data(name="", default_min_meetings=0, description="Keep <b>this</b> text"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_name"' in html and 'href="#id_default_min_meetings"' in html
    assert "Keep &lt;b&gt;this&lt;/b&gt; text" in html
    assert 'aria-invalid="true"' in html
    assert not Scheme.objects.filter(centres="Disabled students").exists()


def test_a_scheme_coordinator_cannot_create_schemes(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    assert client.post(reverse("schemes:create"), scheme_data()).status_code == 403
    assert not Scheme.objects.filter(name="Disability Reverse Mentoring").exists()


def test_editing_a_scheme_saves_and_posting_extra_fields_changes_nothing_else(
    world: World, client: Any
) -> None:
    client.force_login(world.coordinator)
    data = scheme_data(name="Pride Mentoring", version=world.scheme.version, organisation=999, pk=5)
    response = client.post(reverse("schemes:edit", args=[world.scheme.pk]), data)
    assert response.status_code == 302
    world.scheme.refresh_from_db()
    assert world.scheme.name == "Pride Mentoring"
    assert world.scheme.organisation == world.organisation


def test_editing_a_scheme_someone_else_just_saved_is_refused_without_losing_the_form(
    world: World, client: Any
) -> None:
    client.force_login(world.coordinator)
    stale = world.scheme.version
    Scheme.objects.filter(pk=world.scheme.pk).update(name="Renamed meanwhile", version=stale + 1)
    response = client.post(
        reverse("schemes:edit", args=[world.scheme.pk]), scheme_data(name="My edit", version=stale)
    )
    assert response.status_code == 200
    assert b"Someone else changed this scheme" in response.content
    assert b'value="My edit"' in response.content
    assert b"What is saved now" in response.content and b"Renamed meanwhile" in response.content
    world.scheme.refresh_from_db()
    assert world.scheme.name == "Renamed meanwhile"
    # Having compared, the editor saves again on purpose, and it works.
    resubmit = response.context["form"].data.copy()
    assert client.post(reverse("schemes:edit", args=[world.scheme.pk]), resubmit).status_code == 302
    world.scheme.refresh_from_db()
    assert world.scheme.name == "My edit"


def test_script_in_a_scheme_description_is_shown_as_text(world: World, client: Any) -> None:
    Scheme.objects.filter(pk=world.scheme.pk).update(description="<script>alert(1)</script>{{7*7}}")
    client.force_login(world.coordinator)
    html = client.get(reverse("schemes:detail", args=[world.scheme.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in html


def test_nul_bytes_in_text_are_refused_with_a_message(world: World, client: Any) -> None:
    client.force_login(world.org_coordinator)
    response = client.post(reverse("schemes:create"), scheme_data(name="Bad\x00name"))
    assert response.status_code == 200
    assert b"control characters" in response.content
    assert not Scheme.objects.filter(centres="Disabled students").exists()


# --- Cohorts ------------------------------------------------------------------------------


def test_scheme_coordinator_adds_a_cohort_with_the_scheme_defaults_offered(
    world: World, client: Any
) -> None:
    client.force_login(world.coordinator)
    form = client.get(reverse("schemes:cohort_create", args=[world.scheme.pk])).context["form"]
    assert form.initial["min_meetings"] == world.scheme.default_min_meetings
    response = client.post(reverse("schemes:cohort_create", args=[world.scheme.pk]), cohort_data())
    cohort = Cohort.objects.get(scheme=world.scheme, label="2027/28")
    assert response["Location"] == reverse("home:cohort", args=[cohort.pk])
    assert cohort.stage == Stage.PLANNING


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": "2027-08-01"}, b"The end date must be after the start date."),
        ({"starts_on": "2027-02-31"}, b"Enter a valid date."),
        ({"min_meetings": "-1"}, b"greater than or equal to 1"),
        ({"meeting_minutes": "1e309"}, b"Enter a whole number."),
        ({"label": "2026/27"}, b"already has a cohort for that academic year"),
    ],
)
def test_bad_cohort_input_is_explained_and_kept(
    world: World, client: Any, overrides: dict[str, str], message: bytes
) -> None:
    client.force_login(world.coordinator)
    response = client.post(
        reverse("schemes:cohort_create", args=[world.scheme.pk]), cohort_data(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content
    assert b"There is a problem" in response.content
    assert Cohort.objects.filter(scheme=world.scheme).count() == 1


def test_cohort_coordinator_edits_their_cohort(world: World, client: Any) -> None:
    client.force_login(world.cohort_coordinator)
    url = reverse("schemes:cohort_edit", args=[world.cohort.pk])
    data = cohort_data(label="2026/27", min_meetings=6, version=world.cohort.version)
    assert client.post(url, data).status_code == 302
    world.cohort.refresh_from_db()
    assert world.cohort.min_meetings == 6


def test_moving_a_cohort_to_the_next_stage(world: World, client: Any) -> None:
    cohort = make_cohort(world.scheme, label="2027/28", stage=Stage.PLANNING)
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_stage", args=[cohort.pk])
    response = client.post(url, {"stage": "recruiting", "expected": "planning"}, follow=True)
    cohort.refresh_from_db()
    assert cohort.stage == Stage.RECRUITING
    assert b"The cohort is now at the Recruiting stage." in response.content


def test_an_invalid_stage_move_is_refused_with_the_reason(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_stage", args=[world.cohort.pk])
    response = client.post(url, {"stage": "planning", "expected": "running"}, follow=True)
    world.cohort.refresh_from_db()
    assert world.cohort.stage == Stage.RUNNING
    assert b"Pairs are already meeting, so the cohort can only be closed now." in response.content


def test_a_double_submitted_stage_move_happens_once(world: World, client: Any) -> None:
    cohort = make_cohort(world.scheme, label="2027/28", stage=Stage.PLANNING)
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_stage", args=[cohort.pk])
    client.post(url, {"stage": "recruiting", "expected": "planning"})
    response = client.post(url, {"stage": "recruiting", "expected": "planning"}, follow=True)
    cohort.refresh_from_db()
    assert cohort.stage == Stage.RECRUITING
    assert b"Someone else has already moved this cohort" in response.content


def test_a_made_up_stage_is_refused(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_stage", args=[world.cohort.pk])
    response = client.post(url, {"stage": "archived", "expected": "running"}, follow=True)
    assert b"Choose a stage from the list." in response.content


def test_stage_changes_need_post(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    assert client.get(reverse("schemes:cohort_stage", args=[world.cohort.pk])).status_code == 405


def test_people_page_lists_members_and_filters_by_role(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_people", args=[world.cohort.pk])
    everyone = client.get(url).content.decode()
    mentors = client.get(url, {"role": "mentor"}).content.decode()
    assert world.mentee.email in everyone and world.mentor.email in everyone
    assert world.mentor.email in mentors and world.mentee.email not in mentors


def test_htmx_filter_returns_only_the_table(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_people", args=[world.cohort.pk])
    response = client.get(url, {"role": "mentee"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert world.mentee.email in html and world.mentor.email not in html


def test_people_page_queries_stay_bounded(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        join(world.cohort, Role.MENTEE, make_user())
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(11):
        client.get(reverse("schemes:cohort_people", args=[world.cohort.pk]))


def test_people_page_rows_show_pronouns_role_and_site_and_escape_names(
    world: World, client: Any
) -> None:
    cohort = make_cohort(world.scheme)
    join(
        cohort, Role.MENTOR, make_user("<i>Ann</i>", pronouns="she/her", email="ann@example.ac.uk")
    )
    client.force_login(world.coordinator)
    html = client.get(reverse("schemes:cohort_people", args=[cohort.pk])).content.decode()
    row = (
        '<th scope="row"><bdi>&lt;i&gt;Ann&lt;/i&gt;</bdi> <span class="muted">(<bdi>she/her</bdi>)'
        "</span></th>\n    <td>Student mentor</td>\n    <td>–</td>\n    <td>ann@example.ac.uk</td>"
    )
    assert row in html and "<i>Ann" not in html


def test_people_page_is_paged_and_finds_people_by_name_or_email(world: World, client: Any) -> None:
    bulk_members(world.cohort, Role.MENTEE, 60, name="Staff")
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_people", args=[world.cohort.pk])
    html = client.get(url).content.decode()
    assert "64 people" in html and "Showing 1–50 of 64" in html and "Page 1 of 2" in html
    assert "Staff 0047" in html and "Staff 0048" not in html  # after Mo Mentor and Prof Mena
    html = client.get(url, {"role": "mentee", "page": 2}).content.decode()
    assert "Showing 51–61 of 61" in html and "Staff 0059" in html
    html = client.get(url, {"q": "staff 005"}).content.decode()
    assert "10 people" in html and "Staff 0050" in html and "Staff 0049" not in html
    assert 'value="staff 005"' in html
    html = client.get(url, {"q": "mentor@example"}).content.decode()
    assert "1 person" in html and "Mo Mentor" in html
    html = client.get(url, {"q": "Staff", "role": "observer"}).content.decode()
    assert "Nobody matches these filters." in html
    for bad in ({"q": "a\x00b"}, {"role": "king"}, {"page": "abc"}):
        assert "Showing 1–50 of 64" in client.get(url, bad).content.decode()  # ignored


def test_people_page_answers_htmx_with_just_the_table(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_people", args=[world.cohort.pk])
    response = client.get(url, {"q": "Mo"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content and b"Mo Mentor" in response.content
    assert b"Prof Mena Mentee" not in response.content


def test_people_page_lists_student_mentors_first(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    people = client.get(reverse("schemes:cohort_people", args=[world.cohort.pk])).context["people"]
    assert [m.role for m in people] == ["mentor", "mentee", "coordinator", "observer"]


def test_closing_a_cohort_asks_for_confirmation_first(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    url = reverse("schemes:cohort_stage", args=[world.cohort.pk])
    asked = client.post(url, {"stage": "closed", "expected": "running"})
    world.cohort.refresh_from_db()
    assert asked.status_code == 200 and b"cannot be reopened" in asked.content
    assert world.cohort.stage == Stage.RUNNING
    client.post(url, {"stage": "closed", "expected": "running", "confirm": "yes"})
    world.cohort.refresh_from_db()
    assert world.cohort.stage == Stage.CLOSED


@pytest.mark.parametrize(
    "role", ["mentor", "mentee", "observer", "coordinator", "cohort_coordinator"]
)
def test_anyone_in_the_cohort_can_download_its_dates_as_a_calendar(
    world: World, client: Any, role: str
) -> None:
    import icalendar

    client.force_login(getattr(world, role))
    response = client.get(reverse("schemes:cohort_calendar", args=[world.cohort.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    starts = sorted(event.decoded("DTSTART") for event in events)
    assert starts == [world.cohort.starts_on, world.cohort.ends_on]


@pytest.mark.parametrize("role", ["outsider", "nobody"])
def test_people_outside_the_cohort_cannot_download_its_calendar(
    world: World, client: Any, role: str
) -> None:
    client.force_login(getattr(world, role))
    assert client.get(reverse("schemes:cohort_calendar", args=[world.cohort.pk])).status_code == 404
