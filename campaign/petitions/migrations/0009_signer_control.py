from django.db import migrations, models

import campaign.petitions.models


def public_ids_fill(apps, schema_editor):
    """One random identifier per existing signature, in one statement (no row in Python)."""
    table = schema_editor.quote_name(apps.get_model("petitions", "Signature")._meta.db_table)
    if schema_editor.connection.vendor == "postgresql":
        random_hex = "md5(random()::text || clock_timestamp()::text || id::text)"
    else:
        random_hex = "lower(hex(randomblob(16)))"
    schema_editor.execute(f"UPDATE {table} SET public_id = {random_hex} WHERE public_id IS NULL")


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0008_petition_life"),
    ]

    operations = [
        migrations.AddField(
            model_name="signature",
            name="public_id",
            field=models.CharField(editable=False, max_length=32, null=True, verbose_name="public identifier"),
        ),
        migrations.RunPython(public_ids_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="signature",
            name="public_id",
            field=models.CharField(
                default=campaign.petitions.models.public_id_new,
                editable=False,
                max_length=32,
                unique=True,
                verbose_name="public identifier",
            ),
        ),
        migrations.AddField(
            model_name="signature",
            name="leave_name_off",
            field=models.BooleanField(default=False, verbose_name="name left off the delivered list"),
        ),
        migrations.AlterField(
            model_name="signature",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "pending confirmation"),
                    ("confirmed", "confirmed"),
                    ("suspicious", "suspicious"),
                    ("rejected", "rejected"),
                    ("withdrawn", "withdrawn by the signer"),
                ],
                default="pending",
                max_length=12,
                verbose_name="state",
            ),
        ),
        migrations.AlterField(
            model_name="signature",
            name="state_before_invalidation",
            field=models.CharField(
                blank=True,
                choices=[
                    ("pending", "pending confirmation"),
                    ("confirmed", "confirmed"),
                    ("suspicious", "suspicious"),
                    ("rejected", "rejected"),
                    ("withdrawn", "withdrawn by the signer"),
                ],
                editable=False,
                max_length=12,
            ),
        ),
    ]
