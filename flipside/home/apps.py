from __future__ import annotations

from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "flipside.home"
    label = "home"
    verbose_name = "Home pages and cohort overviews"
