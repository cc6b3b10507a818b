from django.urls import path

from . import views

app_name = "home"

# The home page itself is "home", outside this namespace (flipside/urls.py): every app and
# LOGIN_REDIRECT_URL name it.
urlpatterns = [
    path("cohorts/<id:cohort_id>/", views.cohort_overview, name="cohort"),
]
