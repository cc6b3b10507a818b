"""The settings refuse unsafe production configurations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "SECRET_KEY": "a-production-secret-that-is-long-enough-and-random-0123456789abcdefghijklmnop",
    "ALLOWED_HOSTS": "flipside.example.ac.uk",
    "DATABASE_URL": "sqlite:///:memory:",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1zdHlsZS1rZXktZm9yLXRlc3RzLTA=",
    "SURVEY_PSEUDONYM_KEY": "a-production-style-pseudonym-key-for-tests",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Start from the caller's environment without the test suite's own relaxations.
    relaxed = {
        "DEBUG",
        "SECRET_KEY",
        "STATIC_FROM_SOURCE",
        "SECURE_SSL_REDIRECT",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "FIELD_ENCRYPTION_KEYS",
        "SURVEY_PSEUDONYM_KEY",
    }
    clean = {k: v for k, v in os.environ.items() if k not in relaxed}
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_manage("check", env={"ALLOWED_HOSTS": "flipside.example.ac.uk"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_encryption_keys() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_KEYS"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_development_runs_without_any_variables() -> None:
    result = run_manage("check", env={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checklist() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_secure_and_host_prefixed() -> None:
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_NAME,"
        " s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.DEBUG)"
    )
    result = run_manage("shell", "--no-imports", "-c", script, env=PRODUCTION)
    assert result.stdout.split() == [
        "__Host-sessionid",
        "True",
        "__Host-csrftoken",
        "True",
        "True",
        "Lax",
        "False",
    ]


def test_postgresql_prepares_what_it_runs_again_and_again_unless_told_not_to() -> None:
    """Every page's own statements are planned once per connection on PostgreSQL, and an
    installation behind a pooler that cannot keep prepared statements can turn that off."""
    url = "postgres://postgres@127.0.0.1:5432/flipside"
    shown = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    on = run_manage("shell", "-c", shown, env={"DEBUG": "1", "DATABASE_URL": url})
    off = run_manage(
        "shell", "-c", shown,
        env={"DEBUG": "1", "DATABASE_URL": url, "DATABASE_PREPARED_STATEMENTS": "0"},
    )  # fmt: skip
    assert "'server_side_binding': True" in on.stdout, on.stderr
    assert "'prepare_threshold': 5" in on.stdout
    assert "server_side_binding" not in off.stdout, off.stderr


def test_the_survey_threshold_can_be_raised_but_never_lowered_below_five(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Survey answers are shown only from ``SURVEY_MIN_RESPONSES`` answers on: a value below
    5 stops the site from starting, in development too; a higher one is kept."""
    monkeypatch.delenv("SURVEY_MIN_RESPONSES", raising=False)
    result = run_manage("check", env={**PRODUCTION, "SURVEY_MIN_RESPONSES": "4"})
    assert result.returncode != 0
    assert "SURVEY_MIN_RESPONSES is 4; it must be 5 or more" in result.stderr
    for lowered in ("0", "-5"):
        result = run_manage("check", env={"DEBUG": "1", "SURVEY_MIN_RESPONSES": lowered})
        assert result.returncode != 0 and "it must be 5 or more" in result.stderr, lowered
    shown = "from django.conf import settings; print(settings.SURVEY_MIN_RESPONSES)"
    default = run_manage("shell", "--no-imports", "-c", shown, env={"DEBUG": "1"})
    raised = run_manage(
        "shell", "--no-imports", "-c", shown, env={"DEBUG": "1", "SURVEY_MIN_RESPONSES": "10"}
    )
    assert (default.stdout.strip(), raised.stdout.strip()) == ("5", "10"), default.stderr
