import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Development only: (re)create the superuser 'admin' with a fresh random password and print it."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("local_admin is for development; create production staff with createsuperuser.")
        password = secrets.token_urlsafe(12)
        user, _created = get_user_model().objects.get_or_create(username="admin", defaults={"email": "admin@localhost"})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(f"Local admin login: http://127.0.0.1:8000/staff/  user: admin  password: {password}")
        )
