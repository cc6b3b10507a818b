from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<id:message_id>/", views.message_detail, name="message"),
    path("outbox/<id:message_id>/retry/", views.retry, name="retry"),
    path("schemes/<id:scheme_id>/emails/", views.wording_list, name="wording_list"),
    path("schemes/<id:scheme_id>/emails/<str:kind>/", views.wording_edit, name="wording_edit"),
    path(
        "schemes/<id:scheme_id>/emails/<str:kind>/reset/",
        views.wording_reset,
        name="wording_reset",
    ),
    path("email/preferences/", views.preference_edit, name="preferences"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
