"""Writes of the ideas register, by what they change: ``ideas`` (recording, status, merging,
naming) and ``owners`` (owners, inviting them, marking them left, the board's settings).
Each is a verb-first function that runs in one transaction, locks the idea two people could
change at once, writes an ``IdeaChange`` row and an audit entry, and queues its emails."""

from __future__ import annotations

from typing import Any

from flipside.lib.conflicts import EditConflict


class IdeasError(Exception):
    """A change refused for a reason the person can act on: the message says which, and
    ``field`` names the form field it is about (if any)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IdeaConflict(IdeasError, EditConflict):
    """Someone changed the idea since the form was drawn; nothing was written."""

    def __init__(self, message: str, *, latest: Any) -> None:
        Exception.__init__(self, message)
        self.field = None
        self.latest = latest
