from __future__ import annotations

from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "flipside.partnerships"
    label = "partnerships"
    verbose_name = "Partnerships: meetings, talking points, reflection events"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from flipside.lib.background import register_job
        from flipside.notifications.kinds import register
        from flipside.privacy.crypto import register_encrypted
        from flipside.schemes.models import Cohort

        from .kinds import kinds
        from .models import JournalEntry
        from .reminders import EVERY, run_reminders
        from .services.events import on_cohort_saved

        register(*kinds())
        register_encrypted(JournalEntry)  # key rotation re-encrypts journals too
        register_job(name="partnerships.reminders", every=EVERY, run=run_reminders)
        # A cohort moved to running gets its mid-point and end reflection events.
        post_save.connect(
            on_cohort_saved, sender=Cohort, dispatch_uid="partnerships.default_events"
        )
