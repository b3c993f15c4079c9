"""Which language a visitor gets when the URL does not say: Django's LocaleMiddleware, with
Kazakh and Russian chosen over English whenever a browser offers one of them.

Django takes the browser's first choice by q-value. Many people in Kazakhstan and its
diaspora run browsers and phones set up in English while reading Russian or Kazakh first; a
browser that lists either at all gets it (the higher-rated of the two). An explicit choice,
the language cookie set by the switcher, always wins, and a prefixed URL (/ru/...) wins over
both.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header


def language_from_accept_language(accept_language: str) -> str:
    """The first of LANGUAGES_PREFERRED_OVER_DEFAULT the header offers (in its q-order), else
    the first language of ours it offers, else the default. q=0 means "not this one"."""
    offered = []
    for code, q in parse_accept_lang_header(accept_language[:500]):
        if code == "*" or q <= 0:
            continue
        try:
            offered.append(get_supported_language_variant(code))
        except LookupError:
            continue
    for language in offered:
        if language in settings.LANGUAGES_PREFERRED_OVER_DEFAULT:
            return language
    return offered[0] if offered else settings.LANGUAGE_CODE


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request):
        super().process_request(request)
        if translation.get_language_from_path(request.path_info):
            return
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie and cookie in dict(settings.LANGUAGES):
            return
        language = language_from_accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language
