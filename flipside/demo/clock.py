"""The demo's history reads like a real year: each change carries the date it would have
happened on, not the moment the demo was loaded."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone

from flipside.schemes.models import Stage

# When each stage of a cohort began.
Dates = dict[str, datetime.datetime]


@contextmanager
def clock(at: datetime.datetime | None) -> Iterator[None]:
    """Do what is inside as if it were ``at``: the services stamp stage changes and the audit
    log with ``timezone.now()``, and a past year's history should carry that year's dates.
    (Patching is confined to loading the demo, which refuses to run in production.)"""
    if at is None:
        yield
        return
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def dated(*days: datetime.date | int) -> Dates:
    """Dates for the stages from planning on: a calendar date (at 9 in the morning, London
    time, and never later than now) or a number of days ago."""
    now = timezone.now()
    dates: Dates = {}
    for stage, day in zip(Stage.values, days, strict=False):
        if isinstance(day, int):
            at = (now - datetime.timedelta(days=day)).replace(minute=0, second=0, microsecond=0)
        else:
            # In UTC, like the real clock: the audit log hashes the time as it is stored.
            london = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
            at = london.astimezone(datetime.UTC)
        # A demo loaded early keeps its history in the past, one minute apart at least.
        dates[stage] = min(at, now - datetime.timedelta(minutes=len(days) - len(dates)))
    return dates
