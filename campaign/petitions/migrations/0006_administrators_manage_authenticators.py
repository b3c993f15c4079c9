"""Administrators see and remove staff members' authenticator devices (django-otp's TOTP).

Administrators hold every permission that existed when 0003_roles ran; the TOTP device's
permissions came with django-otp, after it. Only administrators get them: a device's
record decides who can sign in.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APP_LABEL = "otp_totp"


def grant(apps, schema_editor):
    # On a fresh database the permissions do not exist yet (post_migrate creates them later).
    app_config = apps.get_app_config(APP_LABEL)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins, _created = Group.objects.get_or_create(name="Administrator")
    admins.permissions.add(*Permission.objects.filter(content_type__app_label=APP_LABEL))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Administrator"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label=APP_LABEL))


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0005_fewer_signature_indexes"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
