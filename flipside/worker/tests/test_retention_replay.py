"""After a backup is restored, the deletion log replays: rows removed after the backup was
made are removed again, people erased since are erased again, and the log keeps the records.
Every rule's record counts exactly the rows that were due. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from conftest import World, make_user
from flipside.matching.models import Pair
from flipside.partnerships.models import JournalEntry, Meeting
from flipside.privacy import erasure, retention
from flipside.privacy.models import DeletionRecord, LegalHold
from flipside.recruitment.models import Application
from flipside.recruitment.tests.builders import make_call
from flipside.schemes.models import Stage

pytestmark = pytest.mark.django_db(transaction=True)

LONG_AGO = datetime.datetime(2020, 1, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _keys(settings: Any) -> None:
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("PostgreSQL's client tools (pg_dump, pg_restore) are not installed")
    settings.BACKUP_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]


class Old:
    """A cohort closed long ago, with a declined application, a journal and a meeting."""

    def __init__(self, world: World) -> None:
        cohort = world.cohort
        cohort.stage, cohort.stage_changed_at, cohort.recruiting_ended_at = (
            Stage.CLOSED,
            LONG_AGO,
            LONG_AGO,
        )
        cohort.save()
        self.application = Application.objects.create(
            call=make_call(cohort), applicant=make_user(), status="declined"
        )
        pair = Pair.objects.create(cohort=cohort, mentor=world.mentor, mentee=world.mentee)
        self.journal = JournalEntry.objects.create(pair=pair, author=world.mentor, ciphertext="x")
        self.meeting = Meeting.objects.create(
            pair=pair, status="held", starts_at=LONG_AGO, place="The Dean's office",
            proposed_by=world.mentee, record="confirmed", held_minutes=60,
        )  # fmt: skip


def test_every_record_counts_the_rows_that_were_due_removed_or_held(world: World) -> None:
    old = Old(world)
    held_application = Application.objects.create(
        call=old.application.call, applicant=make_user(), status="withdrawn"
    )
    LegalHold.objects.create(user=held_application.applicant, reason="Appeal", placed_by=None)
    now = datetime.datetime.now(tz=datetime.UTC)
    schedules = retention.Schedules.load()
    due_before = {
        rule.label: rule.due(now, schedules).distinct().count() for rule in retention.rules()
    }

    retention.run(now)

    records = {r.label: r for r in DeletionRecord.objects.all()}
    for label, due in due_before.items():
        record = records.get(label)
        assert (record.eligible if record else 0) == due, label
        if record:
            assert record.eligible == record.count + record.held
    assert records["recruitment.Application"].held_ids == [held_application.pk]
    # A second run finds only what is held.
    again = {o.rule.label: o for o in retention.run(now)}
    assert sum(len(o.removed) for o in again.values()) == 0
    assert again["recruitment.Application"].held == [held_application.pk]


def test_a_restored_backup_has_what_retention_removed_since_removed_again(
    tmp_path: Path, world: World
) -> None:
    old = Old(world)
    leaver = make_user("Leaver Lane")
    call_command("backup", "--output", str(tmp_path / "site.backup"), stdout=StringIO())

    retention.run()
    erasure.erase(leaver, by=world.org_coordinator, reference="ER-7")
    erased_records = list(
        DeletionRecord.objects.filter(subject=leaver.pk)
        .order_by("id")
        .values_list("label", "action", "ids")
    )
    assert erased_records
    after = list(
        DeletionRecord.objects.filter(subject__isnull=True)
        .order_by("id")
        .values("label", "ids", "action", "run")
    )
    assert {r["label"] for r in after} >= {
        "recruitment.Application",
        "partnerships.JournalEntry",
        "partnerships.Meeting",
    }

    out = StringIO()
    call_command("restore", str(tmp_path / "site.backup"), "--yes", stdout=out)

    assert "Deletion log replayed" in out.getvalue()
    assert not Application.objects.filter(pk=old.application.pk).exists()
    assert not JournalEntry.objects.filter(pk=old.journal.pk).exists()
    meeting = Meeting.objects.get(pk=old.meeting.pk)
    assert (meeting.place, meeting.proposed_by_id, meeting.held_minutes) == ("", None, 60)
    leaver.refresh_from_db()
    assert "Leaver" not in leaver.display_name and "Lane" not in leaver.email
    # Each erasure is logged once: the replay's erasing again wrote its records afresh.
    assert (
        list(
            DeletionRecord.objects.filter(subject=leaver.pk)
            .order_by("id")
            .values_list("label", "action", "ids")
        )
        == erased_records
    )
    assert (
        list(
            DeletionRecord.objects.filter(subject__isnull=True)
            .order_by("id")
            .values("label", "ids", "action", "run")
        )
        == after
    )
    # Replaying again (a second restore step run) changes nothing more.
    total = DeletionRecord.objects.count()
    assert retention.replay(
        datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC), retention.keep_log()
    )
    assert DeletionRecord.objects.count() == total
