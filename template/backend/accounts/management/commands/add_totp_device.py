from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import event


class Command(BaseCommand):
    help = (
        "Give a staff user a TOTP device for the admin's second factor and print "
        "its otpauth:// URI once: open it with an authenticator app (or turn it "
        "into a QR code) on the administrator's phone, then keep it nowhere else."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--replace", action="store_true", help="delete the user's existing TOTP devices first"
        )

    def handle(self, *args, username: str, replace: bool, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        if not user.is_staff:
            raise CommandError(f"{username!r} is not staff: the admin would refuse it anyway")
        devices = TOTPDevice.objects.filter(user=user)
        if devices.exists() and not replace:
            raise CommandError(f"{username!r} has a TOTP device; --replace makes a new one")
        devices.delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        event("totp_device_added", username, source="manage.py")
        self.stdout.write(device.config_url)
