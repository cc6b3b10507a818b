"""What reports stores, for the data inventory (``privacy.inventory``)."""

from __future__ import annotations

from flipside.privacy.inventory import Activity, Basis, Keep, Subject, declare, fields
from flipside.privacy.inventory import Protection as P
from flipside.privacy.inventory import not_personal as plain

declare(
    "reports.ReportDocument",
    activity=Activity.REPORTS,
    purpose=(
        "A PDF or publication bundle of a cohort's report, made by the worker. It holds "
        "figures across people with small numbers suppressed, never a person."
    ),
    retention=Keep.OPERATIONS,
    seen_by="The cohort's coordinators and observers.",
    subjects=(Subject.COORDINATOR, Subject.OBSERVER),
    identifies="requested_by",
    groups=[
        plain(
            "id cohort kind status progress step claimed_by claimed_until attempts started_at "
            "finished_at error filename",
            (
                "The document: which kind, the worker's progress, lease and tries, and its file's "
                "name."
            ),
        ),
        plain(
            "content", "The file: aggregates only, every figure through the small-numbers rules."
        ),
        fields(
            "requested_by created_at", "Who asked for it, and when.", Basis.PUBLIC_TASK, P.PERSONAL
        ),
    ],
)
