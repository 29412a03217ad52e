import os
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken
from knox.settings import knox_settings

from accounts.security import event


class Command(BaseCommand):
    help = (
        "Issue an API token for a user and show it once (only its hash is "
        "stored). Clients send it as 'Authorization: Token <token>'; it can do "
        "what the user may do, until it expires or is revoked (revoke_api_tokens)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=knox_settings.TOKEN_TTL.days,
            help="days until it expires (default: API_TOKEN_DAYS, %(default)s)",
        )
        parser.add_argument(
            "--output",
            type=Path,
            help="write the token to this new file (mode 600) instead of printing it",
        )

    def handle(self, *args, username: str, days: int, output: Path | None, **options) -> None:
        if not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        if output is not None and output.exists():
            raise CommandError(f"{output} exists; the token goes to a new file only")
        instance, token = AuthToken.objects.create(user=user, expiry=timedelta(days=days))
        event("token_issued", username, source="manage.py", expires=instance.expiry.isoformat())
        if output is None:
            self.stdout.write(token)
        else:
            descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(token + "\n")
        self.stderr.write(f"token for {username}, expires {instance.expiry:%Y-%m-%d %H:%M} UTC")
