"""Pausing and resuming a partnership, by either partner or a coordinator. A paused pair gets
no reminders and shows as paused on the progress board; meetings already arranged stay."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.matching.models import Pair
from flipside.privacy import audit

from .. import facts
from ..models import Pause
from . import PartnershipError


def open_pause(pair: Pair) -> Pause | None:
    return Pause.objects.filter(pair=pair, resumed_at__isnull=True).first()


def pause_pair(pair: Pair, *, by: Any, reason: str) -> Pause:
    """Pause the pair. Idempotent: pausing a paused pair returns its open pause."""
    if pair.status != Pair.Status.ACTIVE:
        raise PartnershipError(_("This partnership has ended, so it cannot be paused."))
    with transaction.atomic():
        Pair.objects.select_for_update().filter(pk=pair.pk).first()
        existing = open_pause(pair)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                pause = Pause.objects.create(pair=pair, paused_by=by, reason=reason.strip()[:300])
        except IntegrityError:  # paused at the same moment by the other partner
            found = open_pause(pair)
            if found is None:
                raise
            return found
        audit.record(by, "partnerships.pair.paused", pair)
    return pause


def resume_pair(pair: Pair, *, by: Any) -> bool:
    """Resume the pair; False if it was not paused."""
    with transaction.atomic():
        resumed = Pause.objects.filter(pair=pair, resumed_at__isnull=True).update(
            resumed_at=timezone.now()
        )
        if resumed:
            facts.refresh([pair.pk])  # one statement, without a signal
            audit.record(by, "partnerships.pair.resumed", pair)
    return bool(resumed)
