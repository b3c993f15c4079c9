"""Signers' names and addresses encrypted at rest, found through blind indexes (crypto.py).

Encrypts every existing row in batches of BATCH ids, in the migration's one transaction: a
failure leaves every row as it was, never half encrypted. Reversible (`migrate petitions 0012`)
with the same keys; the steps in docs/security.md ("Encryption at rest") take a backup first all the same.
"""

import campaign.petitions.fields
from django.db import migrations, models

from campaign.petitions import crypto

BATCH = 2000
NAME = b"petitions.signature.name"
EMAIL = b"petitions.signature.email"


def _batches(cursor, columns: str):
    if cursor.db.vendor == "postgresql":
        # Checked as each row changes: a deferred check still pending would stop the ALTER
        # TABLE that follows in this transaction ("pending trigger events").
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    after = 0
    while True:
        cursor.execute(
            f"SELECT id, {columns} FROM petitions_signature WHERE id > %s ORDER BY id LIMIT %s", [after, BATCH]
        )
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def encrypt(apps, schema_editor):
    keys = crypto.keyring()
    with schema_editor.connection.cursor() as cursor:
        for rows in _batches(cursor, "name, email, email_canonical, erased_at"):
            changes = []
            for pk, name, email, canonical, erased_at in rows:
                # An erased row keeps its "erased-<id>" marker: it is no address's index.
                index = canonical if erased_at is not None else crypto.email_index(canonical)
                changes.append(
                    (
                        keys.encrypt(name, NAME) if name else "",
                        keys.encrypt(email, EMAIL) if email else "",
                        index,
                        crypto.name_words(name),
                        crypto.name_shape(name),
                        pk,
                    )
                )
            cursor.executemany(
                "UPDATE petitions_signature SET name = %s, email = %s, email_index = %s, name_words = %s,"
                " name_shape = %s WHERE id = %s",
                changes,
            )


def decrypt(apps, schema_editor):
    keys = crypto.keyring()
    with schema_editor.connection.cursor() as cursor:
        for rows in _batches(cursor, "name, email"):
            cursor.executemany(
                "UPDATE petitions_signature SET name = %s, email = %s WHERE id = %s",
                [
                    (keys.decrypt(name, NAME) if name else "", keys.decrypt(email, EMAIL) if email else "", pk)
                    for pk, name, email in rows
                ],
            )


def canonical_back(apps, schema_editor):
    """Reversing: the clear canonical address again (services.canonical_email), before the old
    unique constraint returns."""
    keys = crypto.keyring()
    with schema_editor.connection.cursor() as cursor:
        for rows in _batches(cursor, "email, email_index"):
            cursor.executemany(
                "UPDATE petitions_signature SET email_canonical = %s WHERE id = %s",
                [
                    (index if index.startswith("erased-") else keys.decrypt(email, EMAIL).strip().casefold(), pk)
                    for pk, email, index in rows
                ],
            )


def scrub_name_patterns(apps, schema_editor):
    """An invalidation's name pattern ("john smith*") is a name in clear, and no row can be
    matched by one any more: dropped, as erasure scrubs a personal criterion."""
    Invalidation = apps.get_model("petitions", "Invalidation")
    for invalidation in Invalidation.objects.filter(criteria__has_key="name_pattern").only("criteria"):
        criteria = {key: value for key, value in invalidation.criteria.items() if key != "name_pattern"}
        criteria["scrubbed"] = sorted({*criteria.get("scrubbed", []), "name_pattern"})
        Invalidation.objects.filter(pk=invalidation.pk).update(criteria=criteria)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0012_supporter_updates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="signature",
            name="name",
            field=campaign.petitions.fields.EncryptedTextField(purpose="petitions.signature.name", verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="signature",
            name="email",
            field=campaign.petitions.fields.EncryptedTextField(
                purpose="petitions.signature.email", verbose_name="email"
            ),
        ),
        migrations.AddField(
            model_name="signature",
            name="email_index",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="email blind index"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="signature",
            name="name_words",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="name word index"),
        ),
        migrations.AddField(
            model_name="signature",
            name="name_shape",
            field=models.CharField(blank=True, default="", editable=False, max_length=100, verbose_name="name shape"),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        migrations.RunPython(scrub_name_patterns, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(model_name="signature", name="one_signature_per_email"),
        migrations.RunPython(migrations.RunPython.noop, canonical_back, elidable=False),
        # With a default, so that reversing can add the column back before refilling it.
        migrations.AlterField(
            model_name="signature",
            name="email_canonical",
            field=models.CharField(default="", max_length=254, verbose_name="canonical email"),
        ),
        migrations.RemoveField(model_name="signature", name="email_canonical"),
        migrations.AddConstraint(
            model_name="signature",
            constraint=models.UniqueConstraint(fields=("petition", "email_index"), name="one_signature_per_email"),
        ),
    ]
