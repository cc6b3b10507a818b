"""The background worker: delivers queued email, computes matching proposals and runs
scheduled jobs.

Run as many as you like, on as many hosts as you like. Stop with SIGTERM or Ctrl-C: the
worker finishes the message in hand and exits. A worker killed outright leaves its claims to
expire; another worker takes them over.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from flipside.notifications import outbox
from flipside.notifications.schedules import run_due_jobs


class Command(BaseCommand):
    help = "Deliver queued email, compute matching proposals and run scheduled jobs until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=20, help="messages claimed at a time")
        parser.add_argument("--idle-sleep", type=float, default=2.0, help="seconds between polls")
        parser.add_argument(
            "--until-empty", action="store_true", help="exit when nothing is left to send"
        )
        parser.add_argument("--no-schedules", action="store_true", help="skip scheduled jobs")
        parser.add_argument(
            "--no-matching", action="store_true", help="leave matching proposals to other workers"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        name = outbox.worker_name()
        if not options["no_matching"]:
            # Loaded before the first delivery, so starting up is the only slow step.
            from flipside.matching.services import process_runs

            self.process_runs = process_runs
        self.stdout.write(f"Worker {name} started.")
        next_schedule_check = 0.0
        while not self.stopping:
            close_old_connections()  # recover by itself if the database went away
            if not options["no_schedules"] and time.monotonic() >= next_schedule_check:
                run_due_jobs()
                next_schedule_check = time.monotonic() + 60
            handled = self._deliver(name, options["batch"])
            if not options["no_matching"]:
                handled += self._match(name)
            if not handled:
                if options["until_empty"]:
                    break
                time.sleep(options["idle_sleep"])
        self.stdout.write(f"Worker {name} stopped.")

    def _deliver(self, name: str, batch: int) -> int:
        try:
            return outbox.process_batch(name, limit=batch)
        except Exception as error:  # a database outage must not kill the worker
            self.stderr.write(f"Delivery round failed, will retry: {error}")
            time.sleep(5)
            return 0

    def _match(self, name: str) -> int:
        try:
            return self.process_runs(name)
        except Exception as error:  # a database outage must not kill the worker
            self.stderr.write(f"Matching round failed, will retry: {error}")
            time.sleep(5)
            return 0

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True
