"""Sign-in records are kept 90 days after the attempt and invitations 30 days after their link
is over, then deleted by the daily retention job (a hold keeps them); expired sessions are
deleted every day."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from conftest import World, make_user
from flipside.accounts.models import Invitation
from flipside.accounts.retention import clear_expired_sessions
from flipside.lib import background
from flipside.privacy import retention
from flipside.privacy.models import DeletionRecord, LegalHold
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2029, 6, 15, 12, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def record(model: type, username: str, at: datetime.datetime, **fields: object) -> object:
    row = model.objects.create(
        username=username, ip_address="192.0.2.1", user_agent="Firefox", **fields
    )
    # attempt_time is auto_now_add: set it as it was.
    model.objects.filter(pk=row.pk).update(attempt_time=at)
    return row


def outcome(outcomes: list[retention.Outcome], label: str) -> retention.Outcome:
    return next(o for o in outcomes if o.rule.label == label)


def test_sign_in_records_go_ninety_days_after_the_attempt_and_the_run_is_logged() -> None:
    make_user("Mo Mentor", email="mo@example.ac.uk")
    old = NOW - 91 * DAY
    recent = NOW - 89 * DAY
    old_sign_in = record(AccessLog, "mo@example.ac.uk", old)
    kept_sign_in = record(AccessLog, "mo@example.ac.uk", recent)
    old_failure = record(AccessFailureLog, "guess@example.com", old)
    old_attempt = record(AccessAttempt, "guess@example.com", old, failures_since_start=5)
    AccessAttemptExpiration.objects.create(access_attempt=old_attempt, expires_at=old)

    planned = retention.run(NOW, dry_run=True)
    assert outcome(planned, "axes.AccessLog").removed == [old_sign_in.pk]
    assert AccessLog.objects.count() == 2

    outcomes = retention.run(NOW)
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [kept_sign_in.pk]
    assert not AccessFailureLog.objects.filter(pk=old_failure.pk).exists()
    assert not AccessAttempt.objects.exists()
    assert not AccessAttemptExpiration.objects.exists()  # goes with its attempt
    assert outcome(outcomes, "axes.AccessAttempt").removed == [old_attempt.pk]
    logged = DeletionRecord.objects.get(label="axes.AccessLog")
    assert logged.ids == [old_sign_in.pk] and logged.reason == "sign_in"
    # Nothing more is due the same day.
    assert all(not o.removed for o in retention.run(NOW) if o.rule.label.startswith("axes."))


def test_a_hold_on_a_person_keeps_their_sign_in_records_whatever_the_case_typed() -> None:
    held = make_user("Hal Held", email="hal@example.ac.uk")
    make_user("Ola Other", email="ola@example.ac.uk")
    officer = make_user("Dee Officer", email="dee@example.ac.uk")
    theirs = record(AccessLog, "HAL@example.ac.uk", NOW - 200 * DAY)
    others = record(AccessLog, "ola@example.ac.uk", NOW - 200 * DAY)
    LegalHold.objects.create(reason="Claim", user=held, placed_by=officer)

    result = outcome(retention.run(NOW), "axes.AccessLog")
    assert result.held == [theirs.pk] and result.removed == [others.pk]
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [theirs.pk]

    LegalHold.objects.update(lifted_at=NOW, lifted_by=officer)
    assert outcome(retention.run(NOW), "axes.AccessLog").removed == [theirs.pk]
    assert not AccessLog.objects.exists()


def test_expired_sessions_are_deleted_daily_and_live_ones_kept() -> None:
    live, expired = SessionStore(), SessionStore()
    live["n"] = expired["n"] = 1
    live.set_expiry(NOW + DAY)
    expired.set_expiry(NOW - DAY)
    live.save()
    expired.save()
    assert clear_expired_sessions(NOW) == "1 expired sessions deleted"
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert "accounts.clear_expired_sessions" in {job.name for job in background.scheduled_jobs()}


def test_invitations_go_thirty_days_after_they_were_accepted_revoked_or_expired(
    world: World,
) -> None:
    def invitation(n: int, **when: datetime.datetime) -> Invitation:
        return Invitation.objects.create(
            cohort=world.cohort,
            email=f"person{n}@example.ac.uk",
            role=Role.MENTEE,
            token_hash=f"{n:064d}",
            expires_at=when.pop("expires_at", NOW + 14 * DAY),
            **when,
        )

    accepted_long_ago = invitation(1, accepted_at=NOW - 31 * DAY, expires_at=NOW - 20 * DAY)
    accepted_lately = invitation(2, accepted_at=NOW - 29 * DAY, expires_at=NOW - 20 * DAY)
    revoked_long_ago = invitation(3, revoked_at=NOW - 31 * DAY)
    expired_long_ago = invitation(4, expires_at=NOW - 31 * DAY)
    pending = invitation(5)

    result = outcome(retention.run(NOW), "accounts.Invitation")
    assert sorted(result.removed) == sorted(
        [accepted_long_ago.pk, revoked_long_ago.pk, expired_long_ago.pk]
    )
    assert sorted(Invitation.objects.values_list("pk", flat=True)) == sorted(
        [accepted_lately.pk, pending.pk]
    )

    # A hold on the scheme keeps them; lifted, they go.
    held = invitation(6, revoked_at=NOW - 40 * DAY)
    hold = LegalHold.objects.create(
        reason="Claim", scheme=world.scheme, placed_by=world.org_coordinator
    )
    assert outcome(retention.run(NOW), "accounts.Invitation").held == [held.pk]
    LegalHold.objects.filter(pk=hold.pk).update(lifted_at=NOW, lifted_by=world.org_coordinator)
    assert outcome(retention.run(NOW), "accounts.Invitation").removed == [held.pk]
