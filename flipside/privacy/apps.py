from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "flipside.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"

    def ready(self) -> None:
        from flipside.lib import background
        from flipside.notifications.kinds import register

        from .audit import check_chain
        from .crypto import register_encrypted
        from .deletion import register_eraser
        from .erasure import erase_again
        from .kinds import kinds
        from .models import EqualityRecord

        background.register_invariant(key="audit", check=check_chain)
        register_encrypted(EqualityRecord)
        # A restored backup erases again the people erased since it was made.
        register_eraser(erase_again)
        register(*kinds())
