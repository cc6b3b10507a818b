from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "flipside.training"
    label = "training"
    verbose_name = "Training, handbook, ground rules and support"

    def ready(self) -> None:
        from flipside.lib import background
        from flipside.notifications.kinds import register
        from flipside.privacy.crypto import register_encrypted

        from .kinds import kinds
        from .models import Concern
        from .readiness import check_kept_counts

        register(*kinds())
        register_encrypted(Concern)  # key rotation re-encrypts concerns too
        _keep_readiness_counts()
        background.register_invariant(key="readiness", check=check_kept_counts)


def _keep_readiness_counts() -> None:
    """Every save and delete of what the readiness rule reads marks the counts kept for the
    cohorts it touches (``readiness.changed``), in the same transaction."""
    from django.db.models.signals import post_delete, post_save

    from flipside.schemes.models import Cohort, Membership

    from . import models, readiness

    inputs: list[tuple[Any, str, str]] = [
        (Cohort, "cohort", "pk"),  # its scheme decides which handbook and rules count
        (Membership, "cohort", "cohort_id"),
        (models.TrainingSession, "cohort", "cohort_id"),
        (models.Booking, "session", "session_id"),
        (models.HandbookVersion, "scheme", "scheme_id"),
        (models.HandbookAcknowledgement, "handbook_version", "version_id"),
        (models.AgreementVersion, "scheme", "scheme_id"),
        (models.AgreementAcceptance, "agreement_version", "version_id"),
        (models.ReadinessOverride, "cohort", "cohort_id"),
    ]
    for model, what, attribute in inputs:

        def saved(instance: Any, raw: bool = False, what: str = what, attribute: str = attribute,
                  **kwargs: Any) -> None:  # fmt: skip
            if not raw:  # not while loading fixtures
                readiness.changed(what, getattr(instance, attribute))

        def deleted(instance: Any, what: str = what, attribute: str = attribute,
                    **kwargs: Any) -> None:  # fmt: skip
            readiness.changed(what, getattr(instance, attribute), deleting=True)

        uid = f"training.readiness.{model._meta.label_lower}"
        post_save.connect(saved, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)
