"""Everything that changes matching data. Views call these; each checks its own rules and
raises ``MatchingError`` with a plain-English message the page can show as it is.

* ``setup``: settings, capacities and rules (and the errors every service raises).
* ``runs``: queueing a proposal, and the worker claiming and computing it.
* ``edits``: adjusting a draft proposal by hand.
* ``publication``: publishing, introductions, ending a pair and pairing again by hand.
* ``places``: how many partners people may have and have, and the lock guarding them.

The names below are the app's services, so callers write ``services.publish(...)`` whatever
module holds it; the worker task registered in ``apps.py`` imports ``process_runs`` from here.
"""

from __future__ import annotations

from .edits import (
    LOW_SCORE,
    Check,
    NeedsConfirmation,
    add_proposal,
    check_manual_pair,
    remove_proposal,
    set_lock,
    swap,
)
from .publication import create_pair, end_pair, publish
from .runs import LEASE, MAX_ATTEMPTS, execute_run, process_runs, rerun, start_run
from .setup import (
    SETTINGS_FIELDS,
    MatchingError,
    StaleRun,
    add_rule,
    remove_rule,
    set_capacity,
    settings_for,
    update_settings,
)

__all__ = [
    "LEASE",
    "LOW_SCORE",
    "MAX_ATTEMPTS",
    "SETTINGS_FIELDS",
    "Check",
    "MatchingError",
    "NeedsConfirmation",
    "StaleRun",
    "add_proposal",
    "add_rule",
    "check_manual_pair",
    "create_pair",
    "end_pair",
    "execute_run",
    "process_runs",
    "publish",
    "remove_proposal",
    "remove_rule",
    "rerun",
    "set_capacity",
    "settings_for",
    "start_run",
    "swap",
    "set_lock",
    "update_settings",
]
