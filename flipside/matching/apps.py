from __future__ import annotations

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "flipside.matching"
    label = "matching"
    verbose_name = "Matching mentors and mentees"

    def ready(self) -> None:
        from flipside.notifications.kinds import register

        from .kinds import kinds

        register(*kinds())
