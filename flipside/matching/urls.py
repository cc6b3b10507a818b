from django.urls import path

from .views import pairs, runs, setup

app_name = "matching"

RUN = "matching/runs/<id:run_id>/"

urlpatterns = [
    # The matching page, settings, rules and capacities
    path("cohorts/<id:cohort_id>/matching/", setup.overview, name="overview"),
    path("cohorts/<id:cohort_id>/matching/settings/", setup.settings_edit, name="settings"),
    path(
        "cohorts/<id:cohort_id>/matching/settings/preview/",
        setup.settings_preview,
        name="settings_preview",
    ),
    path("cohorts/<id:cohort_id>/matching/rules/", setup.rule_add, name="rule_add"),
    path("matching/rules/<id:rule_id>/remove/", setup.rule_remove, name="rule_remove"),
    path("cohorts/<id:cohort_id>/matching/capacity/", setup.capacity, name="capacity"),
    # Runs: starting, watching, adjusting, publishing, comparing
    path("cohorts/<id:cohort_id>/matching/run/", runs.start, name="start"),
    path("cohorts/<id:cohort_id>/matching/compare/", runs.compare, name="compare"),
    path(RUN, runs.run_detail, name="run"),
    path(RUN + "progress/", runs.progress, name="progress"),
    path(RUN + "not-paired.<str:fmt>", runs.left_out_export, name="left_out_export"),
    path(RUN + "swap/", runs.swap, name="swap"),
    path(RUN + "proposals/<id:proposal_id>/remove/", runs.remove, name="remove"),
    path(RUN + "proposals/<id:proposal_id>/lock/", runs.lock, name="lock"),
    path(RUN + "add/", runs.add, name="add"),
    path(RUN + "rerun/", runs.rerun, name="rerun"),
    path(RUN + "publish/", runs.publish, name="publish"),
    # Published pairs
    path("cohorts/<id:cohort_id>/pairs/", pairs.pairs, name="pairs"),
    path("cohorts/<id:cohort_id>/pairs/export.<str:fmt>", pairs.export, name="pairs_export"),
    path("pairs/<id:pair_id>/end/", pairs.end_pair, name="end_pair"),
    path("cohorts/<id:cohort_id>/pairs/rematch/<id:user_id>/", pairs.rematch, name="rematch"),
    path("cohorts/<id:cohort_id>/partner/", pairs.partner, name="partner"),
]
