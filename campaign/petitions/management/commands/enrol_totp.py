from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from campaign.staff_admin import totp_device_enrol, totp_secret


class Command(BaseCommand):
    help = (
        "Enrol an authenticator app (TOTP) for a staff account, which it needs to sign in: prints the "
        "key and an otpauth:// URI (for a QR code) to hand to that person privately."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="authenticator", help="what to call the device (shown if they have several)"
        )
        parser.add_argument("--replace", action="store_true", help="remove the account's other devices (a lost phone)")

    def handle(self, *args, username, name, replace, **options):
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No account named {username!r}.") from None
        if not user.is_staff:
            raise CommandError(f"{username!r} is not a staff account; only staff sign in.")
        device = totp_device_enrol(user=user, name=name, replace=replace)
        self.stdout.write(
            f"Authenticator enrolled for {username}. Add it in an authenticator app by typing this key:\n"
            f"  {totp_secret(device)}\n"
            f"or make a QR code of this URI (e.g. `qrencode -t ansiutf8 'URI'`):\n"
            f"  {device.config_url}\n"
            "Hand it over privately: whoever holds it has this account's second factor."
        )
