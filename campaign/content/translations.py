"""Which translations of the content are missing, outdated or current.

A row's translation into a language is made from its English text; when it is saved, the row
keeps the hash of that English text (`translated_from_<language>`). Once the English text no
longer hashes to it, the translation is "outdated": someone changed the English since. It is
"missing" where a field has English text and no translation. A source's title is the
publisher's and is translated only where the publisher gives one in that language, so an empty
translated title is not missing.
"""

import hashlib
import json

from django.conf import settings
from modeltranslation.translator import translator

# The languages the English content is translated into; each has a digest and a reviewed flag
# on every translated row (translated.Translated).
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
MISSING, OUTDATED, CURRENT = "missing", "outdated", "current"

# The English text a translated field is made from: its own English column, except a
# quotation's translation, which translates the quotation itself.
_MADE_FROM = {("Quote", "translation"): "text"}
_OPTIONAL = {("Source", "title")}


def translated_fields(model) -> list[str]:
    return sorted(translator.get_options_for_model(model).fields)


def _english_column(model, field: str) -> str:
    return _MADE_FROM.get((model.__name__, field), f"{field}_{settings.LANGUAGE_CODE}")


def english_digest(row) -> str:
    """The hash of the English text the row's translations are made from."""
    model = type(row)
    values = {field: getattr(row, _english_column(model, field)) or "" for field in translated_fields(model)}
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def translation_status(row, language: str) -> str:
    model = type(row)
    for field in translated_fields(model):
        if (model.__name__, field) in _OPTIONAL:
            continue
        if (getattr(row, _english_column(model, field)) or "").strip() and not (
            getattr(row, f"{field}_{language}") or ""
        ).strip():
            if field == "translation" and getattr(row, "language", None) == language:
                continue  # a quotation said in this language needs no translation into it
            return MISSING
    return CURRENT if getattr(row, f"translated_from_{language}") == english_digest(row) else OUTDATED


def translation_made(row, language: str) -> None:
    """Record that the row's translation into `language` is made from its current English text."""
    setattr(row, f"translated_from_{language}", english_digest(row))
