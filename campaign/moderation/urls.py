from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("home/", views.staff_home, name="home"),
    path("signatures-per-hour.svg", views.chart_view, name="chart"),
    path("queue/", views.queue_view, name="queue"),
    path("undo/", views.undo, name="undo"),
    path("signatures/<int:signature_id>/correct/", views.signature_correct, name="signature_correct"),
    path("invalidations/new/", views.invalidation_new, name="invalidation_new"),
    path("invalidations/<int:pk>/", views.invalidation_detail, name="invalidation"),
    path("invalidations/<int:pk>/reverse/", views.invalidation_reverse, name="invalidation_reverse"),
]
