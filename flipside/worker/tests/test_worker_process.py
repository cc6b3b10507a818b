"""Real worker processes against a real SMTP server on this machine.

The tests queue committed messages, run ``manage.py run_worker`` as separate processes on the
test database, and count what a local SMTP sink receives, by Message-ID.
"""

from __future__ import annotations

import asyncio
import email
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from conftest import World
from flipside.notifications import outbox
from flipside.notifications.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[3]
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
LEASE_SECONDS = 2


class Sink:
    """Counts the messages an SMTP server accepts, optionally slowly."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.received: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        header = email.message_from_bytes(envelope.content)["Message-ID"]
        message_id = "".join(str(header).split())  # long ids arrive folded over two lines
        with self.lock:
            self.received.append(message_id)
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or 'localhost'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def start_worker(port: int, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    env.pop("DEBUG", None)
    command = [sys.executable, "manage.py", "run_worker", "--no-schedules", "--idle-sleep", "0.2"]
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [*command, *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def queue(world: World, n: int) -> set[str]:
    values = {
        "cohort": "C",
        "scheme": "S",
        "stage": "Running",
        "next_step": "Meet",
        "link": "https://x/",
    }
    ids = set()
    for i in range(n):
        message = outbox.enqueue(
            "invitation", to=f"person{i}@example.ac.uk", scheme=world.scheme,
            values={**values, "role": "Mentor", "inviter": "Dr A", "expires_on": "1 Jan"},
        )  # fmt: skip
        assert message is not None
        ids.add(message.message_id)
    return ids


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_one(
    world: World, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    sink.delay = 0.02  # slow enough to be killed in the middle of a batch
    expected = queue(world, 120)

    doomed = start_worker(port, "--batch", "25")
    wait_for(lambda: sink.count() >= 30, 60, "the first worker to send 30 messages")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    assert OutboxMessage.objects.filter(status="sending").exists(), "killed with claims in hand"

    time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's leases expire
    rescuer = start_worker(port, "--batch", "25", "--until-empty")
    output, _ = rescuer.communicate(timeout=120)
    assert rescuer.returncode == 0, output

    deliveries = Counter(sink.received)
    assert set(deliveries) == expected  # nothing lost
    repeated = [message_id for message_id, n in deliveries.items() if n > 1]
    assert len(repeated) <= 1 and all(deliveries[m] == 2 for m in repeated)
    assert outbox.counts() == {"pending": 0, "sending": 0, "sent": 120, "failed": 0}


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_a_thousand_messages_exactly_once(
    world: World, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    # Each delivery takes 10 ms, so one worker alone would need ten seconds: time for the
    # second to start even on a busy machine, and so for both to take part.
    sink.delay = 0.01
    expected = queue(world, 1000)

    workers = [start_worker(port, "--batch", "20", "--until-empty") for _ in range(2)]
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    deliveries = Counter(sink.received)
    assert set(deliveries) == expected
    assert max(deliveries.values()) == 1
    assert outbox.counts() == {"pending": 0, "sending": 0, "sent": 1000, "failed": 0}
    workers_used = set(OutboxMessage.objects.values_list("claimed_by", flat=True))
    assert len(workers_used) == 2, "both workers took part"
