from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "flipside.demo"
    label = "demo"
    verbose_name = "Demo data"
