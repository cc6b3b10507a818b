"""Report documents made by the background worker: asking (once, however often clicked),
progress, retries, and the pages that watch and download them, for the right people only."""

from __future__ import annotations

import datetime
import io
import shutil
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from flipside.lib import background
from flipside.privacy.models import AuditEntry
from flipside.reports import documents, services
from flipside.reports.models import ReportDocument
from flipside.reports.tests.samples import REPORT
from flipside.reports.tests.test_pdf import pdf_text

pytestmark = pytest.mark.django_db

Status = ReportDocument.Status


def make_url(world: Any, kind: str = "pdf") -> str:
    return reverse("reports:make_document", args=[world.cohort.pk, kind])


def page_url(document: ReportDocument, name: str = "document") -> str:
    return reverse(f"reports:{name}", args=[document.cohort_id, document.pk])


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-made sample report in place of the cohort's figures."""
    monkeypatch.setattr(documents, "cohort_report", lambda cohort: REPORT)


# --- Asking for a document --------------------------------------------------------------


def test_asking_twice_queues_one_document(world: Any) -> None:
    first = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    second = services.request_document(world.cohort, kind="pdf", by=world.observer)
    assert second.pk == first.pk
    assert ReportDocument.objects.get().status == Status.QUEUED
    assert AuditEntry.objects.filter(action="reports.document.requested").count() == 1


def test_a_pdf_and_a_bundle_are_separate_documents(world: Any) -> None:
    pdf = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    bundle = services.request_document(world.cohort, kind="bundle", by=world.coordinator)
    assert pdf.pk != bundle.pk


def test_an_unknown_kind_is_refused(world: Any) -> None:
    with pytest.raises(services.ReportError):
        services.request_document(world.cohort, kind="docx", by=world.coordinator)
    assert not ReportDocument.objects.exists()


def test_the_worker_task_is_registered() -> None:
    assert "reports" in [task.key for task in background.worker_tasks()]


# --- The worker -------------------------------------------------------------------------


@pytest.mark.usefixtures("sample")
def test_worker_makes_the_pdf_with_progress(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    document = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    seen: list[tuple[int, str]] = []
    real = services._progress

    def watch(doc: ReportDocument, percent: float, step: str) -> None:
        real(doc, percent, step)
        row = ReportDocument.objects.get(pk=doc.pk)
        seen.append((row.progress, row.step))

    monkeypatch.setattr(services, "_progress", watch)
    assert services.process_documents("worker-a") == 1
    document.refresh_from_db()
    assert document.status == Status.DONE and document.progress == 100
    assert bytes(document.content).startswith(b"%PDF-")
    assert document.filename.endswith(".pdf") and document.attempts == 1
    assert [p for p, _ in seen] == sorted(p for p, _ in seen) and len(seen) >= 4
    assert all(0 < p < 100 and step for p, step in seen)
    assert services.process_documents("worker-a") == 0  # nothing left to do


@pytest.mark.usefixtures("sample")
def test_worker_makes_the_bundle(world: Any) -> None:
    document = services.request_document(world.cohort, kind="bundle", by=world.coordinator)
    services.process_documents("worker-a")
    document.refresh_from_db()
    names = zipfile.ZipFile(io.BytesIO(bytes(document.content))).namelist()
    assert "codebook.csv" in names and document.filename.endswith("-publication.zip")


def test_a_failing_document_is_retried_then_kept_as_failed(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(cohort: Any) -> Any:
        raise RuntimeError("the figures broke")

    monkeypatch.setattr(documents, "cohort_report", broken)
    document = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    services.process_documents("worker-a")
    document.refresh_from_db()
    assert (document.status, document.attempts, document.step) == (Status.QUEUED, 1, "Trying again")
    services.process_documents("worker-a")
    services.process_documents("worker-a")
    document.refresh_from_db()
    assert (document.status, document.attempts) == (Status.FAILED, 3)
    assert "3 times" in document.error
    # Asking again queues a new one; the failed one stays.
    again = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    assert again.pk != document.pk and ReportDocument.objects.count() == 2


@pytest.mark.usefixtures("sample")
def test_a_document_whose_worker_died_is_claimed_again_after_its_lease(world: Any) -> None:
    document = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    ReportDocument.objects.filter(pk=document.pk).update(
        status=Status.RUNNING, claimed_by="dead", attempts=1,
        claimed_until=timezone.now() + datetime.timedelta(minutes=1),
    )  # fmt: skip
    assert services.process_documents("worker-b") == 0  # still leased to the dead worker
    ReportDocument.objects.filter(pk=document.pk).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.process_documents("worker-b") == 1
    document.refresh_from_db()
    assert (document.status, document.claimed_by, document.attempts) == (Status.DONE, "worker-b", 2)


# --- The pages --------------------------------------------------------------------------


def test_coordinator_asks_for_the_pdf_and_a_double_click_queues_one(world: Any) -> None:
    client = signed_in(world.coordinator)
    first = client.post(make_url(world))
    second = client.post(make_url(world))
    document = ReportDocument.objects.get()
    assert first.url == second.url == page_url(document)
    assert (document.kind, document.requested_by) == ("pdf", world.coordinator)
    page = client.get(page_url(document)).content.decode()
    assert "<progress" in page and 'http-equiv="refresh"' in page
    assert page_url(document, "document_progress") in page  # polled by HTMX


def test_asking_needs_a_post_with_a_csrf_token(world: Any) -> None:
    assert signed_in(world.coordinator).get(make_url(world)).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)
    assert client.post(make_url(world)).status_code == 403
    assert not ReportDocument.objects.exists()


@pytest.mark.parametrize("who", ["mentor", "mentee", "outsider", "nobody"])
def test_people_who_cannot_see_the_report_get_404(world: Any, who: str) -> None:
    document = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    client = signed_in(getattr(world, who))
    assert client.post(make_url(world, "bundle")).status_code == 404
    for name in ("document", "document_progress", "document_download"):
        assert client.get(page_url(document, name)).status_code == 404
    assert ReportDocument.objects.count() == 1


def test_an_unknown_kind_or_another_cohorts_document_is_404(world: Any) -> None:
    other = services.request_document(world.other_cohort, kind="pdf", by=world.outsider)
    client = signed_in(world.coordinator)
    assert client.post(make_url(world, "docx")).status_code == 404
    wrong = reverse("reports:document", args=[world.cohort.pk, other.pk])
    assert client.get(wrong).status_code == 404


@pytest.mark.usefixtures("sample")
def test_progress_partial_tells_htmx_to_reload_once_done(world: Any) -> None:
    document = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    client = signed_in(world.observer)
    working = client.get(page_url(document, "document_progress"), headers={"HX-Request": "true"})
    assert "HX-Refresh" not in working and b'hx-trigger="every 1s"' in working.content
    services.process_documents("worker-a")
    done = client.get(page_url(document, "document_progress"), headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and b'value="100"' in done.content


@pytest.mark.usefixtures("sample")
def test_download_waits_for_the_file_then_serves_it(world: Any) -> None:
    document = services.request_document(world.cohort, kind="pdf", by=world.coordinator)
    client = signed_in(world.coordinator)
    early = client.get(page_url(document, "document_download"))
    assert early.status_code == 302 and early.url == page_url(document)
    services.process_documents("worker-a")
    response = client.get(page_url(document, "document_download"))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")
def test_an_observers_documents_name_nobody(world: Any, tmp_path: Any) -> None:
    """The real figures of a cohort with people in it, asked for and downloaded by an
    observer: neither file names or addresses a person of the cohort."""
    client = signed_in(world.observer)
    for kind in ("pdf", "bundle"):
        client.post(make_url(world, kind))
    while services.process_documents("worker-a"):
        pass
    people = [world.mentor, world.mentee, world.observer, world.coordinator]
    sentinels = [s for p in people for s in (p.display_name, p.email)]
    for document in ReportDocument.objects.all():
        assert document.status == Status.DONE, document.error
        content = client.get(page_url(document, "document_download")).content
        if document.kind == "pdf":
            text = pdf_text(content, tmp_path)
            assert "How these figures were made" in text
        else:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                text = " ".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
        for sentinel in sentinels:
            assert sentinel not in text, f"{sentinel} is in the {document.kind}"
