from __future__ import annotations

from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "flipside.schemes"
    label = "schemes"
    verbose_name = "Organisations, schemes and cohorts"

    def ready(self) -> None:
        from flipside.lib import background

        from .selectors import check_sort_names

        background.register_invariant(key="sort-names", check=check_sort_names)
