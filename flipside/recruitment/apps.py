from __future__ import annotations

from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "flipside.recruitment"
    label = "recruitment"
    verbose_name = "Recruitment"

    def ready(self) -> None:
        from flipside.notifications.kinds import register

        from .kinds import kinds

        register(*kinds())
