from django.urls import path

from . import views, views_erasure

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy_page, name="page"),
    path("privacy/consents/<id:record_id>/withdraw/", views.withdraw, name="withdraw"),
    path("privacy/equality-monitoring/leave-out/", views.leave_out, name="leave_out"),
    path("privacy/equality-monitoring/include/", views.include, name="include"),
    path("audit-log/", views.audit_log_page, name="audit_log"),
    path("audit-log/download.csv", views.audit_log_export, name="audit_log_export"),
    path("schemes/<id:scheme_id>/retention/", views.retention_schedule, name="retention"),
    path("organisations/<id:organisation_id>/legal-holds/", views.legal_holds, name="holds"),
    path(
        "organisations/<id:organisation_id>/legal-holds/people/",
        views.hold_people,
        name="hold_people",
    ),
    path("legal-holds/<id:hold_id>/lift/", views.lift_hold, name="hold_lift"),
    path("privacy/your-data/", views.download, name="download"),
    path("privacy/your-data.json", views.download_json, name="download_json"),
    path("privacy/access-requests/", views.requests_list, name="requests"),
    path("privacy/access-requests/people/", views.request_people, name="request_people"),
    path("privacy/access-requests/<id:request_id>/", views.request_page, name="request"),
    path(
        "privacy/access-requests/<id:request_id>/data.json",
        views.request_json,
        name="request_json",
    ),
    path("privacy/erasure/request/", views.erasure_request, name="erasure_request"),
    path("privacy/erasure/", views_erasure.find, name="erasure_find"),
    path("privacy/erasure/<id:person_id>/", views_erasure.erase, name="erasure"),
]
