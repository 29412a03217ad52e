"""A throwaway PostgreSQL server from the distribution's binaries, on loopback.

pytest-postgresql cannot be used here: it runs the server as the current
user, and PostgreSQL refuses to run as root, which CI is. This starts the
server as the ``postgres`` system user instead, with password (SCRAM) auth
on 127.0.0.1 so the rendered settings are exercised as in production.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def _bindir() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
    )
    if not versions:
        raise RuntimeError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql: "
            "install the Debian package 'postgresql' (see tools/system-packages.txt)"
        )
    return versions[-1].parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The role the servers connect as, as database/runtime-role.sql makes it; the
# superuser (PostgresServer.user) stands for the image's POSTGRES_USER, the owner.
RUNTIME_USER = "app_runtime"
RUNTIME_PASSWORD = "runtime-test-password"


@dataclass
class PostgresServer:
    directory: Path
    port: int
    user: str = "app"
    password: str = "app-test-password"

    def __post_init__(self) -> None:
        self.created = 0
        self.bindir = _bindir()
        self.data = self.directory / "data"
        self.socket_dir = self.directory / "socket"

    def _as_postgres(self, *command: str | Path, **kwargs) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *map(str, command)], check=True, capture_output=True, text=True, **kwargs
        )

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        pwfile = self.directory / "pwfile"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            shutil.chown(pwfile, "postgres")
        self._as_postgres(
            self.bindir / "initdb",
            "-D",
            self.data,
            "-U",
            self.user,
            "--pwfile",
            pwfile,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir} -F "
            "-c max_connections=200 -c fsync=off -c full_page_writes=off"
        )
        self._as_postgres(
            self.bindir / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.directory / "server.log",
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def is_running(self) -> bool:
        result = subprocess.run(
            [self.bindir / "pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def create_database(self, prefix: str) -> str:
        """A new, empty database; its URL. Names are unique within the server."""
        self.created += 1
        name = f"{prefix.replace('-', '_')}_{self.created}"
        self._as_postgres(
            self.bindir / "createdb", "-h", self.socket_dir, "-p", self.port, "-U", self.user, name
        )
        return self.url(name)

    def url(self, name: str, with_password: bool = True) -> str:
        secret = f":{self.password}" if with_password else ""
        return f"postgres://{self.user}{secret}@127.0.0.1:{self.port}/{name}"

    def create_runtime_role(self, script: Path) -> None:
        """The servers' role (RUNTIME_USER), made by a render's own
        database/runtime-role.sql as the database image runs it: by the
        superuser, from the environment. Roles belong to the whole server and
        the script may run again, so every test may ask for it."""
        password_file = self.directory / "runtime-password"
        password_file.write_text(RUNTIME_PASSWORD + "\n")
        subprocess.run(
            [self.bindir / "psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            stdin=script.open(),
            env={
                **os.environ,
                "PGUSER": self.user,
                "PGPASSWORD": self.password,
                "PGDATABASE": "postgres",
                "POSTGRES_RUNTIME_USER": RUNTIME_USER,
                "POSTGRES_RUNTIME_PASSWORD_FILE": str(password_file),
            },
            check=True,
            capture_output=True,
        )

    def runtime_url(self, owner_url: str) -> str:
        """The URL of the same database for the servers' role."""
        name = owner_url.rsplit("/", 1)[1]
        return f"postgres://{RUNTIME_USER}:{RUNTIME_PASSWORD}@127.0.0.1:{self.port}/{name}"

    def wait_until_down(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.is_running():
            if time.monotonic() > deadline:
                raise TimeoutError("PostgreSQL did not stop")
            time.sleep(0.2)

    def processes(self) -> list[int]:
        """The postmaster and every process it started (backends, checkpointer...)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        return [postmaster, *map(int, children)]

    def freeze(self) -> None:
        """Stop every process of the server (SIGSTOP), the postmaster first so
        it starts no new one: connections stay open and go unanswered, as on a
        host that hangs."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in reversed(self.processes()):
            os.kill(pid, signal.SIGCONT)
