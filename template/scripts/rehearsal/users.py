"""The rehearsal's users, one in each role's group, made with the backend's
own management commands as an administrator would (the backend's README)."""

import re
import secrets
from dataclasses import dataclass

from .backend import Backend
from .report import check, step

# The groups the backend's data migration creates.
ROLES = {
    "viewer": "customer viewers",
    "editor": "customer editors",
    "manager": "customer managers",
}


@dataclass(frozen=True)
class User:
    username: str
    password: str
    group: str
    email: str


def create_users(backend: Backend) -> dict[str, User]:
    """A user per role: {"viewer": User, "editor": ..., "manager": ...}."""
    step("A user in each role, made by manage.py")
    backend.manage_or_fail("bootstrap_access")
    users = {}
    for role, group in ROLES.items():
        username = f"rehearsal-{role}"
        user = User(username, secrets.token_urlsafe(18), group, f"{username}@example.com")
        # The password is handed over in the environment, never on a command line.
        backend.manage_or_fail(
            "create_user",
            user.username,
            "--group",
            group,
            "--email",
            user.email,
            env={"ACCESS_PASSWORD": user.password},
        )
        users[role] = user
    return users


def issue_token(backend: Backend, user: User) -> str:
    """A new API token for the user, as issue_api_token writes it once: to a
    file of its own among the rehearsal's secrets, never to a log."""
    path = backend.secrets / f"{user.username}-{secrets.token_hex(4)}.token"
    backend.manage_or_fail("issue_api_token", user.username, "--days", "1", "--output", str(path))
    token = path.read_text().strip()
    issued = re.fullmatch(r"[A-Za-z0-9_-]{32,}", token) is not None
    check(issued, f"an API token for {user.username}")
    return token
