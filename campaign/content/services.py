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


def case_save(*, case, translated_languages: Iterable[str] = (), consent_recorded_by=None, replaced_photo=None) -> None:
    """Save a case. Publishing without a recorded consent is refused (ValidationError), here and
    by the database. `consent_recorded_by`: the staff member who just recorded or changed the
    consent. `replaced_photo`: the file the new photo replaces, deleted once this commits."""
    from django.core.exceptions import ValidationError

    if case.is_published and not case.consent_recorded:
        raise ValidationError("A case is published only once its consent is recorded.")
    if consent_recorded_by is not None:
        case.consent_recorded_by = consent_recorded_by
    content_row_save(row=case, translated_languages=translated_languages)
    if replaced_photo:
        transaction.on_commit(lambda: replaced_photo.storage.delete(replaced_photo.name))


def cases_delete(*, cases: models.QuerySet) -> None:
    """Delete cases and, once that commits, their photos."""
    photos = [case.photo for case in cases if case.photo]
    content_rows_delete(rows=cases)
    for photo in photos:
        transaction.on_commit(lambda photo=photo: photo.storage.delete(photo.name))


def delivery_save(*, delivery, translated_languages: Iterable[str] = (), replaced_document=None) -> None:
    """Save a delivery; `replaced_document`: the file the new one replaces, deleted once this commits."""
    content_row_save(row=delivery, translated_languages=translated_languages)
    if replaced_document:
        transaction.on_commit(lambda: replaced_document.storage.delete(replaced_document.name))


def deliveries_delete(*, deliveries: models.QuerySet) -> None:
    """Delete deliveries and, once that commits, their documents."""
    documents = [delivery.document for delivery in deliveries if delivery.document]
    content_rows_delete(rows=deliveries)
    for document in documents:
        transaction.on_commit(lambda document=document: document.storage.delete(document.name))
