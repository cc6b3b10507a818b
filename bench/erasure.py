"""Benchmark of erasing one person, as the installation grows.

    python bench/erasure.py                    # 100 and 1,000 pairs (make bench-erasure)
    python bench/erasure.py --sizes 100,300    # other sizes

Erasure replaces a person's name, address and payroll number in every text, JSON and
encrypted column of every table (``flipside.privacy.erasure``), so its cost grows with
everything the installation holds, not with the person. Each size is the page benchmark's
installation (``bench/pages.py``: a cohort of that many pairs with applications, training,
meetings, pay, surveys, ideas and emails, and smaller cohorts beside it), seeded once into
its own PostgreSQL database (``bench_erasure_<pairs>``) and kept for the next run.

In a fresh process per size, three student mentors are erased one after the other, each
inside a transaction that is rolled back, so the installation never changes. Prints one
JSON line per size: the rows of the tables searched, the encrypted values opened, the
middle of the three erasures' seconds and the seconds per 10,000 rows; then one line of
ratios against the smallest size measured in the same run: how many times the rows grew,
and how many times an erasure's time did. A ratio of time close to the ratio of rows means
an erasure's cost follows the size of the whole database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402

DEFAULT_SIZES = [100, 1000]
ERASURES = 3


class _RolledBack(Exception):
    """Leaves the erasure's transaction without keeping anything."""


def database(pairs: int) -> str:
    return f"bench_erasure_{pairs}"


def searched() -> dict[str, int]:
    """The rows erasure reads: of every table with a text or JSON column it searches, and
    the encrypted values it opens."""
    from django.apps import apps

    from flipside.privacy import crypto, erasure

    rows = sum(
        model._base_manager.count()
        for model in apps.get_models()
        if erasure._text_fields(model)  # noqa: SLF001 - the columns erasure searches
    )
    encrypted = sum(model._base_manager.count() for model, _column in crypto.ENCRYPTED.values())
    return {"rows": rows, "encrypted_values": encrypted}


def measure(pairs: int) -> dict[str, Any]:
    """In this process: the installation of ``pairs`` pairs, three erasures timed."""
    url = f"{pages.SERVER}/{database(pairs)}"
    if not pages.postgres_exists(database(pairs)):
        pages.recreate_postgres(database(pairs))
    found = pages.prepare(url, pairs)
    from django.db import transaction

    from flipside.accounts.models import User
    from flipside.privacy import erasure
    from flipside.schemes.models import Membership, Role

    mentors = Membership.objects.filter(cohort_id=found.cohort_id, role=Role.MENTOR)
    people = list(
        User.objects.filter(pk__in=mentors.values("user_id")).order_by("pk")[1 : 1 + ERASURES]
    )
    seconds = []
    for person in people:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                outcome = erasure.erase(person, by=None, reference="bench")
                seconds.append(time.perf_counter() - started)
                assert outcome.done  # noqa: S101 - each person is erased once, then rolled back
                raise _RolledBack
        except _RolledBack:
            pass
    size = searched()
    middle = statistics.median(seconds)
    read = size["rows"] + size["encrypted_values"]
    return {
        "check": "erasure",
        "pairs": pairs,
        **size,
        "erasures": len(seconds),
        "seconds": round(middle, 3),
        "each_seconds": [round(s, 3) for s in seconds],
        "seconds_per_10000_rows": round(middle / read * 1e4, 3),
    }


def ratios(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Each size against the smallest one measured in the same run."""
    base = min(lines, key=lambda line: line["pairs"])

    def read(line: dict[str, Any]) -> int:
        return int(line["rows"] + line["encrypted_values"])

    out = []
    for line in sorted(lines, key=lambda line: line["pairs"]):
        seconds = round(line["seconds"] / base["seconds"], 2) if base["seconds"] else None
        out.append(
            {
                "pairs": line["pairs"],
                "rows_ratio": round(read(line) / read(base), 2),
                "seconds_ratio": seconds,
            }
        )
    return {"check": "erasure growth", "baseline_pairs": base["pairs"], "sizes": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # one size, in a child
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)), flush=True)
        return
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or min(sizes) < 10:
        parser.error("give sizes of at least 10 pairs")
    lines = []
    for size in sizes:
        done = subprocess.run(  # noqa: S603 - this script, in a fresh process per size
            [sys.executable, __file__, "--measure", str(size)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"measuring {size} pairs failed:\n{done.stderr[-3000:]}")
        line = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(line), flush=True)
        lines.append(line)
    print(json.dumps(ratios(lines)), flush=True)


if __name__ == "__main__":
    main()
