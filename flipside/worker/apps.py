from __future__ import annotations

from django.apps import AppConfig


class WorkerConfig(AppConfig):
    """The commands that run what the other apps register in ``flipside.lib.background``:
    ``run_worker``, ``run_schedules`` and ``selfcheck``; and ``backup`` and ``restore``. No
    models."""

    name = "flipside.worker"
    label = "worker"
    verbose_name = "Background worker"

    def ready(self) -> None:
        from django.core import checks

        from flipside.worker.checks import backup_keys

        checks.register(backup_keys)
