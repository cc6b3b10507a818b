"""Soak test of SQLite's default set-up: ten writers and page readers at once, for a minute.

    python bench/sqlite_writers.py                          # 10 writers, 2 readers, 60 s
    python bench/sqlite_writers.py --seconds 10 --writers 10 --readers 2 --pause 0.5

Makes a fresh SQLite database with the demo scheme (the site's own settings: WAL, immediate
transactions, a busy timeout; flipside/settings.py), then starts writer processes that write
through the app's services, in turn a review note on an application (as a coordinator of its
cohort) and a journal entry (as a partner of a pair), pausing ``--pause`` seconds after each
write, and reader processes that read the home, cohort and pairs pages as a coordinator back
to back. Prints one JSON line: writes, reads, "database is locked" errors (target 0), other
errors, and the 50th and 95th percentiles of a write's and a read's time. Exits 1 on any
locked or other error.

The same loops run in threads on the test database in ``tests/test_sqlite_writers.py``;
``bench/pages.py``'s SQLite check uses the writers' loop too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WRITERS = 10
READERS = 2
SECONDS = 60
# As bench/pages.py: 2 writes a second per writer, 20 in all, far more than an office's saves.
PAUSE = 0.5
MAX_LOCKED = 0
READ_PAGES = ["home", "cohort", "pairs"]


@dataclass
class Tally:
    """What one writer or reader did: successes, "database is locked" errors, other errors
    (their kinds only: never data), and each success's time in milliseconds."""

    done: int = 0
    locked: int = 0
    errors: list[str] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.done += other.done
        self.locked += other.locked
        self.errors += other.errors
        self.times_ms += other.times_ms

    def as_dict(self) -> dict[str, Any]:
        return {"done": self.done, "locked": self.locked, "errors": self.errors,
                "times_ms": self.times_ms}  # fmt: skip


def percentile(values: list[float], p: int) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 1)


def timed_loop(action: Callable[[int], object], seconds: float, pause: float) -> Tally:
    """Call ``action(n)`` for ``seconds``, pausing ``pause`` after each call; count and time
    each call, and count "database is locked" errors apart from any other error."""
    from django.db import OperationalError

    tally = Tally()
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            action(n)
            tally.times_ms.append((time.perf_counter() - started) * 1000)
            tally.done += 1
        except OperationalError as error:
            if "locked" not in str(error):
                tally.errors.append(type(error).__name__)
            else:
                tally.locked += 1
        except Exception as error:  # noqa: BLE001 - counted and reported, the soak goes on
            tally.errors.append(type(error).__name__)
        n += 1
        if pause:
            time.sleep(pause)
    return tally


def writes(number: int) -> Callable[[int], object]:
    """A writer's work: in turn a review note on an application, as a coordinator of its
    cohort, and a journal entry, as a partner of an active pair. ``number`` spreads writers
    over different applications and pairs."""
    from flipside.matching.models import Pair
    from flipside.partnerships.services import journal
    from flipside.recruitment import services as recruitment
    from flipside.recruitment.models import Application
    from flipside.schemes.models import SchemeCoordinator

    applications = list(Application.objects.select_related("call__cohort").order_by("id")[:200])
    active = Pair.objects.filter(status=Pair.Status.ACTIVE).select_related("mentor", "mentee")
    pairs = list(active.order_by("id")[:200])
    if not applications or not pairs:
        raise SystemExit("The database needs applications and active pairs to write to.")
    coordinators = {
        row.scheme_id: row.user for row in SchemeCoordinator.objects.select_related("user")
    }

    def write(n: int) -> object:
        turn = n + number
        if turn % 2:
            pair = pairs[turn // 2 % len(pairs)]
            author = pair.mentor if turn % 4 == 1 else pair.mentee
            return journal.add_entry(pair, author, f"Soak entry {number}-{n}")
        application = applications[turn // 2 % len(applications)]
        author = coordinators[application.call.cohort.scheme_id]
        return recruitment.add_note(application, author=author, text=f"Soak note {number}-{n}")

    return write


def reads() -> Callable[[int], object]:
    """A reader's work: the home, cohort and pairs pages in turn, signed in as a coordinator."""
    from django.test import Client
    from django.urls import reverse

    from flipside.matching.models import Pair
    from flipside.schemes.models import SchemeCoordinator

    pair = Pair.objects.filter(status=Pair.Status.ACTIVE).order_by("id").first()
    if pair is None:
        raise SystemExit("The database needs an active pair to read.")
    coordinator = SchemeCoordinator.objects.filter(scheme=pair.cohort.scheme).first()
    if coordinator is None:
        raise SystemExit("The database needs a coordinator of the pair's scheme.")
    client = Client()
    client.force_login(coordinator.user)
    paths = [reverse("home"), reverse("home:cohort", args=[pair.cohort_id]),
             reverse("matching:pairs", args=[pair.cohort_id])]  # fmt: skip

    def read(n: int) -> object:
        response = client.get(paths[n % len(paths)])
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}")
        return response

    return read


def result_line(
    written: Tally, read: Tally, *, writers: int, readers: int, seconds: float
) -> dict[str, Any]:
    return {
        "check": "sqlite writers",
        "writers": writers,
        "readers": readers,
        "seconds": seconds,
        "writes": written.done,
        "reads": read.done,
        "locked": written.locked + read.locked,
        "locked_target": MAX_LOCKED,
        "errors": sorted(set(written.errors + read.errors)),
        "error_count": len(written.errors) + len(read.errors),
        "write_p50_ms": percentile(written.times_ms, 50),
        "write_p95_ms": percentile(written.times_ms, 95),
        "read_p50_ms": percentile(read.times_ms, 50),
        "read_p95_ms": percentile(read.times_ms, 95),
        "ok": written.locked + read.locked <= MAX_LOCKED
        and not written.errors
        and not read.errors
        and written.done > 0
        and read.done > 0,
    }


def soak_in_threads(
    *, writers: int = WRITERS, readers: int = READERS, seconds: float = 3, pause: float = PAUSE
) -> dict[str, Any]:
    """The soak in this process, one thread (and one database connection) per writer and
    reader, all started together: the test's shorter version."""
    from django.db import connection

    barrier = threading.Barrier(writers + readers)
    written, read = Tally(), Tally()
    lock = threading.Lock()

    def run(make: Callable[[], Callable[[int], object]], into: Tally, wait: float) -> None:
        tally = Tally()
        try:
            action = make()
        except Exception as error:  # noqa: BLE001 - counted, and the others start without it
            barrier.abort()
            tally.locked += "locked" in str(error)
            tally.errors += [] if "locked" in str(error) else [type(error).__name__]
        else:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass  # another thread could not set up: the rest still run
            tally = timed_loop(action, seconds, wait)
        finally:
            connection.close()
        with lock:
            into.add(tally)

    threads = [threading.Thread(target=run, args=(lambda n=n: writes(n), written, pause))
               for n in range(writers)]  # fmt: skip
    threads += [threading.Thread(target=run, args=(reads, read, 0)) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result_line(written, read, writers=writers, readers=readers, seconds=seconds)


# ---------------------------------------------------------------------------------------------
# The benchmark: a fresh database and one process per writer and reader


def environment(database: Path) -> dict[str, str]:
    from bench.pages import environment as production_like

    return production_like(f"sqlite:///{database}")


def child(role: str, number: int, seconds: float, pause: float) -> None:
    """A writer or reader process: set up, say so, wait for the start, work, report."""
    import django

    django.setup()
    action = writes(number) if role == "writer" else reads()
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()  # the start, given to every process at once
    tally = timed_loop(action, seconds, pause if role == "writer" else 0)
    print(json.dumps(tally.as_dict()), flush=True)


def prepare(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    env = {**environment(database), "DEBUG": "1"}  # the demo is seeded only with DEBUG on
    for command in (["migrate", "--verbosity=0"], ["seed_demo"]):
        subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip


def soak_in_processes(args: argparse.Namespace, database: Path) -> dict[str, Any]:
    def start(role: str, number: int) -> subprocess.Popen[str]:
        command = [sys.executable, __file__, f"--{role}", str(number),
                   "--seconds", str(args.seconds), "--pause", str(args.pause)]  # fmt: skip
        return subprocess.Popen(  # noqa: S603 - this script
            command, cwd=ROOT, env=environment(database), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip

    processes = [("writer", start("writer", n)) for n in range(args.writers)]
    processes += [("reader", start("reader", n)) for n in range(args.readers)]
    written, read = Tally(), Tally()
    try:
        # Ten Django start-ups at once take the cores for seconds: start together once all
        # are ready, so the soak measures locking rather than start-up.
        for _role, process in processes:
            assert process.stdout is not None  # noqa: S101 - piped above
            process.stdout.readline()
        for _role, process in processes:
            assert process.stdin is not None  # noqa: S101 - piped above
            process.stdin.write("go\n")
            process.stdin.flush()
        for role, process in processes:
            out, _err = process.communicate(timeout=args.seconds + 120)
            found = json.loads(out.strip().splitlines()[-1])
            tally = Tally(found["done"], found["locked"], found["errors"], found["times_ms"])
            (written if role == "writer" else read).add(tally)
    finally:
        for _role, process in processes:  # only if something above went wrong
            if process.poll() is None:
                process.kill()
                process.wait()
    return result_line(written, read, writers=args.writers, readers=args.readers,
                       seconds=args.seconds)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=SECONDS, help="how long (60)")
    parser.add_argument("--writers", type=int, default=WRITERS, help="writer processes (10)")
    parser.add_argument("--readers", type=int, default=READERS, help="reader processes (2)")
    parser.add_argument("--pause", type=float, default=PAUSE, help="after each write (0.5 s)")
    parser.add_argument("--writer", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reader", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer is not None or args.reader is not None:
        role = "writer" if args.writer is not None else "reader"
        child(role, args.writer if args.writer is not None else args.reader, args.seconds,
              args.pause)  # fmt: skip
        return
    with tempfile.TemporaryDirectory(prefix="flipside-soak-") as folder:
        database = Path(folder) / "soak.sqlite3"
        prepare(database)
        line = soak_in_processes(args, database)
    print(json.dumps(line), flush=True)
    sys.exit(0 if line["ok"] else 1)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
