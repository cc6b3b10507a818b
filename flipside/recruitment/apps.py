from __future__ import annotations

from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "flipside.recruitment"
    label = "recruitment"
    verbose_name = "Recruitment"

    def ready(self) -> None:
        from flipside.notifications.kinds import register
        from flipside.privacy.crypto import register_encrypted

        from .kinds import kinds
        from .models import Application

        register(*kinds())
        # Key rotation re-encrypts applications' access needs too.
        register_encrypted(Application, "access_needs_ciphertext")
        from . import retention

        retention.register()  # what privacy's retention job removes, and when
