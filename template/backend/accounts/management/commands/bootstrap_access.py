from django.apps import apps
from django.core.management.base import BaseCommand

from accounts.roles import ensure_roles


class Command(BaseCommand):
    help = (
        "Make sure the roles' groups exist with exactly their permissions "
        "(the migrations create them; this repairs them). Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        for name in ensure_roles(apps):
            self.stdout.write(f"group ready: {name}")
