"""URLs of the report documents (PDF, publication bundle), included by ``reports.urls``."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_documents as views

DOCUMENTS = "cohorts/<id:cohort_id>/report/documents/"
DOCUMENT = DOCUMENTS + "<id:document_id>/"

urlpatterns: list[URLPattern] = [
    path(DOCUMENTS + "<slug:kind>/make/", views.make, name="make_document"),
    path(DOCUMENT, views.document, name="document"),
    path(DOCUMENT + "progress/", views.progress, name="document_progress"),
    path(DOCUMENT + "download/", views.download, name="document_download"),
]
documents_urlpatterns = urlpatterns
