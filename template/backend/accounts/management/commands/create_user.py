import os
from pathlib import Path

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.roles import ROLES
from accounts.security import event

FROM_ENVIRONMENT = "ACCESS_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a user in one or more roles' groups. The password comes from "
        f"--password-file or the {FROM_ENVIRONMENT} environment variable, never "
        "from the command line (which other users of the machine can read)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--group", action="append", choices=list(ROLES), required=True, dest="groups"
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--staff",
            action="store_true",
            help="may log in to the admin (managers read the audit trail there)",
        )
        parser.add_argument("--password-file", type=Path)
        parser.add_argument(
            "--update",
            action="store_true",
            help="set the password, groups and staff flag of an existing user instead of failing",
        )

    def handle(self, *args, username: str, groups: list[str], **options) -> None:
        password = self.password(options["password_file"])
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None and not options["update"]:
            raise CommandError(f"user {username!r} exists; --update changes it")
        candidate = user or User(username=username, email=options["email"])
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as error:
            raise CommandError("password refused: " + " ".join(error.messages)) from None
        with transaction.atomic():
            candidate.set_password(password)
            candidate.is_staff = options["staff"]
            if options["email"]:
                candidate.email = options["email"]
            candidate.save()
            candidate.groups.set(Group.objects.filter(name__in=groups))
        missing = set(groups) - set(candidate.groups.values_list("name", flat=True))
        if missing:
            raise CommandError(f"missing groups {sorted(missing)}: run bootstrap_access")
        event("user_updated" if user else "user_created", username, source="manage.py")
        self.stdout.write(f"{'updated' if user else 'created'} {username}: {', '.join(groups)}")

    @staticmethod
    def password(path: Path | None) -> str:
        if path is not None:
            try:
                # A secret file usually ends with a newline that is not part of it.
                value = path.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as error:
                raise CommandError(f"cannot read {path}: {error.strerror}") from None
        else:
            value = os.environ.get(FROM_ENVIRONMENT, "")
        if not value:
            raise CommandError(f"give the password in --password-file or {FROM_ENVIRONMENT}")
        return value
