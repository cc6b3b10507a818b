"""The privacy page: a person's own consents, one-click withdrawal and "leave me out"."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, make_cohort, response_text
from flipside.privacy.consent import is_left_out
from flipside.privacy.models import ConsentRecord, EqualityRecord
from flipside.privacy.services import leave_out_of_equality_monitoring, save_equality_answers

pytestmark = pytest.mark.django_db

PAGE = reverse("privacy:page")
LEAVE_OUT = reverse("privacy:leave_out")
INCLUDE = reverse("privacy:include")
SENTINEL = "Zq7-sentinel-consent-4pW"


def give(user: object, cohort: object) -> ConsentRecord:
    save_equality_answers(
        user,
        cohort,
        answers={"ethnicity": "self_describe", "ethnicity_description": SENTINEL},
        consent=True,
        asked=["ethnicity", "disability"],
    )
    return ConsentRecord.objects.filter(user=user).latest("id")


def withdraw_url(record: ConsentRecord) -> str:
    return reverse("privacy:withdraw", args=[record.pk])


@pytest.fixture
def as_mentor(client: Client, world: World) -> Client:
    client.force_login(world.mentor)
    return client


def test_the_page_lists_the_persons_consents_and_never_their_answers(
    as_mentor: Client, world: World
) -> None:
    give(world.mentor, world.cohort)
    give(world.mentee, world.other_cohort)

    page = response_text(as_mentor.get(PAGE))

    assert f"Equality monitoring in {world.cohort}" in page
    assert "my ethnic group; any disability or long-term condition" in page
    assert "Version 2026-09" in page
    assert "Withdraw my consent and delete my answers" in page
    assert "Leave me out of equality monitoring" in page
    assert str(world.other_cohort) not in page  # the mentee's consent is theirs alone
    assert SENTINEL not in page


def test_withdrawing_is_one_post_that_deletes_the_answers_and_confirms(
    as_mentor: Client, world: World
) -> None:
    record = give(world.mentor, world.cohort)

    response = as_mentor.post(withdraw_url(record), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "You have withdrawn your consent. We no longer use it." in response_text(response)
    assert not EqualityRecord.objects.exists()
    assert list(ConsentRecord.objects.values_list("event", flat=True)) == ["given", "withdrawn"]
    assert "Withdrawn: your answers are deleted and not counted" in response_text(response)


def test_a_double_submitted_withdrawal_records_one_withdrawal(
    as_mentor: Client, world: World
) -> None:
    record = give(world.mentor, world.cohort)

    as_mentor.post(withdraw_url(record))
    second = as_mentor.post(withdraw_url(record), follow=True)

    assert "That consent was already withdrawn." in response_text(second)
    assert ConsentRecord.objects.filter(event="withdrawn").count() == 1


def test_get_never_withdraws_or_leaves_out(as_mentor: Client, world: World) -> None:
    record = give(world.mentor, world.cohort)

    assert as_mentor.get(withdraw_url(record)).status_code == 405
    assert as_mentor.get(LEAVE_OUT).status_code == 405
    assert as_mentor.get(INCLUDE).status_code == 405

    assert EqualityRecord.objects.count() == 1
    assert ConsentRecord.objects.count() == 1


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(world: World) -> None:
    record = give(world.mentor, world.cohort)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.mentor)

    assert client.post(withdraw_url(record)).status_code == 403
    assert client.post(LEAVE_OUT).status_code == 403

    assert EqualityRecord.objects.count() == 1
    assert not is_left_out(world.mentor)


def test_someone_elses_consent_is_not_found_and_stands(client: Client, world: World) -> None:
    record = give(world.mentor, world.cohort)
    for person in (world.mentee, world.coordinator, world.observer, world.outsider):
        client.force_login(person)
        assert client.post(withdraw_url(record)).status_code == 404
    for missing in (str(record.pk + 1000), str(2**62), "-1", "abc"):
        assert client.post(f"/privacy/consents/{missing}/withdraw/").status_code == 404

    assert EqualityRecord.objects.count() == 1
    assert ConsentRecord.objects.count() == 1


def test_leave_me_out_deletes_answers_in_every_cohort_and_can_be_undone(
    as_mentor: Client, world: World
) -> None:
    later = make_cohort(world.scheme, label="2027/28")
    give(world.mentor, world.cohort)
    give(world.mentor, later)

    response = as_mentor.post(LEAVE_OUT, follow=True)

    assert "You are now left out of equality monitoring." in response_text(response)
    assert "Ask me the questions again" in response_text(response)
    assert not EqualityRecord.objects.exists()
    assert is_left_out(world.mentor)
    assert as_mentor.post(LEAVE_OUT).status_code == 302  # a double submit changes nothing more
    assert ConsentRecord.objects.filter(purpose="equality_questions").count() == 1

    as_mentor.post(INCLUDE)
    assert not is_left_out(world.mentor)
    assert "Leave me out of equality monitoring" in response_text(as_mentor.get(PAGE))


def test_a_person_with_no_consents_is_told_so(as_mentor: Client) -> None:
    assert "You have not given or withdrawn any consent" in response_text(as_mentor.get(PAGE))


def test_the_page_reads_a_bounded_number_of_times(
    as_mentor: Client, world: World, django_assert_max_num_queries: object
) -> None:
    for label in ("2027/28", "2028/29", "2029/30"):
        give(world.mentor, make_cohort(world.scheme, label=label))
    leave_out_of_equality_monitoring(world.mentor)

    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert as_mentor.get(PAGE).status_code == 200
