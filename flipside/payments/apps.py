from __future__ import annotations

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "flipside.payments"
    label = "payments"
    verbose_name = "Payments: rates, timesheets, payment runs, budget"

    def ready(self) -> None:
        from flipside.lib.background import register_invariant

        from .checks import check_money

        register_invariant(key="payments_money", check=check_money)
