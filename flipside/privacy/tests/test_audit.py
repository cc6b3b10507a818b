from __future__ import annotations

import re
import zoneinfo
from pathlib import Path

import pytest

from conftest import World
from flipside.privacy import audit
from flipside.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_each_entry_names_who_did_what_to_which_object(world: World) -> None:
    entry = audit.record(
        world.coordinator, "schemes.cohort.updated", world.cohort, changes={"x": [1, 2]}
    )
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        world.coordinator,
        "schemes.cohort.updated",
        "schemes.cohort",
        str(world.cohort.pk),
    )
    assert entry.object_label == "Pride Reverse Mentoring 2026/27"
    assert list(audit.entries_for(world.cohort)) == [entry]


def test_entries_are_chained_and_the_verifier_finds_no_breaks(world: World) -> None:
    first = audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    second = audit.record(world.coordinator, "schemes.cohort.created", world.cohort)
    assert second.prev_hash == first.hash
    assert audit.verify_chain() == []


def test_an_edited_entry_breaks_the_chain(world: World) -> None:
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    victim = audit.record(world.coordinator, "schemes.cohort.created", world.cohort)
    audit.record(world.coordinator, "schemes.cohort.stage_changed", world.cohort)
    AuditEntry.objects.filter(pk=victim.pk).update(action="innocent")
    assert audit.verify_chain() == [victim.pk]


def test_a_deleted_entry_breaks_the_chain(world: World) -> None:
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    victim = audit.record(world.coordinator, "schemes.cohort.created", world.cohort)
    after = audit.record(world.coordinator, "schemes.cohort.stage_changed", world.cohort)
    AuditEntry.objects.filter(pk=victim.pk).delete()
    assert audit.verify_chain() == [after.pk]


def test_removing_the_newest_entries_is_detected(world: World) -> None:
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    newest = audit.record(world.coordinator, "schemes.cohort.created", world.cohort)
    AuditEntry.objects.filter(pk=newest.pk).delete()
    assert audit.verify_chain() == [-1]


def test_entries_cannot_be_changed_through_the_model(world: World) -> None:
    entry = audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    entry.action = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()


def test_the_system_can_record_without_a_person(world: World) -> None:
    entry = audit.record(None, "privacy.retention.purged", world.cohort)
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
                audit.record(None, "privacy.chain.concurrent_write", world.cohort, writer=n, step=i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    assert AuditEntry.objects.filter(action="privacy.chain.concurrent_write").count() == 40
    assert audit.verify_chain() == []


def test_deleting_an_account_does_not_break_the_chain(world: World) -> None:
    from conftest import make_user

    leaver = make_user("Leaving Coordinator")
    audit.record(leaver, "schemes.cohort.updated", world.cohort)
    audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    leaver.delete()
    assert audit.verify_chain() == []


@pytest.mark.parametrize(
    "action",
    ["cohort.updated", "schemes.cohort", "nowhere.cohort.updated", "schemes.Cohort.updated", ""],
)
def test_an_action_not_in_the_app_object_verb_form_is_refused(world: World, action: str) -> None:
    with pytest.raises(ValueError, match="<app>.<object>.<verb>"):
        audit.record(world.coordinator, action, world.cohort)
    assert not AuditEntry.objects.exists()


def test_every_action_the_code_records_names_its_app() -> None:
    """Every literal code passed to ``audit.record`` in the project has the app's label first."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"""audit\.record\(\s*[^,]+,\s*f?["']([^"']+)["']""")
    codes = {
        code
        for path in root.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        for code in pattern.findall(path.read_text())
    }
    assert len(codes) > 50
    for code in codes:
        # A code made from a variable part ({verb}, {kind}…) is checked with a word there.
        audit.check_action(re.sub(r"\{\w+\}", "changed", code))


def test_old_two_part_codes_are_found_under_their_new_names(world: World) -> None:
    """Entries written before codes named their app keep their codes (they are in the hash)."""
    assert audit.codes_for("schemes.cohort.stage_changed") == [
        "schemes.cohort.stage_changed",
        "cohort.stage_changed",
    ]
    assert all(audit.ACTION_FORM.match(new) for new in audit.LEGACY_ACTIONS.values())


def test_the_hash_does_not_depend_on_the_zone_the_time_was_made_in(world: World) -> None:
    entry = audit.record(world.coordinator, "schemes.cohort.updated", world.cohort)
    london = AuditEntry.objects.get(pk=entry.pk)
    london.at = london.at.astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert audit._digest(entry.prev_hash, audit._fields(london)) == entry.hash
