from django.urls import path

from . import views

app_name = "schemes"

urlpatterns = [
    path("schemes/", views.scheme_list, name="list"),
    path("schemes/new/", views.scheme_create, name="create"),
    path("schemes/<int:scheme_id>/", views.scheme_detail, name="detail"),
    path("schemes/<int:scheme_id>/edit/", views.scheme_edit, name="edit"),
    path("schemes/<int:scheme_id>/cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:cohort_id>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:cohort_id>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:cohort_id>/stage/", views.cohort_stage, name="cohort_stage"),
    path("cohorts/<int:cohort_id>/people/", views.cohort_people, name="cohort_people"),
]
