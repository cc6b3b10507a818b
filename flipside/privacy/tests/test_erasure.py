"""Erasure: every table is covered, legal holds refuse it, names shared with other people are
left alone, and the coordinator's pages (find, review, confirm) behave."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import make_user, response_text
from flipside.notifications.models import OutboxMessage
from flipside.privacy import audit, deletion, erasure, inventory
from flipside.privacy.models import AuditEntry, DeletionRecord, LegalHold
from flipside.schemes.models import Membership

pytestmark = pytest.mark.django_db


def test_every_table_that_identifies_a_person_says_how_erasure_handles_it() -> None:
    declared = {rule.label for rule in erasure.rules()}
    identifying = {entry.label for entry in inventory.entries() if entry.identifies}
    assert identifying - declared == set()
    assert declared - {entry.label for entry in inventory.entries()} == set()


def test_erasure_is_registered_for_replay_after_a_restore(world: Any) -> None:
    assert erasure.erase_again in deletion.erasers()
    erasure.erase(world.mentor, by=world.org_coordinator, reference="R1")
    records = DeletionRecord.objects.count()
    entries = AuditEntry.objects.count()
    assert erasure.erase_again(world.mentor.pk) is not None
    assert (DeletionRecord.objects.count(), AuditEntry.objects.count()) == (records, entries)


@pytest.mark.parametrize("on", ["person", "scheme"])
def test_a_legal_hold_on_the_person_or_their_scheme_refuses_erasure(world: Any, on: str) -> None:
    target = {"user": world.mentor} if on == "person" else {"scheme": world.scheme}
    LegalHold.objects.create(reason="Tribunal", placed_by=world.org_coordinator, **target)
    with pytest.raises(erasure.ErasureRefused, match="legal hold"):
        erasure.erase(world.mentor, by=world.org_coordinator, reference="R1")
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Mo Mentor"
    assert not DeletionRecord.objects.exists()


def test_a_lifted_hold_no_longer_refuses(world: Any) -> None:
    LegalHold.objects.create(reason="Tribunal", user=world.mentor, lifted_at="2026-01-01T00:00:00Z")
    assert erasure.erase(world.mentor, by=world.org_coordinator, reference="R1").done


def test_only_the_persons_own_names_are_replaced_in_other_peoples_text(world: Any) -> None:
    person = make_user("Alex Smithers", email="alex.smithers@example.ac.uk")
    make_user("Alex Jones", email="alex.jones@example.ac.uk")
    Membership.objects.create(cohort=world.cohort, user=person, role="mentor")
    message = OutboxMessage.objects.create(
        kind="test",
        to=world.mentee.email,
        subject="About Alex Smithers",
        body_text="Alex Jones met alex smithers; Smithers agreed. Write to "
        "ALEX.SMITHERS@example.ac.uk. Smithersby is a place.",
    )
    erasure.erase(person, by=world.org_coordinator, reference="R1")
    message.refresh_from_db()
    assert message.subject == "About Erased person"
    assert message.body_text == (
        "Alex Jones met Erased person; Erased person agreed. Write to "
        "Erased person. Smithersby is a place."
    )


def test_the_audit_entry_of_an_erasure_does_not_name_the_person(world: Any) -> None:
    audit.record(world.mentor, "accounts.profile.updated", world.mentor, name="Mo Mentor")
    erasure.erase(world.mentor, by=world.org_coordinator, reference="Mo Mentor's request 7")
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    assert entry.action == "privacy.person.erased"
    assert entry.object_label == "Erased person"
    assert entry.details["reference"] == "Erased person's request 7"
    assert not AuditEntry.objects.filter(object_label__icontains="Mo Mentor").exists()
    assert not AuditEntry.objects.filter(actor_label__icontains="mentor@example").exists()
    assert audit.verify_chain() == []


def test_an_erasure_entry_cannot_excuse_a_change_made_after_it(world: Any) -> None:
    erasure.erase(world.mentor, by=world.org_coordinator, reference="R1")
    later = audit.record(world.mentee, "accounts.profile.updated", world.mentee)
    AuditEntry.objects.filter(pk=later.pk).update(object_label="changed")
    assert audit.verify_chain() == [later.pk]


# --- The coordinator's pages --------------------------------------------------------------------


def test_an_organisation_coordinator_finds_reviews_and_erases_a_person(
    world: Any, client: Any
) -> None:
    client.force_login(world.org_coordinator)
    found = client.get(reverse("privacy:erasure_find"), {"q": "mo ment"})
    assert found.status_code == 200
    page = reverse("privacy:erasure", args=[world.mentor.pk])
    assert page in response_text(found)
    everyone = client.get(reverse("privacy:erasure_find"), {"q": "o"})
    assert "Otto Outsider" not in response_text(everyone)

    review = client.get(page)
    text = response_text(review)
    assert "Kept, with an erased person in their place" in text
    assert "Places in cohorts: 1" in text
    assert "Type ERASE to confirm" in text

    wrong = client.post(page, {"reference": "DPO-7", "confirm": "yes"})
    assert wrong.status_code == 200
    assert "Type ERASE to confirm." in response_text(wrong)
    assert 'value="DPO-7"' in response_text(wrong)
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Mo Mentor"

    done = client.post(page, {"reference": "DPO-7", "confirm": "erase"})
    assert done.status_code == 302
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Erased person"
    again = client.post(page, {"reference": "DPO-7", "confirm": "erase"})
    assert again.status_code == 302
    assert AuditEntry.objects.filter(action="privacy.person.erased").count() == 1
    # An erased person is no longer offered, whatever is typed.
    for typed in ("erased", "invalid", world.mentor.email):
        assert page not in response_text(client.get(reverse("privacy:erasure_find"), {"q": typed}))


def test_the_page_refuses_under_a_legal_hold(world: Any, client: Any) -> None:
    LegalHold.objects.create(reason="Claim", user=world.mentor, placed_by=world.org_coordinator)
    client.force_login(world.org_coordinator)
    page = reverse("privacy:erasure", args=[world.mentor.pk])
    shown = client.get(page)
    assert "A legal hold covers this person" in response_text(shown)
    posted = client.post(page, {"reference": "DPO-7", "confirm": "ERASE"})
    assert posted.status_code == 200
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Mo Mentor"


def test_people_outside_the_coordinators_organisation_are_not_found(
    world: Any, client: Any
) -> None:
    client.force_login(world.org_coordinator)
    page = reverse("privacy:erasure", args=[world.outsider.pk])
    assert client.get(page).status_code == 404
    assert client.post(page, {"reference": "x", "confirm": "ERASE"}).status_code == 404
    world.outsider.refresh_from_db()
    assert world.outsider.display_name == "Otto Outsider"


def test_a_scheme_coordinator_may_not_erase(world: Any, client: Any) -> None:
    client.force_login(world.coordinator)
    page = reverse("privacy:erasure", args=[world.mentor.pk])
    assert client.post(page, {"reference": "x", "confirm": "ERASE"}).status_code == 403
    world.mentor.refresh_from_db()
    assert world.mentor.display_name == "Mo Mentor"


def test_a_person_asks_for_erasure_and_their_organisations_coordinators_are_told(
    world: Any, client: Any
) -> None:
    client.force_login(world.mentor)
    assert "Ask for my records to be erased" in response_text(client.get(reverse("privacy:page")))
    asked = client.post(reverse("privacy:erasure_request"))
    assert asked.status_code == 302
    sent = OutboxMessage.objects.filter(kind="erasure_requested")
    assert [m.to for m in sent] == [world.org_coordinator.email]
    assert "Mo Mentor" in sent[0].subject
    assert reverse("privacy:erasure_find") in sent[0].body_text
    client.post(reverse("privacy:erasure_request"))
    assert OutboxMessage.objects.filter(kind="erasure_requested").count() == 1
    assert AuditEntry.objects.filter(action="privacy.erasure.requested").count() == 1


def test_someone_with_the_same_name_keeps_their_account_and_place(world: Any) -> None:
    namesake = make_user("Mo Mentor", email="another.mo@example.ac.uk")
    Membership.objects.create(
        cohort=world.other_cohort, user=namesake, role="mentor", sort_name="Mo Mentor"
    )
    erasure.erase(world.mentor, by=world.org_coordinator, reference="R1")
    namesake.refresh_from_db()
    assert namesake.display_name == "Mo Mentor"
    assert Membership.objects.get(user=namesake).sort_name == "Mo Mentor"
    assert Membership.objects.get(user=world.mentor).sort_name == "Erased person"
