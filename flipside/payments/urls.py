from django.urls import URLPattern, path  # noqa: F401 - each section adds its paths

from .views import budget, rates, review, runs, timesheets  # noqa: F401

app_name = "payments"

urlpatterns: list[URLPattern] = [
    # --- rates, payroll columns, a cohort's pay settings, employment records (views/rates.py)
    path("organisations/<id:organisation_id>/pay/rates/", rates.rates, name="rates"),
    path("organisations/<id:organisation_id>/pay/rates/add/", rates.rate_add, name="rate_add"),
    path("pay/rates/<id:rate_id>/values/add/", rates.rate_value_add, name="rate_value_add"),
    path("cohorts/<id:cohort_id>/pay/settings/", rates.settings, name="settings"),
    path("cohorts/<id:cohort_id>/pay/people/", rates.employment, name="employment"),
    path(
        "cohorts/<id:cohort_id>/pay/people/<id:user_id>/",
        rates.employment_edit,
        name="employment_edit",
    ),
    # --- a mentor's own timesheets (views/timesheets.py)
    path("cohorts/<id:cohort_id>/my-pay/", timesheets.my_pay, name="my_pay"),
    path("cohorts/<id:cohort_id>/my-pay/claim/", timesheets.claim, name="claim"),
    path("pay/timesheets/<id:timesheet_id>/", timesheets.timesheet, name="timesheet"),
    path("pay/timesheets/<id:timesheet_id>/submit/", timesheets.submit, name="submit"),
    path("pay/my-lines/<id:line_id>/edit/", timesheets.line_edit, name="line_edit"),
    path("pay/my-lines/<id:line_id>/remove/", timesheets.line_remove, name="line_remove"),
    # --- coordinators' review of submitted lines (views/review.py)
    path("cohorts/<id:cohort_id>/pay/review/", review.review, name="review"),
    path(
        "cohorts/<id:cohort_id>/pay/review/approve/",
        review.approve_selected,
        name="approve_selected",
    ),
    path("pay/lines/<id:line_id>/approve/", review.approve, name="approve"),
    path("pay/lines/<id:line_id>/query/", review.query, name="query"),
    path("pay/lines/<id:line_id>/reject/", review.reject, name="reject"),
    # --- payment runs and their exports (views/runs.py)
    path("cohorts/<id:cohort_id>/pay/runs/", runs.runs, name="runs"),
    path("cohorts/<id:cohort_id>/pay/runs/collect/", runs.collect, name="collect"),
    path("pay/runs/<id:payment_run_id>/", runs.run, name="run"),
    path("pay/runs/<id:payment_run_id>/export/", runs.mark_exported, name="run_mark_exported"),
    path("pay/runs/<id:payment_run_id>/export.<str:fmt>", runs.run_export, name="run_export"),
    path("pay/runs/<id:payment_run_id>/paid/", runs.mark_paid, name="mark_paid"),
    path("pay/runs/lines/<id:line_id>/correct/", runs.correct_line, name="correct_line"),
    path("organisations/<id:organisation_id>/pay/payroll-columns/", runs.layout, name="layout"),
    # --- the cohort's budget (views/budget.py)
    path("cohorts/<id:cohort_id>/pay/budget/", budget.budget, name="budget"),
]
