"""The worker runs whatever the apps register, with one ``--no-<task>`` option per task."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from flipside.lib import background
from flipside.matching import services as matching_services

pytestmark = pytest.mark.django_db


def test_email_matching_and_reports_are_registered_in_that_order() -> None:
    assert [task.key for task in background.worker_tasks()] == ["email", "matching", "reports"]


def test_the_matching_task_loads_the_matching_services_at_start_up() -> None:
    matching = next(task for task in background.worker_tasks() if task.key == "matching")
    assert matching.load is not None and matching.load() is matching_services


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replaces the registered tasks by two that record what the worker asks of them."""
    happened: list[str] = []

    def task(key: str) -> None:
        def run(worker: str, batch: int) -> int:
            happened.append(f"{key} run, batch {batch}")
            return 0

        background.register_worker_task(
            key=key, label=f"{key} work", run=run, load=lambda: happened.append(f"{key} load")
        )

    monkeypatch.setattr(background, "_TASKS", {})
    monkeypatch.setattr("signal.signal", lambda *args: None)  # keep pytest's Ctrl-C
    task("slow")
    task("quick")
    return happened


def test_each_task_is_loaded_before_the_first_round(events: list[str]) -> None:
    call_command("run_worker", "--until-empty", "--no-schedules", "--batch", "7", stdout=StringIO())
    assert events == ["slow load", "quick load", "slow run, batch 7", "quick run, batch 7"]


def test_a_task_can_be_left_to_other_workers_with_its_own_option(events: list[str]) -> None:
    call_command("run_worker", "--until-empty", "--no-schedules", "--no-slow", stdout=StringIO())
    assert events == ["quick load", "quick run, batch 20"]


def test_a_round_that_fails_is_reported_and_the_worker_goes_on(
    events: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(worker: str, batch: int) -> int:
        raise ConnectionError("database went away")

    background._TASKS["quick"] = background.WorkerTask("quick", "quick work", broken)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    out, err = StringIO(), StringIO()
    call_command("run_worker", "--until-empty", "--no-schedules", stdout=out, stderr=err)
    assert "A round of quick work failed, will retry: database went away" in err.getvalue()
    assert events == ["slow load", "slow run, batch 20"]
    assert "stopped." in out.getvalue()
