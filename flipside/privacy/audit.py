"""Write and verify the audit log. Services call ``record`` inside their transaction."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from flipside.lib.background import Verdict

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    # The actor link is left out of the hash: deleting an account empties it (SET NULL), and
    # that must not read as tampering. The label records who it was.
    return {
        "at": entry.at.isoformat(),
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "details": entry.details,
    }


def record(actor: Any, action: str, obj: models.Model, **details: Any) -> AuditEntry:
    """Append an entry for ``actor`` doing ``action`` to ``obj``; call inside the change's
    transaction so the entry exists exactly when the change does."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=getattr(actor, "email", "") or "system",
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_label=str(obj)[:300],
            details=json.loads(json.dumps(details, default=str)),
            prev_hash=head.last_hash,
        )
        entry.hash = _digest(entry.prev_hash, _fields(entry))
        entry.save()
        head.last_hash = entry.hash
        head.save(update_fields=["last_hash"])
    return entry


def verify_chain() -> list[int]:
    """Ids of entries whose hash or link to the previous entry does not hold (empty: intact)."""
    breaks: list[int] = []
    previous = GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator():
        if entry.prev_hash != previous or entry.hash != _digest(entry.prev_hash, _fields(entry)):
            breaks.append(entry.pk)
        previous = entry.hash
    head = AuditChainHead.objects.filter(pk=1).first()
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
