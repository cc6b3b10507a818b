"""The product's URLs and one more that the access matrix has no row for: the matrix must fail."""

from django.urls import path

from flipside.lib import views
from flipside.urls import urlpatterns as product

urlpatterns = [*product, path("unlisted/", views.healthz, name="unlisted")]
