from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "flipside.notifications"
    label = "notifications"
    verbose_name = "Notifications"
