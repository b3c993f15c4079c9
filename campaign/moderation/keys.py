"""Key rotation for the encrypted names and addresses, and rebuilding the blind indexes.

Both walk the signatures by id in batches (constant memory), each batch one transaction that
locks its rows in id order (as erasure does: an erasure in between is never undone), and record
their progress in one audit entry, so a run that stops is resumed where it stopped by running
the command again. Run by `manage.py rotate_field_keys` and `manage.py rebuild_blind_indexes`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router, transaction

from campaign.petitions import crypto
from campaign.petitions.fields import Sealed
from campaign.petitions.models import AuditEntry, Signature
from campaign.petitions.services import canonical_email

from .audit import audit_record

BATCH_SIZE = 2000
ROTATE = "field_keys_rotate"
REBUILD = "blind_indexes_rebuild"
NAME = Signature._meta.get_field("name")._aad
EMAIL = Signature._meta.get_field("email")._aad


@dataclass
class Progress:
    key: str  # the id of the key the run moves rows to (never the key)
    through_id: int = 0
    examined: int = 0
    changed: int = 0
    resumed: bool = False
    finished: bool = False


def _resume(action: str, key: str) -> tuple[AuditEntry, Progress]:
    """The unfinished run for this key, if any, else a new one: its audit entry and progress."""
    entry = AuditEntry.objects.filter(action=action, details__key=key, details__finished=False).first()
    if entry is not None:
        details = entry.details
        progress = Progress(
            key=key, through_id=details["through_id"], examined=details["examined"], changed=entry.count, resumed=True
        )
        return entry, progress
    progress = Progress(key=key)
    return audit_record(actor=None, action=action, details=_details(progress)), progress


def _details(progress: Progress) -> dict:
    return {
        "key": progress.key,
        "through_id": progress.through_id,
        "examined": progress.examined,
        "finished": progress.finished,
    }


def _run(action: str, key: str, batch: Callable[[list[tuple]], list[tuple]], batch_size: int, progress_callback):
    entry, progress = _resume(action, key)
    connection = connections[router.db_for_write(Signature)]
    table = connection.ops.quote_name(Signature._meta.db_table)
    while True:
        with transaction.atomic():
            rows = list(
                Signature.objects.select_for_update()
                .filter(pk__gt=progress.through_id)
                .order_by("pk")
                .values_list("pk", Sealed("name"), Sealed("email"), "email_index", "name_words", "name_shape")[
                    :batch_size
                ]
            )
            if not rows:
                progress.finished = True
            else:
                changes = batch(rows)
                if changes:
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            f"UPDATE {table} SET name = %s, email = %s, email_index = %s, name_words = %s,"
                            " name_shape = %s WHERE id = %s",
                            changes,
                        )
                progress.through_id = rows[-1][0]
                progress.examined += len(rows)
                progress.changed += len(changes)
            AuditEntry.objects.filter(pk=entry.pk).update(count=progress.changed, details=_details(progress))
        if progress_callback is not None:
            progress_callback(progress)
        if progress.finished:
            return progress


def field_keys_rotate(*, batch_size: int = BATCH_SIZE, progress=None) -> Progress:
    """Re-encrypt every name and address not yet under the first of FIELD_ENCRYPTION_KEYS.

    Keep the old keys in FIELD_ENCRYPTION_KEYS (after the new one) until this has finished:
    rows not yet rotated are opened with them."""
    keys = crypto.keyring()

    def reseal(token: str, purpose: bytes) -> str:
        if not token or token.startswith(keys.prefix):
            return token
        return keys.encrypt(keys.decrypt(token, purpose), purpose)

    def batch(rows):
        changes = []
        for pk, name, email, index, words, shape in rows:
            new_name, new_email = reseal(name, NAME), reseal(email, EMAIL)
            if (new_name, new_email) != (name, email):
                changes.append((new_name, new_email, index, words, shape, pk))
        return changes

    return _run(ROTATE, keys.current_id, batch, batch_size, progress)


def blind_index_key_id() -> str:
    return hashlib.sha256(b"campaign blind index key id\x00" + settings.BLIND_INDEX_KEY.encode()).hexdigest()[:8]


def blind_indexes_rebuild(*, batch_size: int = BATCH_SIZE, progress=None) -> Progress:
    """Recompute every row's blind indexes (address, name words, name shape) under the current
    BLIND_INDEX_KEY, from the decrypted values. While it runs, a signature under the old key
    is not recognised as a duplicate: stop the site and the workers first (docs/security.md, "Encryption at rest")."""
    keys = crypto.keyring()

    def batch(rows):
        changes = []
        for pk, name, email, index, words, shape in rows:
            if index.startswith("erased-"):
                continue
            plain_name = keys.decrypt(name, NAME) if name else ""
            plain_email = keys.decrypt(email, EMAIL) if email else ""
            new = (
                crypto.email_index(canonical_email(plain_email)),
                crypto.name_words(plain_name),
                crypto.name_shape(plain_name),
            )
            if new != (index, words, shape):
                changes.append((name, email, *new, pk))
        return changes

    return _run(REBUILD, blind_index_key_id(), batch, batch_size, progress)
