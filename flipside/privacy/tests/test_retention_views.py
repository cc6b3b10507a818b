"""The retention schedule page of a scheme and the legal holds page of an organisation:
who may use them, what they save, bad input and stale or doubled posts."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, join, make_user, response_text
from flipside.privacy.models import AuditEntry, LegalHold, RetentionSchedule
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db

VALUES = {
    "applications_months": "3",
    "participants_months": "36",
    "journals_months": "6",
    "payments_years": "7",
    "audit_months": "24",
}


def schedule_url(world: World) -> str:
    return reverse("privacy:retention", args=[world.scheme.pk])


def holds_url(world: World) -> str:
    return reverse("privacy:holds", args=[world.organisation.pk])


def test_the_page_shows_each_class_its_default_and_what_happens(
    client: Client, world: World
) -> None:
    client.force_login(world.coordinator)
    text = response_text(client.get(schedule_url(world)))
    assert "Private journals" in text and "the pair ends" in text
    assert "anonymised: names and links to people removed" in text
    client.post(schedule_url(world), {**VALUES, "version": "0"})
    text = response_text(client.get(schedule_url(world)))
    # Payment records: the default beside this scheme's own value.
    assert re.search(r"<td>6 years</td>\s*<td>7 years</td>", text)
    assert re.search(r"<td>6 months</td>\s*<td>3 months</td>", text)


def test_a_coordinator_saves_the_schedule_and_it_is_audited(client: Client, world: World) -> None:
    client.force_login(world.coordinator)
    response = client.post(schedule_url(world), {**VALUES, "version": "0"})
    assert response.status_code == 302 and response["Location"] == schedule_url(world)
    saved = RetentionSchedule.objects.get(scheme=world.scheme)
    assert (saved.applications_months, saved.participants_months, saved.payments_years) == (
        3,
        36,
        7,
    )
    entry = AuditEntry.objects.get(action="privacy.retention_schedule.changed")
    assert entry.details["payments_years"] == [6, 7]
    # The same form sent twice changes nothing more.
    client.post(schedule_url(world), {**VALUES, "version": "0"})
    assert RetentionSchedule.objects.get(scheme=world.scheme).version == saved.version
    assert AuditEntry.objects.filter(action="privacy.retention_schedule.changed").count() == 1


def test_pay_below_the_legal_six_years_is_refused_and_the_input_kept(
    client: Client, world: World
) -> None:
    client.force_login(world.coordinator)
    response = client.post(
        schedule_url(world),
        {**VALUES, "payments_years": "5", "journals_months": "9", "version": "0"},
    )
    assert response.status_code == 200
    text = response_text(response)
    assert "greater than or equal to 6" in text
    assert 'value="9"' in response.content.decode()
    assert not RetentionSchedule.objects.exists()


def test_a_stale_edit_is_refused_and_shows_what_is_saved_now(client: Client, world: World) -> None:
    client.force_login(world.coordinator)
    client.post(schedule_url(world), {**VALUES, "version": "0"})
    response = client.post(schedule_url(world), {**VALUES, "audit_months": "60", "version": "0"})
    assert response.status_code == 200
    assert "Someone else changed this schedule" in response_text(response)
    assert RetentionSchedule.objects.get(scheme=world.scheme).audit_months == 24


def test_only_the_schemes_coordinators_reach_the_schedule(client: Client, world: World) -> None:
    for person in (world.outsider, world.mentor, world.cohort_coordinator):
        client.force_login(person)
        assert client.post(schedule_url(world), {**VALUES, "version": "0"}).status_code == 404
    assert not RetentionSchedule.objects.exists()


def test_an_organisation_coordinator_holds_a_person_found_by_search_then_lifts_it(
    client: Client, world: World
) -> None:
    client.force_login(world.org_coordinator)
    found = client.get(
        reverse("privacy:hold_people", args=[world.organisation.pk]), {"q": "Mo Ment"}
    )
    assert world.mentor.email in response_text(found)
    form = {"hold-kind": "person", "hold-person": world.mentor.pk, "hold-reason": "Complaint"}
    response = client.post(holds_url(world), form)
    assert response.status_code == 302
    client.post(holds_url(world), form)  # a double submit
    hold = LegalHold.objects.get()
    assert (hold.user, hold.organisation, hold.placed_by) == (
        world.mentor,
        world.organisation,
        world.org_coordinator,
    )
    assert "Complaint" in response_text(client.get(holds_url(world)))

    lift = reverse("privacy:hold_lift", args=[hold.pk])
    assert client.post(lift).status_code == 302
    client.post(lift)
    hold.refresh_from_db()
    assert hold.lifted_by == world.org_coordinator and hold.lifted_at is not None
    actions = list(
        AuditEntry.objects.filter(object_type="privacy.legalhold").values_list("action", flat=True)
    )
    assert actions == ["privacy.legal_hold.placed", "privacy.legal_hold.lifted"]


def test_a_scheme_can_be_held_but_not_another_organisations_people_or_schemes(
    client: Client, world: World
) -> None:
    stranger = join(world.other_cohort, Role.MENTOR, make_user("Sam Stranger"))
    client.force_login(world.org_coordinator)
    response = client.post(
        holds_url(world), {"hold-kind": "person", "hold-person": stranger.pk, "hold-reason": "x"}
    )
    assert response.status_code == 200 and not LegalHold.objects.exists()
    response = client.post(
        holds_url(world),
        {"hold-kind": "scheme", "hold-scheme": world.other_scheme.pk, "hold-reason": "x"},
    )
    assert response.status_code == 200 and not LegalHold.objects.exists()
    response = client.post(holds_url(world), {"hold-kind": "scheme", "hold-reason": "Claim"})
    assert "Choose the scheme" in response_text(response)
    assert "Claim" in response.content.decode()
    client.post(
        holds_url(world),
        {"hold-kind": "scheme", "hold-scheme": world.scheme.pk, "hold-reason": "Claim"},
    )
    assert LegalHold.objects.get().scheme == world.scheme


def test_scheme_coordinators_and_others_cannot_place_see_or_lift_holds(
    client: Client, world: World
) -> None:
    hold = LegalHold.objects.create(
        organisation=world.organisation, scheme=world.scheme, reason="x"
    )
    for person in (world.coordinator, world.outsider, world.mentor):
        client.force_login(person)
        assert client.get(holds_url(world)).status_code == 404
        assert client.post(reverse("privacy:hold_lift", args=[hold.pk])).status_code == 404
    hold.refresh_from_db()
    assert hold.lifted_at is None
