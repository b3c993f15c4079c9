from django.urls import path

from . import views as export_views

app_name = "exports"

urlpatterns = [
    path("", export_views.export_page, name="start"),
    path("download/", export_views.export_download, name="download"),
    path("jobs/<int:pk>/", export_views.job_detail, name="job"),
    path("jobs/<int:pk>/file/", export_views.job_file, name="job-file"),
    path("report/<slug:slug>/", export_views.report, name="report"),
    path("report/<slug:slug>/print.css", export_views.report_print_css, name="report-print-css"),
]
