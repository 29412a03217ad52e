"""The backend as production runs it: production settings, secrets in files,
the image build's and the release's steps, then the image's own command;
or, given its image, the release step and the server in containers."""

import json
import os
import re
import secrets
import subprocess
import sys
import sysconfig
from pathlib import Path

from . import containers
from .postgres import Postgres
from .processes import Processes, free_port
from .project import BACKEND, DJANGO_PROJECT, DOMAIN
from .report import check, done, step


class Backend:
    def __init__(self, processes: Processes, database: Postgres, image: str | None = None) -> None:
        self.processes = processes
        # The production image to run, or None for this machine's processes.
        self.image = image
        self.secrets = processes.workdir / "secrets"
        self.secrets.mkdir(mode=0o700)
        (self.secrets / "django_secret_key").write_text(secrets.token_urlsafe(50))
        (self.secrets / "db_password").write_text(database.password)
        (self.secrets / "db_runtime_password").write_text(database.runtime_password)
        self.port = free_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": f"{DJANGO_PROJECT}.settings.production",
            "DJANGO_SECRET_KEY_FILE": str(self.secrets / "django_secret_key"),
            "DATABASE_URL": database.runtime_url,
            "DATABASE_PASSWORD_FILE": str(self.secrets / "db_runtime_password"),
            "DJANGO_ALLOWED_HOSTS": f"{DOMAIN},localhost,127.0.0.1",
            # nginx (and this script, speaking as it) connects from loopback.
            "DJANGO_TRUSTED_PROXIES": "127.0.0.1/32",
            "DJANGO_MEDIA_ROOT": str(processes.workdir / "media"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
        }
        # The release step alone connects as the owner, and grants the
        # servers' role its row access.
        self.release_env = {
            "DATABASE_URL": database.url,
            "DATABASE_PASSWORD_FILE": str(self.secrets / "db_password"),
            "DATABASE_RUNTIME_ROLE": database.runtime_user,
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """manage.py with the production environment; never raises on failure."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BACKEND,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )

    def manage_or_fail(self, *args: str, env: dict[str, str] | None = None) -> str:
        """manage.py that must succeed; its standard output."""
        result = self.manage(*args, env=env)
        check(
            result.returncode == 0,
            f"manage.py {args[0]}"
            + ("" if result.returncode == 0 else f": {result.stderr[-2000:]}"),
        )
        return result.stdout

    def prepare(self) -> None:
        """The image build and the release step, before the server starts."""
        if self.image:
            self.release_from_image()
            return
        step("The backend under gunicorn, production settings")
        # The build compiles the bytecode (pip the venv's, the Dockerfile the
        # app's); without it, every gunicorn worker compiles each module itself.
        packages = {BACKEND / DJANGO_PROJECT, *(path.parent for path in BACKEND.glob("*/apps.py"))}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "compileall",
                "-q",
                *sorted(packages),
                *sysconfig.get_path("purelib").split(os.pathsep),
            ],
            capture_output=True,
            check=False,  # a package may ship a file for another Python; pip skips those too
        )
        done("bytecode compiled, as the image build does")
        self.manage_or_fail("collectstatic", "--no-input")
        self.manage_or_fail("migrate", "--no-input", env=self.release_env)

    def container_env(self, env: dict[str, str]) -> tuple[dict[str, str], dict[str, Path]]:
        """`env` as the stack gives it to a container: the settings alone,
        each *_FILE at /run/secrets/<name>; and the secret files by name."""
        settings = ("DJANGO_", "DATABASE_", "REDIS_", "GUNICORN_", "EMAIL_", "MAIL_")
        variables, secrets_ = {}, {}
        for name, value in env.items():
            if not name.startswith(settings) or name == "DJANGO_MEDIA_ROOT":
                continue
            if name.endswith("_FILE"):
                secrets_[Path(value).name] = Path(value)
                value = f"/run/secrets/{Path(value).name}"
            variables[name] = value
        return variables, secrets_

    def release_from_image(self) -> None:
        """The stack's release step (its migrate service), from the image."""
        step("The backend's image: the release step, then the server in a container")
        env, secrets_ = self.container_env({**self.env, **self.release_env})
        result = containers.run_once(
            self.image,
            containers.service("migrate")["command"],
            env=env,
            secrets=secrets_,
            flags=["--network", "host", *containers.runs_as_stack("migrate")],
        )
        check(
            result.returncode == 0,
            "the release step (migrate) from the image"
            + ("" if result.returncode == 0 else f": {result.stderr[-2000:]}"),
        )

    def serve(self, env: dict[str, str] | None = None, wrapper: list[str] | None = None) -> None:
        """The image's own command (its Dockerfile's CMD), from this venv;
        `wrapper` runs it under another program (the benchmark's valgrind).
        With an image, the image itself, as the stack runs it, on loopback."""
        if self.image:
            variables, secrets_ = self.container_env({**self.env, **(env or {})})
            media = self.processes.workdir / "media"
            media.mkdir(exist_ok=True)
            command = containers.run_arguments(
                self.image,
                env=variables,
                secrets=secrets_,
                # The media volume, owned by the image's user (podman's U).
                flags=[
                    "--network",
                    "host",
                    *containers.runs_as_stack("backend"),
                    "--volume",
                    f"{media}:/app/media:U",
                ],
                directory=self.processes.workdir / "backend-secrets",
            )
            self.processes.spawn("backend", [*containers.running("backend"), *command], self.port)
            return
        dockerfile = (BACKEND / "Dockerfile").read_text()
        command = json.loads(re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)[-1])
        venv_bin = Path(sys.executable).parent
        self.processes.spawn(
            "backend",
            [*(wrapper or []), venv_bin / command[0], *command[1:]],
            self.port,
            # Under valgrind, gunicorn takes minutes to import the app.
            ready_within=600 if wrapper else 60,
            cwd=BACKEND,
            env={**self.env, **(env or {})},
        )
