"""Applicants' pages: the public call, starting, verifying, answering, submitting, withdrawing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import World, make_user, sent_mail
from flipside.accounts.models import User
from flipside.recruitment import selectors, services
from flipside.recruitment.models import Application, Call, EmailVerification

from .builders import (
    AFTER,
    BEFORE,
    DURING,
    ELIGIBILITY,
    make_call,
    make_programme,
    make_topics,
    mentee_answers,
    mentor_answers,
    words,
)

pytestmark = pytest.mark.django_db

Status = Application.Status
PASSWORD = "lantern orchard pebble"
APPLICANT_EMAIL = "ada.applicant@example.ac.uk"


@pytest.fixture
def clock() -> Iterator[Any]:
    """The middle of the call's open period."""
    with time_machine.travel(DURING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def call(world: World, clock: Any) -> Call:
    make_programme(world.organisation)
    make_topics(world.scheme)
    return make_call(world.cohort)


@pytest.fixture
def applicant() -> User:
    return make_user("Ada Applicant", email=APPLICANT_EMAIL)


@pytest.fixture
def draft(call: Call, applicant: User) -> Application:
    return services.start_application_as(call, user=applicant)


@pytest.fixture
def as_applicant(client: Client, applicant: User, clock: Any) -> Client:
    # Signed in after the clock moves, or the session's absolute limit would end it.
    client.force_login(applicant)
    return client


def call_url(call: Call) -> str:
    return reverse("recruitment:call_public", args=[call.token])


def start_url(call: Call) -> str:
    return reverse("recruitment:start", args=[call.token])


def application_url(application: Application) -> str:
    return reverse("recruitment:application", args=[application.pk])


def verify_token(message: Any) -> str:
    found = re.search(r"/apply/verify/([^/\s]+)/", message.body)
    assert found, message.body
    return found.group(1)


def text(response: Any) -> str:
    return response.content.decode()


# --- The public call ----------------------------------------------------------------------


def test_call_page_before_opening_says_when_it_opens_and_offers_no_form(
    client: Client, world: World
) -> None:
    call = make_call(world.cohort)
    with time_machine.travel(BEFORE, tick=False):
        response = client.get(call_url(call))
    assert response.status_code == 200
    assert "Applications open at 9am on Monday 4 January 2027." in text(response)
    assert start_url(call) not in text(response)


def test_open_call_page_shows_the_call_and_a_start_form_to_visitors(
    client: Client, call: Call
) -> None:
    response = client.get(call_url(call))
    page = text(response)
    assert response.status_code == 200
    assert "Call for student mentors" in page
    assert "Pride Reverse Mentoring 2026/27" in page
    assert "<p>Mentor a senior member of staff.</p>\n\n<p>Your time is paid.</p>" in page
    assert all(statement in page for statement in ELIGIBILITY)
    assert "Student mentor" in page
    assert "5pm on Friday 29 January 2027" in page
    assert f'action="{start_url(call)}"' in page
    assert 'name="email"' in page
    assert f"/accounts/sign-in/?next={call_url(call)}" in page


def test_introduction_and_statements_are_shown_as_text_never_html(
    client: Client, world: World, clock: Any
) -> None:
    call = make_call(
        world.cohort,
        introduction="<script>alert(1)</script> {{7*7}}",
        eligibility=["<b>bold</b>"],
    )
    page = text(client.get(call_url(call)))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_closed_call_page_says_when_it_closed(client: Client, call: Call, clock: Any) -> None:
    clock.move_to(AFTER)
    response = client.get(call_url(call))
    assert "This call closed at 5pm on Friday 29 January 2027." in text(response)
    assert start_url(call) not in text(response)


def test_signed_in_visitors_get_a_start_button_then_a_link_to_their_application(
    as_applicant: Client, call: Call, applicant: User
) -> None:
    page = text(as_applicant.get(call_url(call)))
    assert "Start your application" in page
    assert 'name="email"' not in page

    application = services.start_application_as(call, user=applicant)
    page = text(as_applicant.get(call_url(call)))
    assert application_url(application) in page
    assert "Start your application" not in page


def test_an_unknown_call_is_not_found(client: Client, world: World) -> None:
    assert client.get(reverse("recruitment:call_public", args=["nope"])).status_code == 404


# --- Starting -----------------------------------------------------------------------------


def test_starting_signed_out_sends_exactly_one_email_even_on_a_double_submit(
    client: Client, call: Call
) -> None:
    data = {"name": "Ada Applicant", "email": "Ada.Applicant@Example.AC.uk"}
    first = client.post(start_url(call), data)
    second = client.post(start_url(call), data)

    assert first.status_code == second.status_code == 200
    assert "Check your email" in text(first)
    assert "24 hours" in text(first)
    assert EmailVerification.objects.count() == 1
    sent = sent_mail()
    assert len(sent) == 1
    assert sent[0].to == [APPLICANT_EMAIL]
    assert not User.objects.filter(email=APPLICANT_EMAIL).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "Ada", "email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"name": "Ada\r\nBcc: x@evil.test", "email": "ada@example.ac.uk"}, "on one line"),
        ({"name": "", "email": "ada@example.ac.uk"}, "Enter your full name."),
        ({"name": "Ada\x00", "email": "ada@example.ac.uk"}, "control characters"),
    ],
)
def test_bad_start_details_show_the_call_again_with_what_was_typed(
    client: Client, call: Call, data: dict[str, str], error: str
) -> None:
    response = client.post(start_url(call), data)
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert error in page
    assert "Call for student mentors" in page
    assert EmailVerification.objects.count() == 0
    assert sent_mail() == []
    if data["email"] == "not-an-email":
        assert 'value="not-an-email"' in page


def test_starting_on_a_closed_call_explains_and_sends_nothing(
    client: Client, call: Call, clock: Any
) -> None:
    clock.move_to(AFTER)
    response = client.post(start_url(call), {"name": "Ada", "email": APPLICANT_EMAIL}, follow=True)
    assert "This call has closed" in text(response)
    assert EmailVerification.objects.count() == 0
    assert sent_mail() == []


def test_start_only_accepts_posts(client: Client, call: Call) -> None:
    assert client.get(start_url(call)).status_code == 405


def test_signed_in_start_opens_one_draft_and_starting_again_returns_it(
    as_applicant: Client, call: Call, applicant: User
) -> None:
    first = as_applicant.post(start_url(call))
    second = as_applicant.post(start_url(call))

    application = Application.objects.get(call=call, applicant=applicant)
    assert application.status == Status.DRAFT
    assert first.url == second.url == application_url(application)


def test_cohort_members_are_told_they_already_take_part(
    client: Client, call: Call, world: World
) -> None:
    client.force_login(world.mentor)
    response = client.post(start_url(call), follow=True)
    assert "You are already part of this cohort." in text(response)
    assert not Application.objects.exists()


# --- Verifying the email address ----------------------------------------------------------


def start_signed_out(client: Client, call: Call, email: str = APPLICANT_EMAIL) -> str:
    client.post(start_url(call), {"name": "Ada Applicant", "email": email})
    return verify_token(sent_mail()[-1])


def verify(client: Client, token: str, **overrides: str) -> Any:
    data = {"pronouns": "she/her", "password1": PASSWORD, "password2": PASSWORD, **overrides}
    return client.post(reverse("recruitment:verify", args=[token]), data)


def test_the_link_creates_the_account_once_signs_in_and_opens_the_draft(
    client: Client, call: Call
) -> None:
    token = start_signed_out(client, call)
    page = client.get(reverse("recruitment:verify", args=[token]))
    assert "Create your account" in text(page)

    response = verify(client, token)

    user = User.objects.get(email=APPLICANT_EMAIL)
    application = Application.objects.get(applicant=user)
    assert (user.display_name, user.pronouns) == ("Ada Applicant", "she/her")
    assert response.url == application_url(application)
    assert client.get(application_url(application)).status_code == 200

    replay = Client().post(
        reverse("recruitment:verify", args=[token]),
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert replay.status_code == 410
    assert "This link has already been used" in text(replay)
    assert User.objects.filter(email=APPLICANT_EMAIL).count() == 1


def test_different_passwords_keep_the_pronouns_and_create_nothing(
    client: Client, call: Call
) -> None:
    token = start_signed_out(client, call)
    response = verify(client, token, password2="something else entirely")
    assert response.status_code == 200
    assert "The two passwords are different" in text(response)
    assert 'value="she/her"' in text(response)
    assert not User.objects.filter(email=APPLICANT_EMAIL).exists()


def test_a_short_password_is_refused(client: Client, call: Call) -> None:
    token = start_signed_out(client, call)
    response = verify(client, token, password1="short", password2="short")
    assert "There is a problem" in text(response)
    assert not User.objects.filter(email=APPLICANT_EMAIL).exists()


def test_unknown_and_expired_links_are_refused(client: Client, call: Call, clock: Any) -> None:
    assert client.get(reverse("recruitment:verify", args=["made-up"])).status_code == 404
    token = start_signed_out(client, call)
    clock.shift(services.VERIFICATION_VALID)
    response = verify(client, token)
    assert response.status_code == 410
    assert "This link has expired" in text(response)
    assert call_url(call) in text(response)
    assert not User.objects.filter(email=APPLICANT_EMAIL).exists()


def test_someone_with_an_account_is_asked_to_sign_in(
    client: Client, call: Call, applicant: User
) -> None:
    token = start_signed_out(client, call)
    response = client.get(reverse("recruitment:verify", args=[token]))
    assert "Sign in to continue" in text(response)
    assert f"/accounts/sign-in/?next={call_url(call)}" in text(response)
    assert verify(client, token).status_code == 200
    assert User.objects.filter(email=APPLICANT_EMAIL).count() == 1


# --- My applications and the home page ----------------------------------------------------


def test_my_applications_lists_only_my_own(
    as_applicant: Client, draft: Application, world: World, django_assert_max_num_queries: Any
) -> None:
    other = services.start_application_as(draft.call, user=make_user("Someone Else"))
    second = services.start_application_as(
        make_call(world.cohort, role="mentee"), user=draft.applicant
    )
    with django_assert_max_num_queries(10):
        response = as_applicant.get(reverse("recruitment:my_applications"))
    page = text(response)
    assert application_url(draft) in page
    assert application_url(second) in page
    assert application_url(other) not in page
    assert "Finish your answers and submit them by 5pm on Friday 29 January 2027." in page
    # Newest first, each under its call's title and cohort.
    assert page.index(application_url(second)) < page.index(application_url(draft))
    cohort = '<span class="muted cell-note">Pride Reverse Mentoring 2026/27</span>'
    assert f"{second.call.title}</a>{cohort}" in page


def test_home_shows_your_applications_with_the_next_step(
    as_applicant: Client, draft: Application
) -> None:
    page = text(as_applicant.get(reverse("home")))
    assert "Your applications" in page
    assert application_url(draft) in page
    assert "Draft" in page


def test_home_has_no_applications_section_for_people_without_any(
    client: Client, world: World
) -> None:
    client.force_login(world.mentee)
    assert "Your applications" not in text(client.get(reverse("home")))


# --- The application form -----------------------------------------------------------------


def test_the_mentor_form_asks_everything_with_an_accessible_week_grid(
    as_applicant: Client, draft: Application
) -> None:
    page = text(as_applicant.get(application_url(draft)))
    labels = [
        "Programme of study",
        "Year of study",
        "Why would you be a good mentor?",
        "Coming out at medical school",
        "How would you like to meet?",
        *ELIGIBILITY,
    ]
    assert all(label in page for label in labels)
    assert '<table class="grid">' in page
    assert '<span class="visually-hidden">Tuesday afternoon</span>' in page
    assert 'value="tue-pm"' in page
    assert "0 of 50 words" in page
    assert 'aria-describedby="id_statement_helptext id_statement_count"' in page
    assert "Save draft" in page and "Submit application" in page


def test_saving_a_draft_keeps_partial_answers_and_shows_the_word_count(
    as_applicant: Client, draft: Application, applicant: User
) -> None:
    response = as_applicant.post(
        application_url(draft),
        {"statement": words(12), "availability": ["mon-am", "fri-eve"], "pronouns": "she/her"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    applicant.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.availability == ["mon-am", "fri-eve"]
    assert applicant.pronouns == "she/her"
    page = text(as_applicant.get(application_url(draft)))
    assert "Your draft is saved." in page
    assert "12 of 50 words" in page
    assert re.search(r'value="fri-eve"[^>]*checked', page)
    assert not re.search(r'value="tue-pm"[^>]*checked', page)


def test_submitting_a_complete_application_emails_a_receipt(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    response = as_applicant.post(application_url(draft), mentor_answers(call, action="submit"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.eligibility_confirmed
    assert draft.year == 2
    assert [t.name for t in draft.topics.all()] == [
        "Coming out at medical school",
        "Names and pronouns",
    ]
    page = text(as_applicant.get(application_url(draft)))
    assert "Your application is submitted." in page
    assert "Submitted" in page
    assert "Save changes" in page and "Submit application" not in page
    assert [m.to for m in sent_mail()] == [[APPLICANT_EMAIL]]


def test_submitting_with_answers_missing_shows_each_and_keeps_what_was_typed(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    data = mentor_answers(
        call, action="submit", mode="", availability=[], topics=[], eligibility=["0"]
    )
    data["statement"] = "I am <b>bold</b> & brave"
    response = as_applicant.post(application_url(draft), data)
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose at least one topic, or describe your own." in page
    assert "Tick every statement to confirm you can take part." in page
    assert "Choose how you would like to meet." in page
    assert "Tick at least one time when you could usually meet." in page
    assert "I am &lt;b&gt;bold&lt;/b&gt; &amp; brave" in page
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.statement == ""


def test_submitting_without_ticking_eligibility_gives_one_clear_error(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    response = as_applicant.post(
        application_url(draft), mentor_answers(call, action="submit", eligibility=[])
    )
    page = text(response)
    error = re.search(r'id="id_eligibility_error">(.*?)</p>', page, re.S)
    assert error is not None, page
    assert " ".join(re.sub(r"<[^>]+>", " ", error.group(1)).split()) == (
        "Error: Tick every statement to confirm you can take part."
    )
    assert "This field is required." not in page
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_other_topics_are_enough_without_ticking_a_topic(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    data = mentor_answers(call, action="submit", topics=[], other_topics="Rural placements")
    as_applicant.post(application_url(draft), data)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_a_statement_over_the_limit_can_be_saved_as_a_draft_but_not_submitted(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    long = words(60)
    saved = as_applicant.post(application_url(draft), mentor_answers(call, statement=long))
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.statement == long
    page = text(as_applicant.get(application_url(draft)))
    assert "Your statement is 10 words over the limit" in page
    assert "60 of 50 words: 10 too many." in page

    refused = as_applicant.post(
        application_url(draft), mentor_answers(call, statement=long, action="submit")
    )
    assert refused.status_code == 200
    assert "Your statement has 60 words. Shorten it to 50 words or fewer." in text(refused)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_year_beyond_the_programme_is_refused(
    as_applicant: Client, draft: Application, call: Call, world: World
) -> None:
    short = make_programme(world.organisation, "Physician Associate", years=2)
    response = as_applicant.post(
        application_url(draft), mentor_answers(call, programme=short.pk, year="4")
    )
    assert "Physician Associate has 2 years: choose a year from 1 to 2." in text(response)
    draft.refresh_from_db()
    assert draft.year is None


def test_answers_from_another_organisation_are_refused(
    as_applicant: Client, draft: Application, call: Call, world: World
) -> None:
    theirs = make_programme(world.other_scheme.organisation, "Elsewhere MBBS")
    response = as_applicant.post(application_url(draft), mentor_answers(call, programme=theirs.pk))
    assert "Select a valid choice." in text(response)
    draft.refresh_from_db()
    assert draft.programme is None


def test_posting_extra_fields_changes_nothing_else(
    as_applicant: Client, draft: Application, call: Call, world: World
) -> None:
    other_call = make_call(world.cohort, role="mentee")
    data = mentor_answers(call, availability=["tue-pm"], eligibility=[])
    data.update(
        status="accepted", applicant=world.coordinator.pk, call=other_call.pk, job_title="Dean",
        submitted_at="2020-01-01", eligibility_confirmed="on",
    )  # fmt: skip
    as_applicant.post(application_url(draft), data)
    draft.refresh_from_db()
    assert (draft.status, draft.applicant, draft.call) == (Status.DRAFT, draft.applicant, call)
    assert draft.job_title == ""
    assert draft.submitted_at is None
    assert draft.eligibility_confirmed is False
    assert draft.version == 2


def test_unknown_availability_slots_are_refused(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    response = as_applicant.post(
        application_url(draft), mentor_answers(call, availability=["sat-am"])
    )
    assert "Select a valid choice." in text(response)
    draft.refresh_from_db()
    assert draft.availability == []


def test_script_typed_anywhere_is_shown_as_text(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    script = "<script>alert('x')</script>"
    data = mentor_answers(call, statement=script, other_topics=script, access_needs=script)
    data["pronouns"] = "<i>x</i>"
    as_applicant.post(application_url(draft), data)
    page = text(as_applicant.get(application_url(draft)))
    assert "<script>alert" not in page
    assert "<i>x</i>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_a_service_refusal_is_shown_as_a_problem_and_keeps_what_was_typed(
    as_applicant: Client, draft: Application, call: Call, monkeypatch: Any
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise services.RecruitmentError("Something changed: try again.")

    monkeypatch.setattr(services, "submit_application", refuse)
    data = mentor_answers(call, action="submit", other_topics="Rural placements")
    response = as_applicant.post(application_url(draft), data)
    assert response.status_code == 200
    assert "Something changed: try again." in text(response)
    assert "Rural placements" in text(response)


def test_a_mentee_gives_their_role_and_whom_they_teach(
    client: Client, world: World, clock: Any
) -> None:
    programme = make_programme(world.organisation)
    call = make_call(world.cohort, role="mentee")
    staff = make_user("Dr Sam Staff")
    application = services.start_application_as(call, user=staff)
    client.force_login(staff)

    page = text(client.get(application_url(application)))
    assert "Which students do you teach, assess, examine or supervise?" in page
    assert '<span class="visually-hidden">MBBS year 5</span>' in page

    client.post(application_url(application), mentee_answers(call, action="submit"))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.teaching == [
        {"programme": programme.pk, "year": 3},
        {"programme": programme.pk, "year": 4},
    ]
    assert (application.job_title, application.seniority) == ("Professor of Surgery", "professor")


def test_a_mentee_cannot_claim_a_year_the_programme_does_not_have(
    client: Client, world: World, clock: Any
) -> None:
    programme = make_programme(world.organisation, years=2)
    call = make_call(world.cohort, role="mentee")
    staff = make_user()
    application = services.start_application_as(call, user=staff)
    client.force_login(staff)
    response = client.post(
        application_url(application), mentee_answers(call, teaching=[f"{programme.pk}-5"])
    )
    assert "Select a valid choice." in text(response)


@pytest.mark.parametrize("who", ["mentor", "coordinator", "cohort_coordinator", "outsider"])
def test_someone_elses_application_is_not_found(
    client: Client, world: World, draft: Application, call: Call, who: str
) -> None:
    client.force_login(getattr(world, who))
    assert client.get(application_url(draft)).status_code == 404
    posted = client.post(application_url(draft), mentor_answers(call, action="submit"))
    assert posted.status_code == 404
    for name in ("withdraw", "equality"):
        url = reverse(f"recruitment:{name}", args=[draft.pk])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_after_the_call_closes_answers_are_read_only_and_posts_change_nothing(
    as_applicant: Client, draft: Application, call: Call, clock: Any, applicant: User
) -> None:
    as_applicant.post(application_url(draft), mentor_answers(call, action="submit"))
    clock.move_to(AFTER)
    as_applicant.force_login(applicant)

    page = text(as_applicant.get(application_url(draft)))
    assert '<form method="post" novalidate class="application-form">' not in page
    assert "can no longer be changed" in page
    assert "Tuesday afternoon, Thursday evening" in page

    response = as_applicant.post(
        application_url(draft), mentor_answers(call, statement="Changed after closing")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.statement == words(30)
    assert "This application can no longer be changed." in text(as_applicant.get(response.url))


def test_a_decided_application_is_read_only(
    as_applicant: Client, draft: Application, call: Call, world: World
) -> None:
    as_applicant.post(application_url(draft), mentor_answers(call, action="submit"))
    services.decide([draft], outcome="waitlisted", by=world.coordinator)
    page = text(as_applicant.get(application_url(draft)))
    assert "Waiting list" in page
    assert 'class="application-form"' not in page


def test_a_shortlisted_applicant_sees_submitted(
    as_applicant: Client, draft: Application, call: Call, world: World
) -> None:
    as_applicant.post(application_url(draft), mentor_answers(call, action="submit"))
    services.decide([draft], outcome="shortlisted", by=world.coordinator)
    page = text(as_applicant.get(reverse("recruitment:my_applications")))
    assert "Submitted" in page
    assert "Shortlisted" not in page


# --- Withdrawing --------------------------------------------------------------------------


def test_withdrawing_asks_first_then_withdraws(as_applicant: Client, draft: Application) -> None:
    url = reverse("recruitment:withdraw", args=[draft.pk])
    confirm = as_applicant.get(url)
    assert "Withdraw your application?" in text(confirm)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT

    response = as_applicant.post(url)
    assert response.url == application_url(draft)
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN
    page = text(as_applicant.get(application_url(draft)))
    assert "You withdrew this application." in page
    assert url not in page
    assert as_applicant.get(url).status_code == 302


def test_a_save_from_a_stale_tab_is_refused_and_the_newer_answers_survive(
    world: World, client: Any
) -> None:
    call = make_call(world.cohort)
    with time_machine.travel(DURING):
        application = services.start_application_as(call, user=world.nobody)
        stale = application.version
        services.save_answers(
            application, by=world.nobody, answers={"access_needs": "Step-free access"}
        )
        with pytest.raises(services.RecruitmentError, match="another window"):
            services.save_answers(
                application, by=world.nobody, answers={"access_needs": "None"}, version=stale
            )
    application.refresh_from_db()
    assert selectors.access_needs_of(application) == "Step-free access"


def test_a_verification_link_opened_while_signed_in_as_someone_else_signs_nobody_in(
    world: World, client: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from flipside.accounts.models import hash_token

    call = make_call(world.cohort)
    EmailVerification.objects.create(
        call=call, email="new.student@example.ac.uk", name="New Student",
        token_hash=hash_token("other-person"), expires_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    client.force_login(world.mentor)
    response = client.get(reverse("recruitment:verify", args=["other-person"]))
    assert response.status_code == 409
    assert b"signed in as someone else" in response.content
    assert client.get(reverse("home")).context["user"] == world.mentor


# --- Answers that help suggest a partner --------------------------------------------------

CONFLICT_SENTINEL = "CONFLICT-SENTINEL-4K9 Dr Never Pair"


def checked(page: str, value: str) -> bool:
    return bool(re.search(rf'value="{re.escape(value)}"[^>]*checked', page))


def mentee_draft(world: World) -> tuple[Call, Application, User]:
    call = make_call(world.cohort, role="mentee")
    staff = make_user("Dr Sam Staff")
    return call, services.start_application_as(call, user=staff), staff


def test_a_mentor_gives_their_placement_wishes_and_conflicts_and_sees_them_again(
    as_applicant: Client, draft: Application, call: Call, clock: Any, applicant: User
) -> None:
    page = text(as_applicant.get(application_url(draft)))
    for label in (
        "Current placement or clinical team",
        "What would you like in a partner?",
        "Someone based at a different site from mine",
        "Is there anyone you should not be paired with?",
        "someone who supervises or assesses you, a relative or a friend",
        "only the scheme&#x27;s coordinators see it",
    ):
        assert label in page, label

    data = mentor_answers(
        call,
        action="submit",
        department="Cardiology, Northbridge General",
        preferences=["not_my_programme", "other_site"],
        conflicts="  Dr Rosa Tutor \r\n\r\nmy.aunt@nhs.example\n",
    )
    assert as_applicant.post(application_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.department == "Cardiology, Northbridge General"
    assert draft.preferences == ["other_site", "not_my_programme"]
    assert draft.conflicts == "Dr Rosa Tutor\nmy.aunt@nhs.example"

    page = text(as_applicant.get(application_url(draft)))
    assert 'value="Cardiology, Northbridge General"' in page
    assert checked(page, "other_site") and checked(page, "not_my_programme")
    assert not checked(page, "same_site")
    assert "Dr Rosa Tutor\nmy.aunt@nhs.example</textarea>" in page

    clock.move_to(AFTER)
    as_applicant.force_login(applicant)
    page = text(as_applicant.get(application_url(draft)))
    assert "<dt>Current placement or clinical team</dt><dd>Cardiology, Northbridge General" in page
    assert (
        "<dt>What you would like in a partner</dt><dd>Someone based at a different site from "
        "mine; Someone from outside my own programme, specialty or department</dd>"
    ) in page
    assert (
        "<dt>People you should not be paired with</dt><dd>Dr Rosa Tutor<br>my.aunt@nhs.example"
    ) in page


def test_a_draft_keeps_wishes_and_conflicts_and_they_can_be_cleared(
    as_applicant: Client, draft: Application
) -> None:
    as_applicant.post(
        application_url(draft), {"preferences": ["same_site"], "conflicts": "Dr Rosa Tutor"}
    )
    draft.refresh_from_db()
    assert (draft.status, draft.preferences, draft.conflicts) == (
        Status.DRAFT,
        ["same_site"],
        "Dr Rosa Tutor",
    )
    as_applicant.post(application_url(draft), {"conflicts": "  \n "})
    draft.refresh_from_db()
    assert (draft.preferences, draft.conflicts) == ([], "")


def test_a_mentee_gives_what_they_hope_to_understand_wishes_and_conflicts(
    client: Client, world: World, clock: Any
) -> None:
    make_programme(world.organisation)
    topics = make_topics(world.scheme)
    call, application, staff = mentee_draft(world)
    client.force_login(staff)

    page = text(client.get(application_url(application)))
    assert "What would you most like to understand?" in page
    assert "Names and pronouns" in page
    assert "a student you supervise or examine, or a relative" in page

    data = mentee_answers(
        call,
        action="submit",
        topics=[topics[2].pk, topics[0].pk],
        preferences=["same_site"],
        conflicts="Alex Student\nalex.relative@example.ac.uk",
    )
    assert client.post(application_url(application), data).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert [t.name for t in application.topics.all()] == [
        "Coming out at medical school",
        "Placements",
    ]
    assert application.preferences == ["same_site"]
    assert application.conflicts == "Alex Student\nalex.relative@example.ac.uk"

    page = text(client.get(application_url(application)))
    assert checked(page, str(topics[0].pk)) and checked(page, str(topics[2].pk))
    assert not checked(page, str(topics[1].pk))
    assert checked(page, "same_site")
    assert "Alex Student\nalex.relative@example.ac.uk</textarea>" in page

    clock.move_to(AFTER)
    client.force_login(staff)
    page = text(client.get(application_url(application)))
    assert (
        "<dt>What you would most like to understand</dt>"
        "<dd>Coming out at medical school, Placements</dd>"
    ) in page
    assert "<dd>Someone based at the same site as me</dd>" in page
    assert "<dd>Alex Student<br>alex.relative@example.ac.uk</dd>" in page


def test_a_mentee_is_not_asked_about_topics_when_the_scheme_has_none(
    client: Client, world: World, clock: Any
) -> None:
    make_programme(world.organisation)
    call, application, staff = mentee_draft(world)
    client.force_login(staff)
    assert "What would you most like to understand?" not in text(
        client.get(application_url(application))
    )
    client.post(application_url(application), mentee_answers(call, action="submit"))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_the_same_site_and_a_different_site_together_are_refused_keeping_the_input(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    data = mentor_answers(
        call,
        preferences=["same_site", "other_site", "not_my_programme"],
        conflicts="Dr Rosa Tutor",
        department="Surgery",
    )
    response = as_applicant.post(application_url(draft), data)
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose someone at the same site or someone at a different site, not both." in page
    assert 'aria-describedby="id_preferences_helptext id_preferences_error"' in page
    assert all(checked(page, c) for c in ("same_site", "other_site", "not_my_programme"))
    assert "Dr Rosa Tutor</textarea>" in page
    assert 'value="Surgery"' in page
    draft.refresh_from_db()
    assert (draft.preferences, draft.conflicts, draft.department, draft.version) == ([], "", "", 1)


@pytest.mark.parametrize(
    ("conflicts", "error"),
    [
        (
            "\n".join(f"Person {n}" for n in range(21)),
            "You listed 21 people. List 20 or fewer, one a line.",
        ),
        (
            "Dr Rosa Tutor\n\n" + "x" * 151,
            "Line 3 is too long. Give one name or email address a line, in 150 characters or "
            "fewer.",
        ),
        ("Dr Rosa\x07 Tutor", "Remove the invisible control characters from this text."),
    ],
)
def test_too_many_or_too_long_conflicts_are_refused_keeping_the_input(
    as_applicant: Client, draft: Application, call: Call, conflicts: str, error: str
) -> None:
    response = as_applicant.post(application_url(draft), mentor_answers(call, conflicts=conflicts))
    page = text(response)
    assert response.status_code == 200
    assert error in page
    assert 'id="id_conflicts_error"' in page
    if "\x07" not in conflicts:
        assert f"{conflicts}</textarea>" in page
    draft.refresh_from_db()
    assert draft.conflicts == ""


def test_twenty_conflicts_of_150_characters_are_accepted(
    as_applicant: Client, draft: Application, call: Call
) -> None:
    conflicts = "\n".join(f"{n:02d}" + "x" * 148 for n in range(20))
    as_applicant.post(application_url(draft), mentor_answers(call, conflicts=conflicts))
    draft.refresh_from_db()
    assert draft.conflicts == conflicts


def test_conflicts_are_seen_only_by_the_applicant_and_coordinators(
    client: Client, world: World, draft: Application, call: Call, applicant: User, clock: Any
) -> None:
    data = mentor_answers(call, action="submit", conflicts=CONFLICT_SENTINEL)
    client.force_login(applicant)
    client.post(application_url(draft), data)
    draft.refresh_from_db()
    assert draft.conflicts == CONFLICT_SENTINEL
    assert CONFLICT_SENTINEL in text(client.get(application_url(draft)))

    review_url = reverse("recruitment:review", args=[draft.pk])
    for coordinator in (world.coordinator, world.org_coordinator, world.cohort_coordinator):
        client.force_login(coordinator)
        page = text(client.get(review_url))
        assert CONFLICT_SENTINEL in page, coordinator
        assert "Private: only coordinators see this." in page

    rival = make_user("Rita Rival")
    theirs = services.start_application_as(call, user=rival)
    pages = [
        application_url(draft),
        review_url,
        reverse("recruitment:applications", args=[call.pk]),
        reverse("recruitment:export", args=[call.pk, "csv"]),
        reverse("recruitment:my_applications"),
        reverse("home"),
        call_url(call),
        reverse("home:cohort", args=[world.cohort.pk]),
        reverse("schemes:cohort_people", args=[world.cohort.pk]),
    ]
    for person in (rival, world.mentor, world.mentee, world.observer, world.outsider):
        client.force_login(person)
        if person == rival:
            assert client.get(application_url(theirs)).status_code == 200
        for url in pages:
            response = client.get(url)
            assert CONFLICT_SENTINEL.encode() not in response.content, (person, url)
            if url in (application_url(draft), review_url):
                assert response.status_code == 404, (person, url)


@pytest.mark.parametrize(
    ("stage", "step"),
    [
        ("training", "You have a place in {c}. Your coordinator will email you about training."),
        ("matching", "You have a place in {c}. You will be told who your partner is soon."),
        ("running", "You are taking part in {c}."),
        ("closed", "You took part in {c}."),
    ],
)
def test_an_accepted_application_says_what_comes_next_as_the_cohort_moves_on(
    as_applicant: Client, draft: Application, stage: str, step: str
) -> None:
    Application.objects.filter(pk=draft.pk).update(status=Application.Status.ACCEPTED)
    cohort = draft.call.cohort
    type(cohort).objects.filter(pk=cohort.pk).update(stage=stage)
    page = text(as_applicant.get(reverse("home")))
    assert step.format(c=cohort) in page


# --- Access needs, stored encrypted -------------------------------------------------------


def tamper_access_needs(application: Application) -> None:
    token = Application.objects.values_list("access_needs_ciphertext", flat=True).get(
        pk=application.pk
    )
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    Application.objects.filter(pk=application.pk).update(access_needs_ciphertext=tampered)


def test_access_needs_are_stored_encrypted_and_shown_back_to_the_applicant(
    as_applicant: Client, draft: Application, call: Call, clock: Any, applicant: User
) -> None:
    needs = "Captions in online meetings: ACCESS-WORDS"
    as_applicant.post(application_url(draft), mentor_answers(call, access_needs=needs))
    stored = Application.objects.values_list("access_needs_ciphertext", flat=True).get(pk=draft.pk)
    assert "ACCESS-WORDS" not in stored and "Captions" not in stored
    draft.refresh_from_db()
    assert selectors.access_needs_of(draft) == needs
    assert needs in text(as_applicant.get(application_url(draft)))  # the form, filled in
    as_applicant.post(
        application_url(draft), mentor_answers(call, access_needs=needs, action="submit")
    )
    clock.move_to(AFTER)
    as_applicant.force_login(applicant)
    assert needs in text(as_applicant.get(application_url(draft)))  # the answers, read only


def test_tampered_access_needs_say_they_cannot_be_read_and_break_no_page(
    as_applicant: Client, draft: Application, call: Call, clock: Any, applicant: User
) -> None:
    as_applicant.post(
        application_url(draft), mentor_answers(call, access_needs="Step-free", action="submit")
    )
    tamper_access_needs(draft)
    draft.refresh_from_db()
    assert selectors.access_needs_of(draft) is None
    response = as_applicant.get(application_url(draft))
    assert response.status_code == 200 and "Step-free" not in text(response)
    clock.move_to(AFTER)
    as_applicant.force_login(applicant)
    response = as_applicant.get(application_url(draft))
    assert response.status_code == 200 and "This can no longer be read." in text(response)
