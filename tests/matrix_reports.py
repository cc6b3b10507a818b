"""The access matrix's rows for the reports app's URLs, and the objects its URLs name
(read by tests/test_access_matrix.py)."""

from __future__ import annotations

from typing import Any

from conftest import World
from tests.matrix_rows import COORDINATORS, SCHEME_COORDINATORS, row

# Reports hold aggregates only: coordinators and the cohort's observers (leadership) see
# them; mentors, mentees and other organisations get 404.
READERS = {**COORDINATORS, "observer": 200}
# A scheme's report: its coordinators and observers of one of its cohorts (not a cohort's
# own coordinator, who coordinates one year, not the scheme).
SCHEME_READERS = {**SCHEME_COORDINATORS, "observer": 200}

EXPECTED: dict[str, dict[str, int]] = {
    "reports:cohort": row(302, 404, **READERS),
    "reports:cohort_workbook": row(302, 404, **READERS),
    "reports:cohort_table": row(302, 404, **READERS),
    "reports:scheme": row(302, 404, **SCHEME_READERS),
    "reports:scheme_workbook": row(302, 404, **SCHEME_READERS),
    "reports:scheme_table": row(302, 404, **SCHEME_READERS),
    # The PDF and the publication bundle (views_documents.py): asked for by POST only.
    "reports:make_document": row(302, 405),
    "reports:document": row(302, 404, **READERS),
    "reports:document_progress": row(302, 404, **READERS),
    "reports:document_download": row(302, 404, **READERS),
}

KWARG_SETS: list[list[str]] = [
    ["cohort_id", "table", "fmt"],
    ["scheme_id", "table", "fmt"],
    ["cohort_id", "kind"],
    ["cohort_id", "document_id"],
]


def document(world: World) -> dict[str, Any]:
    """A finished PDF of ``world``'s cohort report."""
    from flipside.reports.models import ReportDocument

    found, _ = ReportDocument.objects.get_or_create(
        cohort=world.cohort,
        kind=ReportDocument.Kind.PDF,
        defaults={"status": "done", "filename": "report.pdf", "content": b"%PDF-1.7"},
    )
    return {"document_id": found.pk}


def samples(world: World, name: str) -> dict[str, Any]:
    """The first table of the report that ``name`` belongs to (whichever ``figures`` makes
    first)."""
    from flipside.reports import selectors

    if name.startswith("reports:scheme"):
        tables = selectors.scheme_report(world.scheme).tables
    else:
        tables = selectors.cohort_report(world.cohort).tables
    return {"table": tables[0].key if tables else "none", "fmt": "csv"}
