from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "flipside.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Notes the time of every sign-in, for changes that need a recent one.
        # Writes sign-ins, failures, lockouts and sign-outs to the audit log.
        from . import (
            middleware,  # noqa: F401
            sign_in_log,  # noqa: F401
        )
