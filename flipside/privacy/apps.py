from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "flipside.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"

    def ready(self) -> None:
        from flipside.lib import background

        from .audit import check_chain
        from .crypto import register_encrypted
        from .models import EqualityRecord

        background.register_invariant(key="audit", check=check_chain)
        register_encrypted(EqualityRecord)
