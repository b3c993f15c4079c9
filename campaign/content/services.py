"""Writes to the campaign's content. The admin, the seed and commands call these."""

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import models, transaction

# Pages built from the content (the cached home page) are keyed by this token: a new token
# after every committed change means the next visitor sees the change.
CONTENT_VERSION_KEY = "content:version"


def content_changed() -> None:
    """Give the content a new version once the current transaction commits."""
    transaction.on_commit(_new_version)


def _new_version() -> None:
    # Dropped while Redis is down (campaign/redis_cache.py): the cached home page expires on its own.
    cache.set(CONTENT_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def content_row_save(*, row: models.Model, translated_languages: Iterable[str] = ()) -> None:
    """Save a row of content (the admin's many-to-many writes follow in the same transaction).
    `translated_languages`: the languages whose translation the editor wrote or changed, from
    the English text the row now has (it is no longer outdated in them)."""
    from .translations import translation_made

    for language in translated_languages:
        translation_made(row, language)
    row.save()
    content_changed()


def content_rows_delete(*, rows: models.QuerySet) -> None:
    rows.delete()
    content_changed()
