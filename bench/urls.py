"""The product's URLs, plus the baselines the benchmark compares them with."""

from django.urls import path

from campaign.urls import urlpatterns as product_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare-insert/", views.bare_insert),
    path("bench/static/", views.static_bytes),
    *product_urlpatterns,
]
