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
        _keep_pair_facts()
        from flipside.lib.background import register_invariant

        from .facts import check_facts, check_status_counts

        register_invariant(key="partnership_facts", check=check_facts)
        register_invariant(key="partnership_status_counts", check=check_status_counts)
        register_encrypted(JournalEntry)  # key rotation re-encrypts journals too
        register_job(name="partnerships.reminders", every=EVERY, run=run_reminders)
        from . import retention

        retention.register()  # what privacy's retention job removes, and when
        # A cohort moved to running gets its mid-point and end reflection events.
        post_save.connect(
            on_cohort_saved, sender=Cohort, dispatch_uid="partnerships.default_events"
        )


def _keep_pair_facts() -> None:
    """Every save and delete of a meeting or a pause works its pair's facts out again, and
    lets its cohort's kept status counts stop holding, in the same transaction
    (``facts.refresh``)."""
    from typing import Any

    from django.db.models.signals import post_delete, post_save

    from . import facts
    from .models import Meeting, Pause

    def changed(instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if not raw:  # not while loading fixtures
            facts.refresh([instance.pair_id])

    def deleted(instance: Any, **kwargs: Any) -> None:
        facts.refresh([instance.pair_id], deleting=True)

    for model in (Meeting, Pause):
        uid = f"partnerships.facts.{model._meta.label_lower}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid + ".deleted")
