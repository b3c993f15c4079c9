"""Country names for the sign form and the recent signers, in each of the site's languages.

English and Russian names come from django-countries; Kazakh ones from the Unicode CLDR data
that Babel ships (django-countries has no Kazakh). Each list is sorted for its language with
the Unicode Collation Algorithm (pyuca, pure Python), so Ә follows А and Ө follows О, as a
reader expects, where a plain sort would put them after Я.
"""

from functools import lru_cache

import pyuca
from babel import Locale
from django.conf import settings
from django.utils import translation
from django_countries import countries


@lru_cache(maxsize=1)
def _collator() -> pyuca.Collator:
    """Loaded on first use (a second or so, reading the Unicode table): only web processes sort."""
    return pyuca.Collator()


# The Kazakh alphabet's order where it differs from the default (root) collation: Ё is a letter
# of its own after Е, Ұ comes before Ү, and І after Ы. Each is given a primary weight just beside
# its neighbour's, which the default table has no room for between whole numbers.
_KAZAKH_AFTER = {"ё": ("е", 0.5), "ұ": ("ү", -0.5), "і": ("ы", 0.5)}


def _primary(letter: str) -> float | None:
    key = _collator().sort_key(letter)
    return key[0] if key and key[0] else None


@lru_cache(maxsize=1)
def _kazakh_primaries() -> dict[str, float]:
    return {letter: _primary(base) + shift for letter, (base, shift) in _KAZAKH_AFTER.items()}


def sort_key(text: str, language: str) -> tuple:
    """A key sorting `text` as a dictionary in `language` does."""
    if language != "kk":
        return _collator().sort_key(text)
    primaries = _kazakh_primaries()
    # Letter by letter (case-folded) with the Kazakh order, then the full key to settle ties.
    letters = tuple(p for p in (primaries.get(ch) or _primary(ch) for ch in text.lower()) if p is not None)
    return letters, _collator().sort_key(text)


@lru_cache(maxsize=8)
def country_names(language: str) -> dict[str, str]:
    """{ISO code: name} in `language` (in django-countries' order for that language)."""
    if language == "kk":
        territories = Locale("kk").territories
        with translation.override("en"):
            return {code: territories.get(code) or name for code, name in countries}
    with translation.override(language):
        return {code: str(name) for code, name in countries}


@lru_cache(maxsize=8)
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for every country, sorted for `language`."""
    names = country_names(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE)
    if language == "en":
        return tuple(names.items())  # django-countries' own order, already alphabetical in English
    return tuple(sorted(names.items(), key=lambda item: sort_key(item[1], language)))


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in `language` (the active one by default); the code if unknown."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return country_names(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE).get(code, code)
