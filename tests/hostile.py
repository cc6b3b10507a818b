"""The hostile inputs of the design's security notes, and the checks each app's hostile-input
tests make with them: every form that writes gets them, and must answer below 500, refuse with
a message and write nothing, or keep the value exactly as typed and show it escaped."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.html import escape
from django.utils.text import normalize_newlines

from flipside.notifications.models import OutboxMessage
from flipside.privacy.models import AuditEntry

TEXT = {
    "html": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "markdown_link": "[read this](javascript:alert(1))",
    "template": "{{7*7}} {% debug %}",
    "formula": '=HYPERLINK("https://evil.example","x")',
    "very_long": "Long-text-" * 10_000,
    "nul": "before\x00after",
    "control": "bell\x07escape\x1b[31m",
    "direction": "Ada\u202egnp.exe\u2069",
    "line_break": "Ada\r\nBcc: evil@example.test",
}
NOT_NUMBERS: dict[str, Any] = {
    "negative": "-1",
    "zero": "0",
    "overflow": "1e309",
    "huge": "9" * 30,
    "nan": "NaN",
    "decimal": "1.125",
    "word": "abc",
    "empty": "",
    "list": ["abc", "-1"],
}
NOT_DATES = ["2027-02-31", "0001-01-01", "9999-12-31", "1e309", "-1", "31/02/2027", ""]
NOT_IDS = ["-1", "0", "9" * 19, "abc", "1e309"]


def snapshot(tables: list[type[models.Model]]) -> dict[tuple[str, Any], tuple[Any, ...]]:
    """Every row of ``tables``, by table and primary key: what a refused post must not change."""
    rows = {}
    for model in tables:
        for row in model.objects.values_list():
            rows[(model._meta.label, row[0])] = row
    return rows


def counts() -> tuple[int, int]:
    """Audit entries and queued emails: a refused post adds neither."""
    return AuditEntry.objects.count(), OutboxMessage.objects.count()


def shown_escaped(value: str, page: str) -> bool:
    """The value is on the page escaped, as one line or with its line breaks kept."""
    lines = escape(normalize_newlines(value))
    return any(v in page for v in (escape(value), lines, lines.replace("\n", "<br>")))


def refused_with_a_message(page: str) -> bool:
    return any(m in page for m in ("There is a problem", "field__error", "message--error"))
