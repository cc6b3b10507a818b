from django.urls import path

from . import second_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("password/change/", views.password_change, name="password_change"),
    path("password/change/done/", views.password_change_done, name="password_change_done"),
    path("profile/", views.profile, name="profile"),
    path("second-factor/", second_factor_views.second_factor, name="second_factor"),
    path(
        "second-factor/set-up/",
        second_factor_views.second_factor_setup,
        name="second_factor_setup",
    ),
    path(
        "second-factor/code/",
        second_factor_views.second_factor_verify,
        name="second_factor_verify",
    ),
    path(
        "second-factor/backup-codes/",
        second_factor_views.second_factor_backup_codes,
        name="second_factor_backup_codes",
    ),
    path(
        "second-factor/reset/",
        second_factor_views.second_factor_reset,
        name="second_factor_reset",
    ),
    path("confirm/", second_factor_views.confirm_identity, name="confirm_identity"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path(
        "invitations/<str:token>/request-new/",
        views.invitation_request_new,
        name="invitation_request_new",
    ),
    path("cohorts/<id:cohort_id>/invite/", views.invite, name="invite"),
    path(
        "cohorts/<id:cohort_id>/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
