"""How erasure handles report documents (see flipside/privacy/erasure.py)."""

from __future__ import annotations

from flipside.privacy import erasure as E

from .models import ReportDocument

E.declare(
    "reports.ReportDocument",
    E.KEEP,
    why="Report documents they asked for are kept; reports name no one.",
    rows=lambda uid: ReportDocument.objects.filter(requested_by_id=uid),
    noun="report documents",
)
