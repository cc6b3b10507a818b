from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "flipside.schemes"
    label = "schemes"
    verbose_name = "Organisations, schemes and cohorts"
