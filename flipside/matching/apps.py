from __future__ import annotations

from django.apps import AppConfig


def _load() -> object:
    # NumPy and the solvers take seconds to import: the worker loads them once, at start-up,
    # rather than in its first round; web pages and other commands load them when used.
    from . import services

    return services


def _process_runs(worker: str, batch: int) -> int:
    from .services import process_runs

    # One run at a time, whatever the batch: a large run holds its worker for half a minute.
    return process_runs(worker)


class MatchingConfig(AppConfig):
    name = "flipside.matching"
    label = "matching"
    verbose_name = "Matching mentors and mentees"

    def ready(self) -> None:
        from flipside.lib import background
        from flipside.notifications.kinds import register

        from .checks import check_pair_mentors
        from .kinds import kinds

        register(*kinds())
        background.register_worker_task(
            key="matching", label="matching proposals", run=_process_runs, load=_load
        )
        background.register_invariant(key="pair-mentors", check=check_pair_mentors)
