from __future__ import annotations

from typing import Any

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

        from .checks import check_kept_pair_counts, check_pair_mentors, check_run_scores
        from .kinds import kinds

        register(*kinds())
        background.register_worker_task(
            key="matching", label="matching proposals", run=_process_runs, load=_load
        )
        background.register_invariant(key="pair-mentors", check=check_pair_mentors)
        background.register_invariant(key="pair-counts", check=check_kept_pair_counts)
        background.register_invariant(key="run-scores", check=check_run_scores)
        _keep_pair_counts()


def _keep_pair_counts() -> None:
    """Every save and delete of a pair or a membership, and every save of a person that may
    change whether they count (``is_active``), marks the pair figures kept for the cohorts it
    touches (``kept.changed``), in the same transaction."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    from flipside.schemes.models import Membership

    from . import kept
    from .models import Pair

    for model in (Pair, Membership):

        def saved(instance: Any, raw: bool = False, **kwargs: Any) -> None:
            if not raw:  # not while loading fixtures
                kept.changed("cohort", instance.cohort_id)

        def deleted(instance: Any, **kwargs: Any) -> None:
            kept.changed("cohort", instance.cohort_id, deleting=True)

        uid = f"matching.pair_counts.{model._meta.label_lower}"
        post_save.connect(saved, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)

    def person_saved(
        instance: Any, created: bool, raw: bool = False, update_fields: Any = None, **kwargs: Any
    ) -> None:
        # A new person is in no cohort yet; a save of named fields other than is_active
        # (signing in, a new name) changes nothing the page counts.
        if raw or created or (update_fields is not None and "is_active" not in update_fields):
            return
        kept.changed("user", instance.pk)

    post_save.connect(
        person_saved, sender=get_user_model(), weak=False, dispatch_uid="matching.pair_counts.user"
    )
