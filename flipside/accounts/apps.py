import datetime

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "flipside.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Notes the time of every sign-in, for changes that need a recent one.
        # Writes sign-ins, failures, lockouts and sign-outs to the audit log.
        from flipside.lib import background

        from . import (
            middleware,  # noqa: F401
            retention,
            sign_in_log,  # noqa: F401
        )

        retention.register()  # what privacy's retention job removes, and when
        background.register_job(
            name="accounts.clear_expired_sessions",
            every=datetime.timedelta(days=1),
            run=retention.clear_expired_sessions,
        )
