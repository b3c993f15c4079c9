from django.conf import settings


def site(request):
    """What every page needs to build absolute links for sharing and the footer contact."""
    return {"site_url": settings.SITE_URL, "contact_email": settings.CAMPAIGN_CONTACT_EMAIL}
