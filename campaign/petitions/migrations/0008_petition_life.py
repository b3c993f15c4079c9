"""A petition has a life: an optional closing time, and the moment it closed.

`is_open` becomes `closed_at` (a petition closed by hand keeps being closed, as of now), and
organizers get the permission to close early and reopen. The permission is named here, frozen,
as in 0003_roles; administrators hold every permission, so they get it too.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.utils import timezone

PERMISSION = "close_petition"
GROUPS = ("Organizer", "Administrator")


def closed_from_is_open(apps, schema_editor):
    apps.get_model("petitions", "Petition").objects.filter(is_open=False).update(closed_at=timezone.now())


def is_open_from_closed(apps, schema_editor):
    apps.get_model("petitions", "Petition").objects.filter(closed_at__isnull=False).update(is_open=False)


def grant(apps, schema_editor):
    # On a fresh database the permission does not exist yet (post_migrate creates it later).
    app_config = apps.get_app_config("petitions")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="petitions", codename=PERMISSION)
    for name in GROUPS:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="petitions", codename=PERMISSION).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0007_petition_per_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="petition",
            options={
                "ordering": ["-is_featured", "-created_at"],
                "permissions": [("close_petition", "Can close and reopen petitions")],
                "verbose_name": "petition",
                "verbose_name_plural": "petitions",
            },
        ),
        migrations.AddField(
            model_name="petition",
            name="closed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="closed"),
        ),
        migrations.AddField(
            model_name="petition",
            name="closes_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Leave empty to keep the petition open until closed by hand.",
                null=True,
                verbose_name="closes at",
            ),
        ),
        migrations.RunPython(closed_from_is_open, is_open_from_closed),
        migrations.RemoveField(model_name="petition", name="is_open"),
        migrations.RunPython(grant, revoke),
    ]
