from __future__ import annotations

from django.apps import AppConfig


def _process_documents(worker: str, batch: int) -> int:
    from .services import process_documents

    # One document a round, whatever the batch: a long PDF holds its worker for seconds.
    return process_documents(worker)


class ReportsConfig(AppConfig):
    name = "flipside.reports"
    label = "reports"
    verbose_name = "Reports: anonymised outcomes with small numbers suppressed"

    def ready(self) -> None:
        from flipside.lib import background

        background.register_worker_task(
            key="reports", label="report PDFs and publication bundles", run=_process_documents
        )
        from . import retention

        retention.register()  # what privacy's retention job removes, and when
