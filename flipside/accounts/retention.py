"""The accounts app's retention rules (``privacy.retention``; decision 0035): django-axes'
records of sign-ins, sign-outs and failed attempts are deleted 90 days after the attempt,
invitations 30 days after they were accepted, revoked or expired, and expired sessions every
day.

A hold on a person keeps their sign-in records: django-axes stores the address typed, not the
account, so a record is theirs when its address is their email address (case ignored). An
expired session is deleted as Django's ``clearsessions`` does, outside the deletion log: its key
was a credential, which the log must not hold, and an expired session can never be used again,
so a restore that brings one back changes nothing (the next day's run deletes it)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower

from flipside.privacy import deletion
from flipside.privacy.inventory import Keep
from flipside.privacy.retention import Action, Rule, Schedules, fixed, register_rule

#: django-axes' tables, each a sign-in record counted from its attempt.
TABLES = ("axes.AccessLog", "axes.AccessAttempt", "axes.AccessFailureLog")


def _due(label: str) -> Any:
    def due(now: datetime.datetime, schedules: Schedules) -> QuerySet[Any]:
        from django.apps import apps

        model = apps.get_model(label)
        # Only held people's addresses are looked up: the others' records go either way.
        held = get_user_model().objects.filter(pk__in=deletion.held_user_ids())
        account = held.annotate(address=Lower("email"))
        return model._default_manager.filter(attempt_time__lt=now - fixed(Keep.SIGN_IN)).annotate(
            account=Subquery(account.filter(address=Lower(OuterRef("username"))).values("pk")[:1])
        )

    return due


def invitations_due(now: datetime.datetime, schedules: Schedules) -> QuerySet[Any]:
    """An invitation 30 days after it was accepted, revoked or expired (its link is over)."""
    from .models import Invitation

    over = Coalesce("accepted_at", "revoked_at", "expires_at")
    return Invitation.objects.annotate(over=over).filter(over__lt=now - fixed(Keep.SECRETS))


def register() -> None:
    register_rule(
        Rule(
            key="accounts.invitations",
            retention=Keep.SECRETS,
            label="accounts.Invitation",
            action=Action.DELETED,
            due=invitations_due,
            scheme="cohort__scheme",
            people=("accepted_by", "invited_by"),
            ends="Deleted.",
        )
    )
    for label in TABLES:
        register_rule(
            Rule(
                key=f"accounts.{label.split('.')[1].lower()}",
                retention=Keep.SIGN_IN,
                label=label,
                action=Action.DELETED,
                due=_due(label),
                people=("account",),
                ends="Deleted.",
            )
        )


def clear_expired_sessions(now: datetime.datetime) -> str:
    """The daily job: delete every session whose time is over, as ``clearsessions`` does."""
    from django.contrib.sessions.models import Session

    expired = Session.objects.filter(expire_date__lt=now)
    count = expired.delete()[0]
    return f"{count} expired sessions deleted"
