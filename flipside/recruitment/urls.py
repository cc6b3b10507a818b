from django.urls import path

from .views import applicant, review

app_name = "recruitment"

urlpatterns = [
    # Public calls and applicants' own applications
    path("apply/<str:token>/", applicant.call_public, name="call_public"),
    path("apply/<str:token>/start/", applicant.start, name="start"),
    path("apply/verify/<str:token>/", applicant.verify, name="verify"),
    path("applications/", applicant.my_applications, name="my_applications"),
    path("applications/<id:application_id>/", applicant.application, name="application"),
    path("applications/<id:application_id>/withdraw/", applicant.withdraw, name="withdraw"),
    path("applications/<id:application_id>/equality/", applicant.equality, name="equality"),
    # Coordinators: calls, review, decisions, import and export
    path("schemes/<id:scheme_id>/recruitment/", review.scheme_setup, name="scheme_setup"),
    path("cohorts/<id:cohort_id>/calls/", review.call_list, name="calls"),
    path("cohorts/<id:cohort_id>/calls/new/", review.call_create, name="call_create"),
    path("cohorts/<id:cohort_id>/import-staff/", review.import_staff, name="import_staff"),
    path("calls/<id:call_id>/edit/", review.call_edit, name="call_edit"),
    path("calls/<id:call_id>/applications/", review.application_list, name="applications"),
    path("calls/<id:call_id>/applications/decide/", review.bulk_decide, name="bulk_decide"),
    path("calls/<id:call_id>/applications/export.<str:fmt>", review.export, name="export"),
    path("review/<id:application_id>/", review.review, name="review"),
    path("review/<id:application_id>/score/", review.score, name="score"),
    path("review/<id:application_id>/notes/", review.note, name="note"),
    path("review/<id:application_id>/decide/", review.decide, name="decide"),
]
