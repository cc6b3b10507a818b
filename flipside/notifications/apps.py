from __future__ import annotations

import datetime

from django.apps import AppConfig


def _deliver(worker: str, batch: int) -> int:
    from .outbox import process_batch  # not at the top: apps.py loads before the models

    return process_batch(worker, limit=batch)


class NotificationsConfig(AppConfig):
    name = "flipside.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from flipside.lib import background

        from .outbox import check_invariants
        from .schedules import purge_old_email_content

        background.register_worker_task(key="email", label="email delivery", run=_deliver)
        background.register_job(
            name="notifications.purge_old_email_content",
            every=datetime.timedelta(days=1),
            run=purge_old_email_content,
        )
        background.register_invariant(key="outbox", check=check_invariants)
        from . import retention

        retention.register()  # what privacy's retention job removes, and when
