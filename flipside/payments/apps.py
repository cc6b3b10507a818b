from __future__ import annotations

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "flipside.payments"
    label = "payments"
    verbose_name = "Payments: rates, timesheets, payment runs, budget"
