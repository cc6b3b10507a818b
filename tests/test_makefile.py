"""`make run` and `make worker` link to the address the site is actually served on.

Checked with `make -n` (print the commands, run none), so nothing is installed or served.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str, **env: str) -> str:
    # Nothing from the caller's own make or shell may decide the address.
    inherited = {"SITE_URL", "HOST", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["make", "-n", *args],  # noqa: S607 - make from PATH, as a developer runs it
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def site_url_of(output: str, command: str) -> str | None:
    """The SITE_URL the shell command running ``manage.py <command>`` is given, if any."""
    for part in re.split(r"[;&\n]", output.replace("\\\n", " ")):
        if f"manage.py {command}" in part:
            found = re.search(r"\bSITE_URL=(['\"]?)(\S+?)\1(?:\s|$)", part)
            return found.group(2) if found else None
    raise AssertionError(f"`make -n` runs no `manage.py {command}`:\n{output}")


def test_make_run_links_to_the_port_it_serves_on() -> None:
    output = dry_run("run", "PORT=8080")
    assert "runserver 127.0.0.1:8080" in output
    for command in ["seed_demo", "demo_signins", "run_worker", "runserver"]:
        assert site_url_of(output, command) == "http://127.0.0.1:8080", command


def test_make_run_follows_the_host_too() -> None:
    output = dry_run("run", "HOST=localhost", "PORT=9000")
    assert site_url_of(output, "runserver") == "http://localhost:9000"
    assert site_url_of(output, "run_worker") == "http://localhost:9000"


def test_a_site_url_already_set_is_kept() -> None:
    public = "https://mentoring.example.ac.uk"
    for output in [
        dry_run("run", "PORT=8080", SITE_URL=public),
        dry_run("run", f"SITE_URL={public}"),
    ]:
        assert site_url_of(output, "runserver") == public
        assert site_url_of(output, "run_worker") == public


def test_make_worker_and_schedules_link_to_the_same_address_as_make_run() -> None:
    assert site_url_of(dry_run("worker", "PORT=8080"), "run_worker") == "http://127.0.0.1:8080"
    assert site_url_of(dry_run("worker"), "run_worker") == "http://127.0.0.1:8000"
    schedules = dry_run("schedules", "PORT=8080")
    assert site_url_of(schedules, "run_schedules") == "http://127.0.0.1:8080"
