from django.contrib import admin
from django.urls import include, path

from campaign.content.views import healthz

admin.site.site_header = "Campaign administration"
admin.site.site_title = "Campaign admin"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Staff pages outside the admin's own URLs come first: the admin claims everything under staff/.
    path("staff/moderation/", include("campaign.petitions.moderation_urls")),
    path("staff/exports/", include("campaign.petitions.export_urls")),
    path("staff/", admin.site.urls),
    path("petitions/", include("campaign.petitions.urls")),
    path("", include("campaign.content.urls")),
]
