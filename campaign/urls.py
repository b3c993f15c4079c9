from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from campaign.content.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "img/favicon.svg", permanent=True)),
    # Staff pages outside the admin's own URLs come first: the admin claims everything under staff/.
    path("staff/moderation/", include("campaign.petitions.moderation_urls")),
    path("staff/exports/", include("campaign.petitions.export_urls")),
    path("staff/", admin.site.urls),
    path("petitions/", include("campaign.petitions.urls")),
    path("", include("campaign.content.urls")),
]
