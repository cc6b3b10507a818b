from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_run_schedules_command_reports_what_ran() -> None:
    first, second = StringIO(), StringIO()
    call_command("run_schedules", stdout=first)
    call_command("run_schedules", stdout=second)
    assert "notifications.purge_old_email_content" in first.getvalue()
    assert second.getvalue().strip() == "Nothing was due."
