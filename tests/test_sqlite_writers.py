"""SQLite's default set-up takes ten writers at once without a "database is locked" error: a
short version of ``bench/sqlite_writers.py`` (which runs a minute, in processes), in threads,
each with its own connection, on the test database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from bench import sqlite_writers
from conftest import World, join, make_user
from flipside.matching.models import Pair
from flipside.partnerships.models import JournalEntry
from flipside.recruitment.models import Application, ReviewNote
from flipside.recruitment.tests.builders import make_call
from flipside.schemes.models import Role

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's locking; PostgreSQL locks rows, not the whole database",
)


@pytest.mark.django_db(transaction=True)  # the writers' threads see only committed data
def test_ten_writers_and_two_readers_at_once_meet_no_locked_database(world: World) -> None:
    call = make_call(world.cohort)
    for _ in range(10):
        Application.objects.create(call=call, applicant=make_user())
    for _ in range(5):
        Pair.objects.create(
            cohort=world.cohort,
            mentor=join(world.cohort, Role.MENTOR),
            mentee=join(world.cohort, Role.MENTEE),
        )

    # Writes every 0.05 s each, ten times the benchmark's pace: far more contention.
    result: dict[str, Any] = sqlite_writers.soak_in_threads(
        writers=10, readers=2, seconds=3, pause=0.05
    )

    said = json.dumps(result)
    assert result["locked"] == 0, said
    assert result["errors"] == [], said
    assert result["writes"] > 50 and result["reads"] > 5, said
    # Every write counted was saved, once.
    assert ReviewNote.objects.count() + JournalEntry.objects.count() == result["writes"]
    assert result["ok"]


@pytest.mark.django_db
def test_the_database_is_in_wal_mode() -> None:
    # Without WAL the soak above still meets no locked error (with immediate transactions
    # and the busy timeout, writers and readers wait for each other instead), so the journal
    # mode that lets readers carry on beside a writer is checked on its own.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
