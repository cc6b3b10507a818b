from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "flipside.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Notes the time of every sign-in, for changes that need a recent one.
        from . import middleware  # noqa: F401
