"""The work done in the background, registered by the apps that own it.

Each app registers, in its ``AppConfig.ready()``, the tasks the worker polls round after round,
the jobs run on a schedule, the invariants ``selfcheck`` verifies and the steps ``restore``
takes after putting a backup back. The worker, the scheduler, ``selfcheck`` and ``restore``
run whatever is registered, so they never need to know which apps exist; this module holds
only the registers (lib imports no app).
"""

from __future__ import annotations

import datetime
import os
import re
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

Item = TypeVar("Item")


@dataclass(frozen=True)
class WorkerTask:
    """Work the worker polls for. ``run(worker, batch)`` claims and handles what is waiting,
    about ``batch`` items at most, under the worker's name, and returns how many it handled
    (0 when there was nothing to do).

    ``load`` imports what ``run`` needs when that is slow (NumPy, a solver): the worker calls
    it once at start-up, so no round waits for it, and other processes never pay for it.
    """

    key: str
    label: str
    run: Callable[[str, int], int]
    load: Callable[[], object] | None = None


@dataclass(frozen=True)
class Job:
    """A scheduled job, run once per slot of ``every``; ``run(now)`` says what it did."""

    name: str
    every: datetime.timedelta
    run: Callable[[datetime.datetime], str]

    def slot(self, now: datetime.datetime) -> datetime.datetime:
        """The start of the slot ``now`` falls in (slots are counted from the Unix epoch)."""
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        return epoch + (now - epoch) // self.every * self.every


@dataclass(frozen=True)
class Verdict:
    """What checking one invariant found: a line for the operator and what is wrong, if any."""

    summary: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Invariant:
    key: str
    check: Callable[[], Verdict]


@dataclass(frozen=True)
class RestoreStep:
    """Work that must follow every restore of a backup, such as replaying the deletion log so
    that people erased after the backup was made are erased again.

    ``keep()``, if given, runs before the database is replaced and returns what ``replay``
    needs from the database as it was (the restore overwrites it); ``replay(made_at, kept)``
    runs on the restored database, with the time the backup was made, and says what it did.
    """

    key: str
    replay: Callable[[datetime.datetime, object], str]
    keep: Callable[[], object] | None = None


_TASKS: dict[str, WorkerTask] = {}
_JOBS: dict[str, Job] = {}
_INVARIANTS: dict[str, Invariant] = {}
_RESTORE_STEPS: dict[str, RestoreStep] = {}
# A task's key becomes the worker's ``--no-<key>`` option.
_TASK_KEY = re.compile(r"[a-z][a-z0-9-]*")


def _add(register: dict[str, Item], key: str, item: Item) -> Item:
    # The same registration twice is harmless (Django may call ready() again in tests);
    # two different things under one key would silently replace one another.
    existing = register.setdefault(key, item)
    if existing != item:
        raise ValueError(f"{key!r} is already registered: {existing!r}")
    return existing


def register_worker_task(
    *,
    key: str,
    run: Callable[[str, int], int],
    label: str,
    load: Callable[[], object] | None = None,
) -> WorkerTask:
    """``label`` completes "leave … to other workers", e.g. "matching proposals"."""
    if not _TASK_KEY.fullmatch(key):
        raise ValueError(f"{key!r} cannot name a worker option: use a-z, 0-9 and hyphens")
    return _add(_TASKS, key, WorkerTask(key, label, run, load))


def register_job(
    *, name: str, every: datetime.timedelta, run: Callable[[datetime.datetime], str]
) -> Job:
    """``name`` is stored with each run (``<app>.<what it does>``), so keep it stable."""
    return _add(_JOBS, name, Job(name, every, run))


def register_invariant(*, key: str, check: Callable[[], Verdict]) -> Invariant:
    return _add(_INVARIANTS, key, Invariant(key, check))


def register_restore_step(
    *,
    key: str,
    replay: Callable[[datetime.datetime, object], str],
    keep: Callable[[], object] | None = None,
) -> RestoreStep:
    return _add(_RESTORE_STEPS, key, RestoreStep(key, replay, keep))


def worker_tasks() -> list[WorkerTask]:
    """In the order registered, which is the order of INSTALLED_APPS."""
    return list(_TASKS.values())


def scheduled_jobs() -> list[Job]:
    return list(_JOBS.values())


def invariants() -> list[Invariant]:
    return list(_INVARIANTS.values())


def restore_steps() -> list[RestoreStep]:
    return list(_RESTORE_STEPS.values())


def worker_name() -> str:
    """Unique to one worker process, and says where to look for it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
