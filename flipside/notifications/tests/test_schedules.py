from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from conftest import World
from flipside.lib.background import Job
from flipside.notifications.models import OutboxMessage, ScheduledRun
from flipside.notifications.schedules import run_due_jobs

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2027, 3, 1, 12, 0, 30, tzinfo=datetime.UTC)


def counting_job(runs: list[datetime.datetime], every: datetime.timedelta) -> Job:
    def run(now: datetime.datetime) -> str:
        runs.append(now)
        return "counted"

    return Job("test.count", every, run)


def test_running_twice_in_the_same_minute_runs_each_job_once() -> None:
    runs: list[datetime.datetime] = []
    job = counting_job(runs, datetime.timedelta(minutes=1))
    assert run_due_jobs(NOON, [job]) == ["test.count"]
    assert run_due_jobs(NOON + datetime.timedelta(seconds=20), [job]) == []
    assert len(runs) == 1
    assert run_due_jobs(NOON + datetime.timedelta(minutes=1), [job]) == ["test.count"]
    assert len(runs) == 2


def test_a_daily_job_runs_once_a_day_whatever_the_time_it_is_asked() -> None:
    runs: list[datetime.datetime] = []
    job = counting_job(runs, datetime.timedelta(days=1))
    for hour in range(0, 24, 3):
        run_due_jobs(datetime.datetime(2027, 3, 1, hour, tzinfo=datetime.UTC), [job])
    run_due_jobs(datetime.datetime(2027, 3, 2, 0, 1, tzinfo=datetime.UTC), [job])
    assert len(runs) == 2


def test_a_job_that_crashes_can_run_again_in_the_same_slot() -> None:
    attempts: list[int] = []

    def flaky(now: datetime.datetime) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database hiccup")
        return "done"

    job = Job("test.flaky", datetime.timedelta(hours=1), flaky)
    with pytest.raises(RuntimeError):
        run_due_jobs(NOON, [job])
    assert not ScheduledRun.objects.filter(job="test.flaky").exists()
    assert run_due_jobs(NOON, [job]) == ["test.flaky"]
    assert ScheduledRun.objects.get(job="test.flaky").result == "done"


def test_old_sent_email_loses_its_words_but_keeps_its_envelope(world: World) -> None:
    now = timezone.now()

    def message(n: int, status: str, sent_days_ago: int | None) -> OutboxMessage:
        sent_at = (
            now - datetime.timedelta(days=sent_days_ago) if sent_days_ago is not None else None
        )
        return OutboxMessage.objects.create(
            kind="stage_changed", to=f"p{n}@example.ac.uk", scheme=world.scheme, subject="Update",
            body_text="private words", body_html="<p>private words</p>", message_id=f"<{n}@test>",
            status=status, sent_at=sent_at,
        )  # fmt: skip

    old = message(1, "sent", 91)
    recent = message(2, "sent", 10)
    failed = message(3, "failed", None)
    run_due_jobs(now)
    run_due_jobs(now)  # idempotent
    for item in (old, recent, failed):
        item.refresh_from_db()
    assert (old.body_text, old.body_html, old.subject, old.to) == (
        "",
        "",
        "Update",
        "p1@example.ac.uk",
    )
    assert old.content_purged_at is not None
    assert recent.body_text == failed.body_text == "private words"
