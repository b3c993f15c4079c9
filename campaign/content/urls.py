from django.urls import path

from . import views

app_name = "content"

urlpatterns = [
    path("", views.home, name="home"),
    path("demands/", views.demands, name="demands"),
    path("timeline/", views.timeline, name="timeline"),
    path("sources/", views.sources, name="sources"),
    path("privacy/", views.privacy, name="privacy"),
    path("about/", views.about, name="about"),
]
