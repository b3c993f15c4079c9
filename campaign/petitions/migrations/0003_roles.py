"""The three staff roles as groups.

The permissions are listed here, frozen, rather than imported from the code: a migration
must do the same thing whenever it runs. Administrators get every permission that exists
when this runs, which is why it depends on the last migration of every installed app.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    # Review and moderate signatures; no supporter lists, no audit log, no user management.
    "Moderator": [
        "petitions.view_petition",
        "petitions.view_signature",
        "petitions.change_signature",
        "petitions.moderate_signature",
        "petitions.view_invalidation",
        "petitions.view_dashboard",
    ],
    # Campaign statistics and supporter exports; cannot moderate.
    "Organizer": [
        "petitions.view_petition",
        "petitions.view_dashboard",
        "petitions.export_supporters",
    ],
}
ADMINISTRATOR = "Administrator"


def roles_create(apps, schema_editor):
    # On a fresh database the permissions do not exist yet (post_migrate creates them after
    # the last migration), so create them now for every app in this migration's state.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
    admins, _created = Group.objects.get_or_create(name=ADMINISTRATOR)
    admins.permissions.set(Permission.objects.all())


def roles_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[*ROLES, ADMINISTRATOR]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0002_invalidation_progress"),
        ("content", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sessions", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(roles_create, roles_delete)]
