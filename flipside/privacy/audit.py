"""Write and verify the audit log. Services call ``record`` inside their transaction."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from flipside.lib.background import Verdict

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64

# <app>.<object>.<verb>, e.g. "recruitment.application.submitted" (see decision 0006).
ACTION_FORM = re.compile(r"^(?P<app>[a-z_]+)\.[a-z_]+\.[a-z_]+$")

# Codes written before actions named their app. Their rows keep them: the code is part of
# each entry's hash, so rewriting them would break the chain (decision 0006). Reads that
# filter by action ask ``codes_for`` and so find both.
LEGACY_ACTIONS: dict[str, str] = {
    "agreement.accepted": "training.agreement.accepted",
    "agreement.published": "training.agreement.published",
    "applicant.email_verified": "recruitment.applicant.email_verified",
    "application.decided": "recruitment.application.decided",
    "application.note_added": "recruitment.application.note_added",
    "application.offered_freed_place": "recruitment.application.offered_freed_place",
    "application.scored": "recruitment.application.scored",
    "application.started": "recruitment.application.started",
    "application.submitted": "recruitment.application.submitted",
    "application.withdrawn": "recruitment.application.withdrawn",
    "applications.exported": "recruitment.applications.exported",
    "call.created": "recruitment.call.created",
    "call.updated": "recruitment.call.updated",
    "cohort.created": "schemes.cohort.created",
    "cohort.staff_list_imported": "recruitment.staff_list.imported",
    "cohort.stage_changed": "schemes.cohort.stage_changed",
    "cohort.updated": "schemes.cohort.updated",
    "concern.raised": "training.concern.raised",
    "concern.triaged": "training.concern.triaged",
    "email_wording.reset": "notifications.wording.reset",
    "email_wording.saved": "notifications.wording.saved",
    "equality.consent_given": "privacy.equality.consent_given",
    "equality.consent_withdrawn": "privacy.equality.consent_withdrawn",
    "handbook.acknowledged": "training.handbook.acknowledged",
    "handbook.published": "training.handbook.published",
    "invitation.accepted": "accounts.invitation.accepted",
    "invitation.new_link_requested": "accounts.invitation.new_link_requested",
    "invitation.replaced": "accounts.invitation.replaced",
    "invitation.revoked": "accounts.invitation.revoked",
    "invitation.sent": "accounts.invitation.sent",
    "matching.added": "matching.proposal.added",
    "matching.capacity_set": "matching.capacity.set",
    "matching.pair_created": "matching.pair.created",
    "matching.pair_ended": "matching.pair.ended",
    "matching.published": "matching.run.published",
    "matching.removed": "matching.proposal.removed",
    "matching.rule_lock": "matching.rule.lock_added",
    "matching.rule_never": "matching.rule.never_added",
    "matching.rule_removed": "matching.rule.removed",
    "matching.run_started": "matching.run.started",
    "matching.settings_changed": "matching.settings.changed",
    "matching.swapped": "matching.proposal.swapped",
    "membership.added": "schemes.membership.added",
    "notifications.optional_email_changed": "notifications.preference.changed",
    "organisation.coordinator_added": "schemes.organisation.coordinator_added",
    "organisation.created": "schemes.organisation.created",
    "outbox.retried": "notifications.message.retried",
    "pairs.exported": "matching.pairs.exported",
    "profile.updated": "accounts.profile.updated",
    "programme.added": "recruitment.programme.added",
    "programme.removed": "recruitment.programme.removed",
    "programme.updated": "recruitment.programme.updated",
    "readiness.overridden": "training.readiness.overridden",
    "readiness.override_removed": "training.readiness.override_removed",
    "rubric_criterion.added": "recruitment.rubric_criterion.added",
    "rubric_criterion.removed": "recruitment.rubric_criterion.removed",
    "rubric_criterion.updated": "recruitment.rubric_criterion.updated",
    "scheme.coordinator_added": "schemes.scheme.coordinator_added",
    "scheme.created": "schemes.scheme.created",
    "scheme.updated": "schemes.scheme.updated",
    "support_service.added": "training.support_service.added",
    "support_service.changed": "training.support_service.changed",
    "support_service.removed": "training.support_service.removed",
    "topic.added": "recruitment.topic.added",
    "topic.removed": "recruitment.topic.removed",
    "topic.updated": "recruitment.topic.updated",
    "training.attendance_marked": "training.attendance.marked",
    "training.booked": "training.booking.created",
    "training.booking_cancelled": "training.booking.cancelled",
    "training.session_cancelled": "training.session.cancelled",
    "training.session_created": "training.session.created",
    "training.session_updated": "training.session.updated",
    "training.waiting_list_promoted": "training.booking.promoted",
}


def codes_for(action: str) -> list[str]:
    """``action`` and the older code that meant the same, for filtering old and new rows."""
    return [action, *(old for old, new in LEGACY_ACTIONS.items() if new == action)]


def check_action(action: str) -> str:
    match = ACTION_FORM.match(action)
    labels = {config.label for config in apps.get_app_configs()}
    if match is None or match["app"] not in labels:
        raise ValueError(
            f"Audit action {action!r} must read <app>.<object>.<verb>, "
            "starting with the label of the app that makes the change."
        )
    return action


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    # The actor link is left out of the hash: deleting an account empties it (SET NULL), and
    # that must not read as tampering. The label records who it was.
    return {
        # In UTC whatever zone the time was made in, so a reload from the database (always
        # UTC) hashes the same.
        "at": entry.at.astimezone(datetime.UTC).isoformat(),
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "details": entry.details,
    }


@dataclass(frozen=True)
class Scope:
    """The organisation, scheme and cohort an entry belongs to, by id (None: not known)."""

    organisation_id: int | None = None
    scheme_id: int | None = None
    cohort_id: int | None = None


# The links followed, in this order, from an object towards its cohort, scheme or
# organisation: a pair's cohort, a meeting's pair, a timesheet's run... Three steps at most.
SCOPE_LINKS = (
    "cohort",
    "scheme",
    "organisation",
    "pair",
    "run",
    "call",
    "application",
    "session",
    "timesheet",
    "meeting",
    "event",
    "series",
    "point",
    "survey",
    "instrument",
    "idea",
)


def scope_of(obj: models.Model | None, *, steps: int = 3) -> Scope:
    """Where ``obj`` belongs: itself if it is an organisation, scheme or cohort, else the first
    of its links (``SCOPE_LINKS``) that leads to one. A person belongs to no one place."""
    if obj is None:
        return Scope()
    label = obj._meta.label_lower
    if label == "schemes.organisation":
        return Scope(obj.pk)
    if label == "schemes.scheme":
        return Scope(getattr(obj, "organisation_id", None), obj.pk)
    if label == "schemes.cohort":
        scheme = getattr(obj, "scheme", None)
        return Scope(getattr(scheme, "organisation_id", None), getattr(scheme, "pk", None), obj.pk)
    if steps <= 0:
        return Scope()
    for name in SCOPE_LINKS:
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not (field.many_to_one or field.one_to_one) or field.auto_created:
            continue  # only forward links: a reverse one is a set, not a place
        if getattr(obj, field.attname, None) is None:  # type: ignore[union-attr]
            continue
        try:
            linked = getattr(obj, name)
        except ObjectDoesNotExist:  # removed in the same change: the entry has no place
            continue
        found = scope_of(linked, steps=steps - 1)
        if found.organisation_id is not None:
            return found
    return Scope()


def record(actor: Any, action: str, obj: models.Model | None = None, **details: Any) -> AuditEntry:
    """Append an entry for ``actor`` doing ``action`` to ``obj``; call inside the change's
    transaction so the entry exists exactly when the change does.

    ``obj`` may be None for an event about no record (a sign-in attempt for an address that
    has no account). The entry's organisation, scheme and cohort come from ``obj``
    (``scope_of``); they are not hashed."""
    check_action(action)
    scope = scope_of(obj)
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_actor_label(actor),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_label=str(obj)[:300] if obj is not None else "",
            details=json.loads(json.dumps(details, default=str)),
            prev_hash=head.last_hash,
            organisation_id=scope.organisation_id,
            scheme_id=scope.scheme_id,
            cohort_id=scope.cohort_id,
        )
        entry.hash = _digest(entry.prev_hash, _fields(entry))
        entry.save()
        head.last_hash = entry.hash
        head.save(update_fields=["last_hash"])
    return entry


#: Written last by an erasure; its ``redacted`` detail lists the earlier entries whose labels
#: had the erased person's name or address replaced (decision 0037).
ERASED = "privacy.person.erased"


def _redacted() -> set[int]:
    """Entries an erasure changed: listed in a later erasure entry, whose own hash holds."""
    allowed: set[int] = set()
    for pk, details in AuditEntry.objects.filter(action=ERASED).values_list("pk", "details"):
        ids = details.get("redacted", []) if isinstance(details, dict) else []
        allowed.update(i for i in ids if isinstance(i, int) and i < pk)
    return allowed


def _actor_label(actor: Any) -> str:
    if getattr(actor, "email", ""):
        return str(actor.email)
    return "anonymous" if getattr(actor, "is_anonymous", False) else "system"


def viewed(request: Any, obj: models.Model, what: str, **details: Any) -> AuditEntry:
    """Record that the person of ``request`` opened ``what`` (a journal, a concern...) of
    ``obj``: for pages that show someone else's special-category or confidential data to staff.
    The action reads ``<obj's app>.<what>.viewed``."""
    return record(request.user, f"{obj._meta.app_label}.{what}.viewed", obj, **details)


def verify_chain() -> list[int]:
    """Ids of entries whose hash or link to the previous entry does not hold (empty: intact).

    An entry an erasure redacted keeps its hash and its place in the chain; only its content
    may differ, and only when a later erasure entry lists it."""
    breaks: list[int] = []
    head = AuditChainHead.objects.filter(pk=1).first()
    # Retention deletes the oldest entries and keeps the hash the first kept one carries.
    previous = head.start_hash if head is not None else GENESIS
    redacted = _redacted()
    for entry in AuditEntry.objects.order_by("id").iterator():
        if entry.prev_hash != previous or (
            entry.hash != _digest(entry.prev_hash, _fields(entry)) and entry.pk not in redacted
        ):
            breaks.append(entry.pk)
        previous = entry.hash
    if head is not None and head.last_hash != previous:
        breaks.append(-1)  # the newest entries were removed
    return breaks


def check_chain() -> Verdict:
    """For ``selfcheck``: the chain is unbroken, so no entry was changed or removed."""
    breaks = verify_chain()
    summary = f"Audit entries chained: {'yes' if not breaks else 'NO'}"
    return Verdict(summary, (f"audit chain broken at entries {breaks[:20]}",) if breaks else ())


def entries_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
