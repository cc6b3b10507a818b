from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "flipside.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"

    def ready(self) -> None:
        from flipside.lib import background
        from flipside.notifications.kinds import register

        from .audit import check_chain
        from .crypto import register_encrypted
        from .deletion import register_eraser
        from .erasure import erase_again
        from .kinds import kinds
        from .models import EqualityRecord

        background.register_invariant(key="audit", check=check_chain)
        register_encrypted(EqualityRecord)
        # A restored backup erases again the people erased since it was made.
        register_eraser(erase_again)
        register(*kinds())
        _register_retention()


def _register_retention() -> None:
    import datetime

    from flipside.lib import background

    from . import retention

    retention.register_rule(retention.AUDIT_RULE)
    retention.register_rule(retention.EQUALITY_RULE)
    # People whose cohorts all closed the period ago are anonymised as erasure does (last).
    retention.register_rule(retention.PARTICIPANT_RULE)
    background.register_job(
        name="privacy.retention", every=datetime.timedelta(days=1), run=retention.run_job
    )
    background.register_invariant(key="retention", check=retention.check_overdue)
    background.register_restore_step(
        key="deletion-log", keep=retention.keep_log, replay=retention.replay
    )
