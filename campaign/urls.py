from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from campaign.content.views import case_photo, delivery_document, healthz, language_choose
from campaign.content.widget import widget
from campaign.petitions.views import count, countries_json

# Language-neutral and staff URLs are unprefixed; every public page is under /en/, /ru/ or /kk/
# (below), so a shared link opens in the language it was shared in. `/` and any unprefixed
# public path redirect to the visitor's language (campaign/content/locale.py).
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "img/favicon.svg", permanent=True)),
    # The language switcher's form posts here (a POST without JavaScript); it sets the language
    # cookie and redirects to the same page in the chosen language.
    path("language/", language_choose, name="set_language"),
    # One URL for the count in every language: cached once, and embeds on partner sites keep working.
    path("petitions/<slug:slug>/count.json", count, name="petition_count"),
    # Confirmed signatures by country, without any number small enough to point at someone.
    path("petitions/<slug:slug>/countries.json", countries_json, name="petition_countries"),
    # Uploaded photos, served by the app (never as static files) only while their case is published.
    path("media/cases/<int:pk>/<str:name>", case_photo, name="case_photo"),
    path("media/deliveries/<int:pk>/<str:name>", delivery_document, name="delivery_document"),
    # Staff pages outside the admin's own URLs come first: the admin claims everything under staff/.
    path("staff/moderation/", include("campaign.moderation.urls")),
    path("staff/exports/", include("campaign.exports.urls")),
    path("staff/", admin.site.urls),
]
# A 403 on a staff page (a Moderator opening the audit log) is shown in the staff pages' frame.
handler403 = "campaign.staff_admin.permission_denied"

urlpatterns += i18n_patterns(
    # The one page partner sites may frame (campaign/content/widget.py).
    path("petitions/<slug:slug>/widget/", widget, name="petition_widget"),
    path("petitions/", include("campaign.petitions.urls")),
    path("", include("campaign.content.urls")),
)

# A database that cannot be reached answers 503 with Retry-After; anything else, the 500 page.
handler500 = "campaign.errors.server_error"
