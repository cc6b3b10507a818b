from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "flipside.payments"
    label = "payments"
    verbose_name = "Payments: rates, timesheets, payment runs, budget"

    def ready(self) -> None:
        from flipside.lib.background import register_invariant

        from .checks import check_kept_pay_figures, check_money

        register_invariant(key="payments_money", check=check_money)
        register_invariant(key="pay-counts", check=check_kept_pay_figures)
        _keep_pay_figures()
        _keep_sort_names()
        from . import retention

        retention.register()  # what privacy's retention job removes, and when


def _keep_pay_figures() -> None:
    """Every save and delete of a line (also a line deleted with its timesheet, its mentor or
    its cohort) marks the pay figures kept for its cohort (``kept.changed``, decision 0024), in
    the same transaction. Writes of lines without a signal mark them themselves."""
    from django.db.models.signals import post_delete, post_save

    from . import kept
    from .models import Line

    def saved(instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if not raw:  # not while loading fixtures
            kept.changed(instance.cohort_id)

    def deleted(instance: Any, **kwargs: Any) -> None:
        kept.changed(instance.cohort_id, deleting=True)

    post_save.connect(saved, sender=Line, weak=False, dispatch_uid="payments.pay_counts")
    post_delete.connect(deleted, sender=Line, weak=False, dispatch_uid="payments.pay_counts")


def _keep_sort_names() -> None:
    """A person's new name goes onto their lines in the same transaction, so the review page
    sorts them under it (``Line.sort_name``, decision 0024). Saves of named fields without the
    name (signing in, say) change nothing."""
    from django.contrib.auth import get_user_model
    from django.db import connections, router
    from django.db.models.signals import post_save

    from .models import Line

    def person_saved(
        instance: Any, created: bool, raw: bool = False, update_fields: Any = None, **kwargs: Any
    ) -> None:
        if raw or created or (update_fields is not None and "display_name" not in update_fields):
            return
        name = instance.display_name
        with connections[router.db_for_write(Line)].cursor() as cursor:
            cursor.execute(
                "UPDATE payments_line SET sort_name = %s WHERE mentor_id = %s AND sort_name <> %s",
                [name, instance.pk, name],
            )

    post_save.connect(
        person_saved, sender=get_user_model(), weak=False, dispatch_uid="payments.sort_names"
    )
