"""The background worker: runs, round after round, every task the apps register (email
delivery, matching proposals…), and the scheduled jobs once a minute.

Run as many as you like, on as many hosts as you like. Stop with SIGTERM or Ctrl-C: the
worker finishes the work in hand and exits. A worker killed outright leaves its claims to
expire; another worker takes them over.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from flipside.lib import background
from flipside.notifications.schedules import run_due_jobs


def option(task: background.WorkerTask) -> str:
    return "no_" + task.key.replace("-", "_")


class Command(BaseCommand):
    help = (
        "Run the background tasks (email delivery, matching proposals…) and the scheduled "
        "jobs until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=20, help="messages claimed at a time")
        parser.add_argument("--idle-sleep", type=float, default=2.0, help="seconds between polls")
        parser.add_argument(
            "--until-empty", action="store_true", help="exit when nothing is left to send"
        )
        parser.add_argument("--no-schedules", action="store_true", help="skip scheduled jobs")
        for task in background.worker_tasks():
            parser.add_argument(
                f"--no-{task.key}",
                dest=option(task),
                action="store_true",
                help=f"leave {task.label} to other workers",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        name = background.worker_name()
        tasks = [task for task in background.worker_tasks() if not options[option(task)]]
        for task in tasks:
            if task.load is not None:
                task.load()  # before the first round, so starting up is the only slow step
        self.stdout.write(f"Worker {name} started.")
        next_schedule_check = 0.0
        while not self.stopping:
            close_old_connections()  # recover by itself if the database went away
            if not options["no_schedules"] and time.monotonic() >= next_schedule_check:
                run_due_jobs()
                next_schedule_check = time.monotonic() + 60
            handled = sum([self._round(task, name, options["batch"]) for task in tasks])
            if not handled:
                if options["until_empty"]:
                    break
                time.sleep(options["idle_sleep"])
        self.stdout.write(f"Worker {name} stopped.")

    def _round(self, task: background.WorkerTask, name: str, batch: int) -> int:
        try:
            return task.run(name, batch)
        except Exception as error:  # a database outage must not kill the worker
            self.stderr.write(f"A round of {task.label} failed, will retry: {error}")
            time.sleep(5)
            return 0

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True
