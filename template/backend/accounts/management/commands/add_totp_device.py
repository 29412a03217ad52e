import base64
import secrets

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.security import event


class Command(BaseCommand):
    help = (
        "Give a user an authenticator app (TOTP) as their second factor and print "
        "its otpauth:// URI once: open it with an authenticator app (or turn it "
        "into a QR code) on the user's phone, then keep it nowhere else. For the "
        "first administrator; everyone else adds one in the page."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--replace", action="store_true", help="delete the user's authenticator app first"
        )

    def handle(self, *args, username: str, replace: bool, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        if existing.exists() and not replace:
            raise CommandError(f"{username!r} has an authenticator app; --replace makes a new one")
        existing.delete()
        # allauth's own secret: 20 random bytes, in base32 (RFC 6238).
        secret = base64.b32encode(secrets.token_bytes(20)).decode()
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
        )
        event("second_factor_added", username, source="manage.py", second_factor="totp")
        self.stdout.write(get_adapter().build_totp_url(user, secret))
