from django.urls import URLPattern, path

from .views import answers, builder, schedules

app_name = "surveys"

urlpatterns: list[URLPattern] = [
    # --- the builder: a scheme's instruments and their questions (views/builder.py)
    path("schemes/<id:scheme_id>/surveys/instruments/", builder.instruments, name="instruments"),
    path(
        "schemes/<id:scheme_id>/surveys/instruments/add/",
        builder.instrument_add,
        name="instrument_add",
    ),
    path("surveys/instruments/<id:instrument_id>/", builder.instrument, name="instrument"),
    path(
        "surveys/instruments/<id:instrument_id>/questions/add/",
        builder.question_add,
        name="question_add",
    ),
    path("surveys/questions/<id:question_id>/", builder.question_edit, name="question_edit"),
    path(
        "surveys/questions/<id:question_id>/remove/",
        builder.question_remove,
        name="question_remove",
    ),
    # --- a cohort's surveys: schedules, reminders, results (views/schedules.py)
    path("cohorts/<id:cohort_id>/surveys/", schedules.cohort_surveys, name="cohort_surveys"),
    path("cohorts/<id:cohort_id>/surveys/schedule/", schedules.schedule, name="schedule"),
    path("surveys/<id:survey_id>/dates/", schedules.survey_edit, name="survey_edit"),
    path("surveys/<id:survey_id>/remind/", schedules.remind, name="remind"),
    path("surveys/<id:survey_id>/results/", schedules.survey_results, name="results"),
    path(
        "surveys/<id:survey_id>/results/<id:question_id>/",
        schedules.text_answers,
        name="text_answers",
    ),
    # --- respondents (views/answers.py)
    path("my-surveys/", answers.mine, name="mine"),
    path("surveys/<id:survey_id>/answer/", answers.answer, name="answer"),
]
