"""Encrypt the rows a bench scenario loaded with one SQL statement, as signing would have.

The scenarios fill the signatures table with INSERT ... SELECT (a million rows in seconds), which
can only write names and addresses in clear; this seals them (and fills their blind indexes)
under the stack's keys: read in id order by a server-side cursor, written back through COPY
into a temporary table and one UPDATE per batch. Run with the stack's environment:

    python bench/seal.py        # every row whose name is not sealed yet
"""

import os
import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402

from campaign.petitions import crypto  # noqa: E402
from campaign.petitions.services import canonical_email  # noqa: E402

NAME, EMAIL = b"petitions.signature.name", b"petitions.signature.email"
BATCH = 50_000


def seal() -> int:
    keys = crypto.keyring()
    sealed = 0
    after = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS sealed (id bigint PRIMARY KEY, name text, email text,"
            " email_index varchar(64), name_words text, name_shape varchar(100))"
        )
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name, email, email_index FROM petitions_signature WHERE id > %s AND name NOT LIKE 'v1:%%'"
                " ORDER BY id LIMIT %s",
                [after, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return sealed
            cursor.execute("TRUNCATE sealed")
            with cursor.copy("COPY sealed FROM STDIN") as copy:
                for pk, name, email, index in rows:
                    copy.write_row(
                        (
                            pk,
                            keys.encrypt(name, NAME) if name else "",
                            keys.encrypt(email, EMAIL) if email else "",
                            index if index.startswith("erased-") else crypto.email_index(canonical_email(email)),
                            crypto.name_words(name),
                            crypto.name_shape(name),
                        )
                    )
            cursor.execute(
                "UPDATE petitions_signature s SET name = t.name, email = t.email, email_index = t.email_index,"
                " name_words = t.name_words, name_shape = t.name_shape FROM sealed t WHERE s.id = t.id"
            )
            sealed += len(rows)
            after = rows[-1][0]


if __name__ == "__main__":
    print(seal())
