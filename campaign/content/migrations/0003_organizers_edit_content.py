"""Organizers keep the case current from the admin: they publish updates, cite and archive
sources, and edit the case text. Administrators get the permissions of the models added
since the roles were made (petitions 0003 gave them what existed then).

The permissions are listed here, frozen, rather than read from the code.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["campaign", "source", "timelineentry", "demand", "quote", "update"]
ORGANIZER = [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change")] + ["delete_update"]
ADMINISTRATOR = [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change", "delete")]


def _permissions(apps, codenames):
    app_config = apps.get_app_config("content")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return list(Permission.objects.filter(content_type__app_label="content", codename__in=codenames))


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, codenames in (("Organizer", ORGANIZER), ("Administrator", ADMINISTRATOR)):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_permissions(apps, codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    organizer = Group.objects.filter(name="Organizer").first()
    if organizer is not None:
        organizer.permissions.remove(*Permission.objects.filter(content_type__app_label="content", codename__in=ORGANIZER))
    administrator = Group.objects.filter(name="Administrator").first()
    if administrator is not None:
        administrator.permissions.remove(
            *Permission.objects.filter(content_type__app_label="content", codename__endswith="_update")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_sources_titles_updates_quote_excerpts_seed_digests"),
        ("petitions", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
