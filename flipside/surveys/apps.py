from __future__ import annotations

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "flipside.surveys"
    label = "surveys"
    verbose_name = "Surveys: instruments, schedules, pseudonymous responses, closing feedback"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from flipside.lib.background import register_invariant, register_job
        from flipside.notifications.kinds import register
        from flipside.privacy.crypto import register_encrypted

        from .checks import check_responses
        from .kept import invitations_deleted
        from .kinds import kinds
        from .models import Invitation, Response
        from .services.schedules import EVERY, run_surveys

        register(*kinds())
        register_encrypted(Response)  # key rotation re-encrypts free-text answers too
        register_job(name="surveys.invitations", every=EVERY, run=run_surveys)
        # Also checks the people invited and answered kept on each survey, and its kept
        # results (decision 0023).
        register_invariant(key="survey_responses", check=check_responses)
        # A person deleted takes their invitations: their surveys' figures are counted again.
        post_delete.connect(invitations_deleted, sender=Invitation,
                            dispatch_uid="surveys.invitations_deleted")  # fmt: skip
