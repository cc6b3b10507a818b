from django.urls import path

from . import views

app_name = "schemes"

urlpatterns = [
    path("schemes/", views.scheme_list, name="list"),
    path("schemes/new/", views.scheme_create, name="create"),
    path("schemes/<id:scheme_id>/", views.scheme_detail, name="detail"),
    path("schemes/<id:scheme_id>/edit/", views.scheme_edit, name="edit"),
    path("schemes/<id:scheme_id>/cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<id:cohort_id>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<id:cohort_id>/stage/", views.cohort_stage, name="cohort_stage"),
    path("cohorts/<id:cohort_id>/people/", views.cohort_people, name="cohort_people"),
    path("cohorts/<id:cohort_id>/people/search/", views.people_search, name="people_search"),
    path("cohorts/<id:cohort_id>/calendar.ics", views.cohort_calendar, name="cohort_calendar"),
]
