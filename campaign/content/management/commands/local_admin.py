import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.staff_admin import totp_code_now, totp_device_enrol, totp_secret


class Command(BaseCommand):
    help = (
        "Development only: (re)create the superuser 'admin' with a fresh random password and authenticator "
        "key, and print them with a current code. --code prints only a fresh code."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--code", action="store_true", help="print the authenticator's current code and nothing else"
        )

    def handle(self, *args, code, **options):
        if not settings.DEBUG:
            raise CommandError(
                "local_admin is for development; create production staff with createsuperuser and enrol_totp."
            )
        if code:
            device = TOTPDevice.objects.filter(user__username="admin").first()
            if device is None:
                raise CommandError("No local admin yet: run `python manage.py local_admin` first.")
            self.stdout.write(totp_code_now(device))
            return
        password = secrets.token_urlsafe(12)
        user, _created = get_user_model().objects.get_or_create(username="admin", defaults={"email": "admin@localhost"})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        device = totp_device_enrol(user=user, name="local", replace=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Local admin login: http://127.0.0.1:8000/staff/  user: admin  password: {password}\n"
                f"  authenticator code now: {totp_code_now(device)}  (a fresh one: python manage.py local_admin --code)\n"
                f"  authenticator key: {totp_secret(device)}  ({device.config_url})"
            )
        )
