from __future__ import annotations

from django.apps import AppConfig


class IdeasConfig(AppConfig):
    name = "flipside.ideas"
    label = "ideas"
    verbose_name = "Ideas for change: the register, owners, decisions and the board"

    def ready(self) -> None:
        from flipside.notifications.kinds import register
        from flipside.privacy.crypto import register_encrypted

        from .kinds import kinds
        from .models import Idea

        register(*kinds())
        register_encrypted(Idea, "experience_ciphertext")  # key rotation reaches it too
