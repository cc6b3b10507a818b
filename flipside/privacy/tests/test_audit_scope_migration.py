"""The migration that back-fills where older audit entries belong."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conftest import World
from flipside.privacy import audit
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("privacy", "0009_audit_entry_scope")
AFTER = ("privacy", "0010_audit_entry_scope_backfill")


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def test_older_entries_get_their_place_and_the_chain_still_holds() -> None:
    migrate(BEFORE)
    world = World()
    membership = Membership.objects.get(user=world.mentor, cohort=world.cohort)
    entries = {
        "cohort": audit.record(world.coordinator, "schemes.cohort.updated", world.cohort),
        "scheme": audit.record(world.coordinator, "schemes.scheme.updated", world.scheme),
        "membership": audit.record(world.coordinator, "schemes.membership.added", membership),
        "person": audit.record(world.mentor, "accounts.profile.updated", world.mentor),
    }
    AuditEntry.objects.update(organisation=None, scheme=None, cohort=None)  # as written before

    migrate(AFTER)

    places = {
        name: AuditEntry.objects.values_list("organisation", "scheme", "cohort").get(pk=e.pk)
        for name, e in entries.items()
    }
    org, scheme, cohort = world.organisation.pk, world.scheme.pk, world.cohort.pk
    assert places == {
        "cohort": (org, scheme, cohort),
        "scheme": (org, scheme, None),
        "membership": (org, scheme, cohort),
        "person": (None, None, None),
    }
    assert audit.verify_chain() == []
