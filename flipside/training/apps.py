from __future__ import annotations

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "flipside.training"
    label = "training"
    verbose_name = "Training, handbook, ground rules and support"

    def ready(self) -> None:
        from flipside.notifications.kinds import register

        from .kinds import kinds

        register(*kinds())
