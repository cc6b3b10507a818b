from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "flipside.accounts"
    label = "accounts"
    verbose_name = "Accounts"
