"""A partner's private journal about their partnership.

Entries are encrypted at rest (``privacy.crypto``) and only ever decrypted here, for their
author: never for the partner, coordinators or administrators. Nothing else in Flipside reads
``JournalEntry.ciphertext``: there is no admin page, export or report of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flipside.matching.models import Pair
from flipside.privacy import audit, crypto

from ..models import JournalEntry
from . import PartnershipError

MAX_LENGTH = 5000
PER_PAGE = 20
# The same text sent again this soon by its author is taken as a double submit.
REPEAT_WINDOW = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Entry:
    """A decrypted entry, for its author's eyes only."""

    id: int
    written_at: datetime.datetime
    text: str
    readable: bool = True


def _is_partner(pair: Pair, user: Any) -> bool:
    return bool(user is not None and user.pk in (pair.mentor_id, pair.mentee_id))


def _text_of(entry: JournalEntry) -> str | None:
    try:
        return str(crypto.decrypt(entry.ciphertext).get("text", ""))
    except crypto.DecryptionError:
        return None


def add_entry(pair: Pair, author: Any, text: str) -> JournalEntry:
    """Write an entry in the author's journal for the pair. The same text sent twice within
    a minute makes one entry."""
    if not _is_partner(pair, author):
        raise PartnershipError(_("Only the two partners keep a journal of this partnership."))
    text = (text or "").strip()
    if not text:
        raise PartnershipError(_("Write something before saving the entry."))
    if len(text) > MAX_LENGTH:
        raise PartnershipError(
            _("An entry can be at most %(max)s characters long; this one has %(n)s.")
            % {"max": f"{MAX_LENGTH:,}", "n": f"{len(text):,}"}
        )
    with transaction.atomic():
        # One writer per pair at a time, so a double submit finds the first entry.
        Pair.objects.select_for_update().filter(pk=pair.pk).first()
        recent = JournalEntry.objects.filter(
            pair=pair, author=author, written_at__gte=timezone.now() - REPEAT_WINDOW
        )
        for earlier in recent:
            if _text_of(earlier) == text:
                return earlier
        entry = JournalEntry.objects.create(
            pair=pair, author=author, ciphertext=crypto.encrypt({"text": text})
        )
        audit.record(author, "partnerships.journal_entry.written", entry)
    return entry


def own_entries(pair: Pair, author: Any, *, page: Any = None, per_page: int = PER_PAGE) -> Page:
    """One page of the author's own entries for the pair, newest first, decrypted. Anyone
    else gets an empty page: entries are read only by their author."""
    entries = JournalEntry.objects.filter(pair=pair, author_id=getattr(author, "pk", None))
    if not _is_partner(pair, author):
        entries = entries.none()
    found = Paginator(entries.order_by("-written_at", "-id"), per_page).get_page(page)
    decrypted = []
    for entry in found.object_list:
        text = _text_of(entry)
        decrypted.append(Entry(entry.pk, entry.written_at, text or "", text is not None))
    found.object_list = decrypted  # type: ignore[assignment]
    return found


def delete_entry(entry_id: int, author: Any) -> int | None:
    """Delete one of the author's own entries; the pair's id, or None when the author has no
    such entry (already deleted, or never theirs)."""
    with transaction.atomic():
        entry = (
            JournalEntry.objects.select_for_update()
            .filter(pk=entry_id, author_id=getattr(author, "pk", None))
            .first()
        )
        if entry is None:
            return None
        pair_id = entry.pair_id
        audit.record(author, "partnerships.journal_entry.deleted", entry)
        entry.delete()
    return pair_id
