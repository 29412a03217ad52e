from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken

from accounts.security import event


class Command(BaseCommand):
    help = "Revoke every API token of a user: the next request with one gets 401."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        revoked, _ = AuthToken.objects.filter(user=user).delete()
        event("tokens_revoked", username, source="manage.py", count=revoked)
        self.stdout.write(f"revoked {revoked} token(s) of {username}")
