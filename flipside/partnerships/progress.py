"""How far a pair has come: meetings held against the number expected by today, and the
status the progress board, the workspace and the reminders all use.

Expected by today: the cohort's minimum spread evenly over its running dates, rounded down,
so a cohort of 1 September to 30 June with a minimum of 4 expects 0 meetings in September,
1 after a quarter of the year, 2 at half-way, and all 4 on 30 June.

Status, first rule that applies:

- **ended** – the pair ended;
- **paused** – a pause is open;
- **no contact yet** – nothing held, arranged or proposed, 14 days or more after pairing;
- **on track** – held at least as many as expected by today;
- **behind** – one short of that;
- **at risk** – two or more short.

A held meeting counts unless the partner disputed it; a cancelled or missed one never does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

NO_CONTACT_AFTER = datetime.timedelta(days=14)

STATUSES = {
    "on_track": _("On track"),
    "behind": _("Behind"),
    "at_risk": _("At risk"),
    "no_contact": _("No contact yet"),
    "paused": _("Paused"),
    "ended": _("Ended"),
}


def expected_by(
    today: datetime.date, *, starts_on: datetime.date, ends_on: datetime.date, minimum: int
) -> int:
    """Meetings a pair should have held by the end of ``today``."""
    if today < starts_on:
        return 0
    if today >= ends_on:
        return minimum
    elapsed = (today - starts_on).days + 1
    length = (ends_on - starts_on).days + 1
    return minimum * elapsed // length


@dataclass(frozen=True)
class Progress:
    held: int
    expected: int
    minimum: int
    status: str

    @property
    def label(self) -> str:
        return str(STATUSES[self.status])

    @property
    def short_by(self) -> int:
        return max(0, self.expected - self.held)


def status_of(
    *,
    held: int,
    expected: int,
    ended: bool,
    paused: bool,
    any_contact: bool,
    paired_for: datetime.timedelta,
) -> str:
    """The pair's status by the rules above."""
    if ended:
        return "ended"
    if paused:
        return "paused"
    if held == 0 and not any_contact and paired_for >= NO_CONTACT_AFTER:
        return "no_contact"
    if held >= expected:
        return "on_track"
    if held == expected - 1:
        return "behind"
    return "at_risk"
