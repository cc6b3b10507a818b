from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy_page, name="page"),
    path("privacy/consents/<id:record_id>/withdraw/", views.withdraw, name="withdraw"),
    path("privacy/equality-monitoring/leave-out/", views.leave_out, name="leave_out"),
    path("privacy/equality-monitoring/include/", views.include, name="include"),
    path("audit-log/", views.audit_log_page, name="audit_log"),
    path("audit-log/download.csv", views.audit_log_export, name="audit_log_export"),
]
