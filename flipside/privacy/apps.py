from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "flipside.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"
