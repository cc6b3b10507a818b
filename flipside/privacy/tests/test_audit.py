from __future__ import annotations

import pytest

from conftest import World
from flipside.privacy import audit
from flipside.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_each_entry_names_who_did_what_to_which_object(world: World) -> None:
    entry = audit.record(world.coordinator, "cohort.updated", world.cohort, changes={"x": [1, 2]})
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        world.coordinator,
        "cohort.updated",
        "schemes.cohort",
        str(world.cohort.pk),
    )
    assert entry.object_label == "Pride Reverse Mentoring 2026/27"
    assert list(audit.entries_for(world.cohort)) == [entry]


def test_entries_are_chained_and_the_verifier_finds_no_breaks(world: World) -> None:
    first = audit.record(world.coordinator, "a", world.cohort)
    second = audit.record(world.coordinator, "b", world.cohort)
    assert second.prev_hash == first.hash
    assert audit.verify_chain() == []


def test_an_edited_entry_breaks_the_chain(world: World) -> None:
    audit.record(world.coordinator, "a", world.cohort)
    victim = audit.record(world.coordinator, "b", world.cohort)
    audit.record(world.coordinator, "c", world.cohort)
    AuditEntry.objects.filter(pk=victim.pk).update(action="innocent")
    assert audit.verify_chain() == [victim.pk]


def test_a_deleted_entry_breaks_the_chain(world: World) -> None:
    audit.record(world.coordinator, "a", world.cohort)
    victim = audit.record(world.coordinator, "b", world.cohort)
    after = audit.record(world.coordinator, "c", world.cohort)
    AuditEntry.objects.filter(pk=victim.pk).delete()
    assert audit.verify_chain() == [after.pk]


def test_removing_the_newest_entries_is_detected(world: World) -> None:
    audit.record(world.coordinator, "a", world.cohort)
    newest = audit.record(world.coordinator, "b", world.cohort)
    AuditEntry.objects.filter(pk=newest.pk).delete()
    assert audit.verify_chain() == [-1]


def test_entries_cannot_be_changed_through_the_model(world: World) -> None:
    entry = audit.record(world.coordinator, "a", world.cohort)
    entry.action = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()


def test_the_system_can_record_without_a_person(world: World) -> None:
    entry = audit.record(None, "retention.purged", world.cohort)
    assert entry.actor is None and entry.actor_label == "system"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(world: World) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")

    def write(n: int) -> None:
        try:
            for i in range(5):
                audit.record(None, f"concurrent.{n}.{i}", world.cohort)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    assert AuditEntry.objects.filter(action__startswith="concurrent.").count() == 40
    assert audit.verify_chain() == []


def test_deleting_an_account_does_not_break_the_chain(world: World) -> None:
    from conftest import make_user

    leaver = make_user("Leaving Coordinator")
    audit.record(leaver, "cohort.updated", world.cohort)
    audit.record(world.coordinator, "cohort.updated", world.cohort)
    leaver.delete()
    assert audit.verify_chain() == []
