from django.urls import path

from . import views

app_name = "petitions"

urlpatterns = [
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views.sign, name="sign"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/confirmed/", views.confirmed, name="confirmed"),
    path("<slug:slug>/resend/", views.resend, name="resend"),
    path("<slug:slug>/countries/", views.countries, name="countries"),
]
