"""The page in the other languages: the switcher's choices and the hreflang alternates."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

from campaign.petitions.sources import SOURCE_PARAMETER, source_code_clean

register = template.Library()

# Each language named in itself, as a reader of it looks for it in a switcher.
NAMES_LOCAL = {"en": "English", "ru": "Русский", "kk": "Қазақша"}


@register.simple_tag(takes_context=True)
def language_versions(context) -> dict:
    """{"languages": [(code, own name, path)], "x_default": path or ""} for this page. A page
    that does not resolve (a 404) has no versions in other languages: its alternates are empty."""
    request = context.get("request")
    current = get_language()
    path = request.path if request is not None else "/"
    versions = [(code, NAMES_LOCAL.get(code, code), translate_url(path, code)) for code, _name in settings.LANGUAGES]
    prefix = f"/{current}/"
    resolved = path.startswith(prefix) and any(url != path for code, _name, url in versions if code != current)
    return {
        "languages": versions,
        "alternates": versions if resolved else [],
        # The unprefixed path redirects each visitor to their own language (campaign/content/locale.py).
        "x_default": "/" + path[len(prefix) :] if resolved else "",
        # A partner's `?source=` code survives a change of language. A page cached for everyone
        # passes its own placeholder as `source_code` and fills it in per request (content/views.py).
        "next": path + _source_query(context, request),
    }


def _source_query(context, request) -> str:
    code = context.get("source_code")
    if code is None:
        code = source_code_clean(request.GET.get(SOURCE_PARAMETER)) if request is not None else ""
    return f"?{SOURCE_PARAMETER}={code}" if code else ""
