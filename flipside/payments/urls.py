from django.urls import URLPattern, path  # noqa: F401 - each section adds its paths

from .views import budget, rates, review, runs, timesheets  # noqa: F401

app_name = "payments"

urlpatterns: list[URLPattern] = [
    # --- rates, payroll columns, a cohort's pay settings, employment records (views/rates.py)
    # --- a mentor's own timesheets (views/timesheets.py)
    # --- coordinators' review of submitted lines (views/review.py)
    # --- payment runs and their exports (views/runs.py)
    # --- the cohort's budget (views/budget.py)
]
