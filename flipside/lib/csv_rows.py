"""CSV downloads that no spreadsheet program runs as formulas, written a row at a time.

Shared by every CSV download (recruitment's spreadsheets re-export them for the cycle's
lists; the audit log's export in the base uses them directly).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import Any

# Cells starting with these are formulas (or become one) in Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A cell value that no spreadsheet program will run as a formula (OWASP's advice:
    prefix a single quote)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows accented names correctly."""
    return b"".join(csv_lines(rows))


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """``to_csv`` a row at a time, so a download can stream however long the list is."""
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if value is None else _csv_text(inert(value)) for value in row])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


def _csv_text(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)
