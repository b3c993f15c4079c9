from django.urls import path

from . import views

app_name = "petitions"

urlpatterns = [
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("<slug:slug>/", views.sign, name="sign"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/confirmed/", views.confirmed, name="confirmed"),
    path("<slug:slug>/resend/", views.resend, name="resend"),
    path("<slug:slug>/manage/", views.manage_request, name="manage_request"),
    path("<slug:slug>/withdrawn/", views.withdrawn, name="withdrawn"),
    path("<slug:slug>/countries/", views.countries, name="countries"),
]
