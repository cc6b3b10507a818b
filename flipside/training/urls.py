from django.urls import path

from .views import handbook, sessions, support

app_name = "training"

urlpatterns = [
    # Training sessions, bookings and attendance
    path("cohorts/<id:cohort_id>/training/", sessions.session_list, name="sessions"),
    path("cohorts/<id:cohort_id>/training/new/", sessions.session_create, name="session_create"),
    path("training/<id:session_id>/", sessions.session_detail, name="session"),
    path("training/<id:session_id>/edit/", sessions.session_edit, name="session_edit"),
    path("training/<id:session_id>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("training/<id:session_id>/book/", sessions.book, name="book"),
    path(
        "training/<id:session_id>/cancel-booking/", sessions.cancel_booking, name="cancel_booking"
    ),
    path(
        "training/<id:session_id>/calendar.ics", sessions.session_calendar, name="session_calendar"
    ),
    path("training/<id:session_id>/register/", sessions.register, name="register"),
    path("training/<id:session_id>/assign/", sessions.assign, name="assign"),
    # Handbook and ground rules
    path("schemes/<id:scheme_id>/handbook/", handbook.handbook, name="handbook"),
    path(
        "schemes/<id:scheme_id>/handbook/acknowledge/",
        handbook.acknowledge,
        name="handbook_acknowledge",
    ),
    path("schemes/<id:scheme_id>/handbook/edit/", handbook.handbook_edit, name="handbook_edit"),
    path(
        "schemes/<id:scheme_id>/handbook/versions/",
        handbook.handbook_versions,
        name="handbook_versions",
    ),
    path("schemes/<id:scheme_id>/ground-rules/", handbook.agreement, name="agreement"),
    path(
        "schemes/<id:scheme_id>/ground-rules/accept/",
        handbook.agreement_accept,
        name="agreement_accept",
    ),
    path(
        "schemes/<id:scheme_id>/ground-rules/edit/", handbook.agreement_edit, name="agreement_edit"
    ),
    # Support, concerns and readiness
    path("support/", support.support, name="support"),
    path(
        "schemes/<id:scheme_id>/support-services/",
        support.support_services,
        name="support_services",
    ),
    path("concerns/", support.concern_list, name="concerns"),
    path("concerns/<id:concern_id>/", support.concern_detail, name="concern"),
    path("cohorts/<id:cohort_id>/readiness/", support.readiness, name="readiness"),
    path(
        "cohorts/<id:cohort_id>/readiness/<id:user_id>/override/",
        support.readiness_override,
        name="readiness_override",
    ),
]
