"""The deletion log and legal holds: what retention and erasure write and read.

Retention (a daily job) and erasure (one person, on request) both remove rows; each writes one
``DeletionRecord`` per table it touched, with the ids and counts and never the content, via
``log``. Both skip what a legal hold covers (``held_user_ids``, ``held_scheme_ids``).

Removing a row is not always deleting it: some tables are anonymised or minimised in place.
Whoever owns a table that is anonymised registers how (``register_anonymiser``), so that the
same function serves the retention job, erasure, and the replay after a backup is restored;
erasure registers itself with ``register_eraser`` so a restored backup erases the same people
again (``replay``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet

from .models import DeletionRecord, LegalHold

ERASURE = "erasure"
Action = DeletionRecord.Action

#: table label -> anonymise(ids) -> how many rows it changed. Idempotent.
_ANONYMISERS: dict[str, Callable[[list[Any]], int]] = {}
#: erase(user_id) -> what it did; set by the erasure module.
_ERASERS: list[Callable[[int], object]] = []


def new_run() -> str:
    return uuid.uuid4().hex


def active_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(lifted_at__isnull=True)


def held_user_ids() -> set[int]:
    return set(active_holds().filter(user__isnull=False).values_list("user_id", flat=True))


def held_scheme_ids() -> set[int]:
    return set(active_holds().filter(scheme__isnull=False).values_list("scheme_id", flat=True))


def is_held(*, user_id: int | None = None, scheme_ids: Iterable[int] = ()) -> bool:
    holds = active_holds()
    if user_id is not None and holds.filter(user_id=user_id).exists():
        return True
    scheme_ids = list(scheme_ids)
    return bool(scheme_ids) and holds.filter(scheme_id__in=scheme_ids).exists()


def log(
    *,
    run: str,
    reason: str,
    label: str,
    action: str,
    ids: Iterable[Any],
    held_ids: Iterable[Any] = (),
    subject: int | None = None,
) -> DeletionRecord | None:
    """Record that ``ids`` of ``label`` were removed (and ``held_ids`` kept under a hold);
    nothing is written when nothing was due."""
    ids, held_ids = sorted(ids), sorted(held_ids)
    if not ids and not held_ids and subject is None:
        return None
    return DeletionRecord.objects.create(
        run=run,
        reason=reason,
        label=label,
        action=action,
        ids=ids,
        count=len(ids),
        held_ids=held_ids,
        held=len(held_ids),
        eligible=len(ids) + len(held_ids),
        subject=subject,
    )


def register_anonymiser(label: str, anonymise: Callable[[list[Any]], int]) -> None:
    existing = _ANONYMISERS.setdefault(label, anonymise)
    if existing is not anonymise and existing.__qualname__ != anonymise.__qualname__:
        raise ValueError(f"{label} already has an anonymiser: {existing!r}")


def anonymiser(label: str) -> Callable[[list[Any]], int]:
    try:
        return _ANONYMISERS[label]
    except KeyError:
        raise LookupError(f"No anonymiser is registered for {label}") from None


def register_eraser(erase: Callable[[int], object]) -> None:
    if not any(e.__qualname__ == erase.__qualname__ for e in _ERASERS):
        _ERASERS.append(erase)


def erasers() -> list[Callable[[int], object]]:
    return list(_ERASERS)
