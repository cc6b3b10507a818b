"""The private journal: encrypted at rest, read by its author only, on every page anyone else
can reach."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from flipside.matching.models import Pair
from flipside.partnerships.models import JournalEntry
from flipside.partnerships.services import PartnershipError, journal
from flipside.privacy import crypto
from flipside.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db
SECRET = "Zanzibar-Quokka I felt unheard when we talked about my name"
ROLES = ["coordinator", "org_coordinator", "cohort_coordinator", "observer", "outsider", "nobody"]


def url(name: str, *args: Any) -> str:
    return reverse(f"partnerships:{name}", args=args)


def text(response: Any) -> str:
    return body(response).decode()


def body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.fixture
def pair(world: World) -> Pair:
    return Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)


def test_an_entry_is_encrypted_and_read_by_its_author(
    client: Client, world: World, pair: Pair
) -> None:
    client.force_login(world.mentor)
    response = client.post(url("journal", pair.pk), {"text": SECRET})
    assert response.status_code == 302 and response["Location"] == url("journal", pair.pk)
    entry = JournalEntry.objects.get()
    assert entry.author == world.mentor and entry.pair == pair
    assert "Zanzibar" not in entry.ciphertext and "Quokka" not in entry.ciphertext
    assert crypto.decrypt(entry.ciphertext) == {"text": SECRET}
    assert SECRET in text(client.get(url("journal", pair.pk)))
    # The audit log says an entry was written, never what it says.
    audit = AuditEntry.objects.get(action="partnerships.journal_entry.written")
    assert "Zanzibar" not in f"{audit.object_label} {audit.details}"


def test_nobody_else_reads_it_anywhere(client: Client, world: World, pair: Pair) -> None:
    journal.add_entry(pair, world.mentor, SECRET)
    # The partner reaches their own workspace and journal, and reads none of it.
    client.force_login(world.mentee)
    for page in (url("workspace", pair.pk), url("journal", pair.pk), reverse("home"),
                 reverse("matching:partner", args=[world.cohort.pk])):  # fmt: skip
        response = client.get(page)
        assert response.status_code == 200, page
        assert "Zanzibar" not in text(response), page
    assert "You have not written anything yet." in text(client.get(url("journal", pair.pk)))
    assert journal.own_entries(pair, world.mentee).paginator.count == 0
    # Everyone else: the pair's pages are not found; the coordinators' pages and the pairs
    # export carry nothing of it.
    cohort = world.cohort.pk
    pages = [
        reverse("home"),
        reverse("home:cohort", args=[cohort]),
        reverse("matching:pairs", args=[cohort]),
        reverse("matching:pairs_export", args=[cohort, "csv"]),
        reverse("partnerships:board", args=[cohort]),
        url("workspace", pair.pk),
        url("journal", pair.pk),
    ]
    for role in ROLES:
        person = getattr(world, role)
        client.force_login(person)
        for page in pages:
            response = client.get(page)
            assert response.status_code in (200, 403, 404), (role, page)
            assert b"Zanzibar" not in body(response), (role, page)
        assert journal.own_entries(pair, person).paginator.count == 0
    # The coordinators can export the pairs, and the export has no journal in it.
    client.force_login(world.coordinator)
    export = client.get(reverse("matching:pairs_export", args=[cohort, "csv"]))
    assert export.status_code == 200 and b"Mo Mentor" in body(export)


def test_entries_are_paged_newest_first(client: Client, world: World, pair: Pair) -> None:
    start = timezone.now() - datetime.timedelta(days=30)
    for n in range(25):
        with time_machine.travel(start + datetime.timedelta(hours=n), tick=False):
            journal.add_entry(pair, world.mentee, f"Entry number {n:02}")
    journal.add_entry(pair, world.mentor, "The mentor's own note")
    client.force_login(world.mentee)
    first = text(client.get(url("journal", pair.pk)))
    assert "25 entries, newest first" in first
    assert first.index("Entry number 24") < first.index("Entry number 23")
    assert "Entry number 04" not in first and "mentor&#x27;s own note" not in first
    second = text(client.get(url("journal", pair.pk) + "?page=2"))
    assert "Entry number 04" in second and "Entry number 00" in second
    assert "Entry number 05" not in second and "Entry number 24" not in second


def test_too_long_keeps_the_input(client: Client, world: World, pair: Pair) -> None:
    client.force_login(world.mentor)
    long = "Quokka " * 800  # 5,600 characters
    response = client.post(url("journal", pair.pk), {"text": long})
    assert response.status_code == 200
    page = text(response)
    assert "An entry can be at most 5000 characters long" in page
    assert long.strip() in page  # kept in the box
    assert not JournalEntry.objects.exists()
    response = client.post(url("journal", pair.pk), {"text": "   "})
    assert "Write something before saving the entry." in text(response)
    with pytest.raises(PartnershipError, match="at most 5,000"):
        journal.add_entry(pair, world.mentor, "x" * 5001)
    assert JournalEntry.objects.count() == 0


def test_a_double_submit_makes_one_entry(client: Client, world: World, pair: Pair) -> None:
    client.force_login(world.mentor)
    client.post(url("journal", pair.pk), {"text": SECRET})
    client.post(url("journal", pair.pk), {"text": SECRET})
    assert JournalEntry.objects.count() == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        client.post(url("journal", pair.pk), {"text": SECRET})  # written again later: kept
    journal.add_entry(pair, world.mentee, SECRET)  # the partner writes the same: their own
    assert JournalEntry.objects.count() == 3


def test_deleting_own_entries_only(client: Client, world: World, pair: Pair) -> None:
    mine = journal.add_entry(pair, world.mentor, SECRET)
    theirs = journal.add_entry(pair, world.mentee, "The mentee's note")
    client.force_login(world.mentor)
    assert client.get(url("journal_delete", mine.pk)).status_code == 405
    assert client.post(url("journal_delete", theirs.pk)).status_code == 404
    assert client.post(url("journal_delete", theirs.pk), {"pair": "99"}).status_code == 404
    assert JournalEntry.objects.filter(pk=theirs.pk).exists()
    response = client.post(url("journal_delete", mine.pk), {"pair": pair.pk})
    assert response.status_code == 302 and response["Location"] == url("journal", pair.pk)
    assert not JournalEntry.objects.filter(pk=mine.pk).exists()
    again = client.post(url("journal_delete", mine.pk), {"pair": pair.pk}, follow=True)
    assert "already deleted" in text(again)
    for role in ROLES:
        client.force_login(getattr(world, role))
        assert client.post(url("journal_delete", theirs.pk)).status_code == 404
    assert JournalEntry.objects.filter(pk=theirs.pk).exists()


def test_an_ended_pair_keeps_its_journal_but_takes_no_more(
    client: Client, world: World, pair: Pair
) -> None:
    journal.add_entry(pair, world.mentor, SECRET)
    pair.status, pair.ended_at = Pair.Status.ENDED, timezone.now()
    pair.save()
    client.force_login(world.mentor)
    page = text(client.get(url("journal", pair.pk)))
    assert SECRET in page and "This partnership has ended" in page
    response = client.post(url("journal", pair.pk), {"text": "One more"})
    assert response.status_code == 200 and JournalEntry.objects.count() == 1


def test_only_partners_write_and_an_unreadable_entry_does_not_break_the_page(
    client: Client, world: World, pair: Pair
) -> None:
    with pytest.raises(PartnershipError):
        journal.add_entry(pair, world.coordinator, "Not mine to write")
    JournalEntry.objects.create(pair=pair, author=world.mentor, ciphertext="tampered")
    client.force_login(world.mentor)
    assert "This entry cannot be read any more." in text(client.get(url("journal", pair.pk)))


def test_key_rotation_re_encrypts_journal_entries(world: World, pair: Pair, settings: Any) -> None:
    """``rotate_encryption_keys`` reaches journals too, so the old key can be removed without
    losing anyone's entries."""
    from io import StringIO

    from django.core.management import call_command

    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    journal.add_entry(pair, world.mentor, "Felt heard today.")
    new_key = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Re-encrypted 1 records" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key removed
    assert [e.text for e in journal.own_entries(pair, world.mentor)] == ["Felt heard today."]
