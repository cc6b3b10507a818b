from __future__ import annotations

import datetime

import pytest

from flipside.lib import background


@pytest.fixture(autouse=True)
def empty_registers(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("_TASKS", "_JOBS", "_INVARIANTS"):
        monkeypatch.setattr(background, name, {})


def handled_nothing(worker: str, batch: int) -> int:
    return 0


def handled_one(worker: str, batch: int) -> int:
    return 1


def test_tasks_are_kept_in_the_order_registered() -> None:
    background.register_worker_task(key="email", label="email delivery", run=handled_nothing)
    background.register_worker_task(key="matching", label="proposals", run=handled_one)
    assert [task.key for task in background.worker_tasks()] == ["email", "matching"]


def test_registering_the_same_task_twice_is_harmless() -> None:
    for _ in range(2):
        background.register_worker_task(key="email", label="email delivery", run=handled_nothing)
    assert len(background.worker_tasks()) == 1


def test_a_second_task_under_a_key_already_taken_is_refused() -> None:
    background.register_worker_task(key="email", label="email delivery", run=handled_nothing)
    with pytest.raises(ValueError, match="already registered"):
        background.register_worker_task(key="email", label="email delivery", run=handled_one)
    assert background.worker_tasks()[0].run is handled_nothing


@pytest.mark.parametrize("key", ["", "Email", "no matching", "-email", "email_delivery"])
def test_a_task_key_that_cannot_name_a_worker_option_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="worker option"):
        background.register_worker_task(key=key, label="x", run=handled_nothing)


def test_a_second_job_or_invariant_under_a_name_already_taken_is_refused() -> None:
    day = datetime.timedelta(days=1)
    background.register_job(name="app.job", every=day, run=lambda now: "")
    with pytest.raises(ValueError, match="already registered"):
        background.register_job(name="app.job", every=day, run=lambda now: "other")
    background.register_invariant(key="audit", check=lambda: background.Verdict("ok"))
    with pytest.raises(ValueError, match="already registered"):
        background.register_invariant(key="audit", check=lambda: background.Verdict("ok"))


def test_a_jobs_slot_starts_at_a_multiple_of_its_period_since_the_epoch() -> None:
    job = background.Job("app.hourly", datetime.timedelta(hours=1), lambda now: "")
    now = datetime.datetime(2027, 3, 1, 12, 59, 59, tzinfo=datetime.UTC)
    assert job.slot(now) == datetime.datetime(2027, 3, 1, 12, tzinfo=datetime.UTC)


def test_worker_names_are_unique_per_process_and_say_where_it_runs() -> None:
    first, second = background.worker_name(), background.worker_name()
    assert first != second
    assert first.rsplit(":", 1)[0] == second.rsplit(":", 1)[0]
