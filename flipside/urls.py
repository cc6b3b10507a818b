from django.urls import include, path, register_converter

from flipside.home import views as home_views
from flipside.lib import views as lib_views
from flipside.lib.converters import IdConverter

# Registered before the apps' URL modules are included: they use <id:...>.
register_converter(IdConverter, "id")

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", lib_views.healthz, name="healthz"),
    path("accounts/", include("flipside.accounts.urls")),
    path("", include("flipside.home.urls")),
    path("", include("flipside.schemes.urls")),
    path("", include("flipside.notifications.urls")),
    path("", include("flipside.privacy.urls")),
    path("", include("flipside.recruitment.urls")),
    path("", include("flipside.training.urls")),
    path("", include("flipside.matching.urls")),
    path("", include("flipside.partnerships.urls")),
    path("", include("flipside.payments.urls")),
    path("", include("flipside.surveys.urls")),
    path("", include("flipside.ideas.urls")),
    path("", include("flipside.reports.urls")),
]

handler400 = "flipside.lib.views.bad_request"
handler403 = "flipside.lib.views.permission_denied"
handler404 = "flipside.lib.views.page_not_found"
handler500 = "flipside.lib.views.server_error"
