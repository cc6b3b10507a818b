from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "flipside.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"

    def ready(self) -> None:
        from flipside.lib import background

        from .audit import check_chain

        background.register_invariant(key="audit", check=check_chain)
