"""URL converters."""

from __future__ import annotations


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
