"""The page in the other languages: the switcher's choices and the hreflang alternates."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

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
        "next": path,
    }
