"""URL converters."""

from __future__ import annotations

import re
from typing import Any


class IdConverter:
    """A positive database id that fits a 64-bit column; anything else is simply not found.

    Django's ``int`` converter lets a 30-digit number through to the database, which then
    fails with an overflow error instead of a clean 404.
    """

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def parse_id(value: Any) -> int | None:
    """An id arriving in a query string or form, by the same rule as ``<id:...>`` URLs;
    None for anything else."""
    text = str(value)
    return int(text) if re.fullmatch(IdConverter.regex, text) else None
