from django.urls import URLPattern, path

from . import views
from .urls_documents import urlpatterns as documents_urlpatterns

app_name = "reports"

COHORT = "cohorts/<id:cohort_id>/report/"
SCHEME = "schemes/<id:scheme_id>/report/"

urlpatterns: list[URLPattern] = [
    path(COHORT, views.cohort, name="cohort"),
    # Before the tables: "all-tables.xlsx" would otherwise read as a table named "all-tables".
    path(COHORT + "all-tables.xlsx", views.cohort_workbook, name="cohort_workbook"),
    path(COHORT + "<slug:table>.<str:fmt>", views.cohort_table, name="cohort_table"),
    path(SCHEME, views.scheme, name="scheme"),
    path(SCHEME + "all-tables.xlsx", views.scheme_workbook, name="scheme_workbook"),
    path(SCHEME + "<slug:table>.<str:fmt>", views.scheme_table, name="scheme_table"),
]

urlpatterns += documents_urlpatterns
