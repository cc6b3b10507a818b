from __future__ import annotations

from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "flipside.home"
    label = "home"
    verbose_name = "Home pages and cohort overviews"

    def ready(self) -> None:
        from flipside.lib.i18n import skip_empty_fallbacks_everywhere

        skip_empty_fallbacks_everywhere()
