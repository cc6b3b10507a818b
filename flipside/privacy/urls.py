from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy_page, name="page"),
    path("privacy/consents/<id:record_id>/withdraw/", views.withdraw, name="withdraw"),
    path("privacy/equality-monitoring/leave-out/", views.leave_out, name="leave_out"),
    path("privacy/equality-monitoring/include/", views.include, name="include"),
    path("schemes/<id:scheme_id>/retention/", views.retention_schedule, name="retention"),
    path("organisations/<id:organisation_id>/legal-holds/", views.legal_holds, name="holds"),
    path(
        "organisations/<id:organisation_id>/legal-holds/people/",
        views.hold_people,
        name="hold_people",
    ),
    path("legal-holds/<id:hold_id>/lift/", views.lift_hold, name="hold_lift"),
]
