"""PostgreSQL from the distribution's binaries, on loopback, with password
(SCRAM) authentication over TCP as production has."""

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .processes import Processes, free_port
from .report import require, step


@dataclass
class Postgres:
    bindir: Path
    port: int
    password: str
    user: str = "app"
    database: str = "app"

    @property
    def url(self) -> str:
        """The DATABASE_URL, without the password (that goes in a file)."""
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def client_env(self) -> dict[str, str]:
        """The libpq variables for the command-line clients (psql, pg_dump)."""
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.database,
        }

    def psql(self, sql: str, **variables: object) -> str:
        """Run SQL as the app's database user; returns psql's unaligned output."""
        command = [self.bindir / "psql", "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t"]
        for name, value in variables.items():
            command += ["-v", f"{name}={value}"]
        return subprocess.run(
            command,
            input=sql,
            text=True,
            check=True,
            capture_output=True,
            env={**os.environ, **self.client_env()},
        ).stdout.strip()


def start_postgres(processes: Processes) -> Postgres:
    step("PostgreSQL")
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    bindir = versions[-1].parent if versions else Path(require("initdb")["initdb"]).parent
    # PostgreSQL refuses to run as root: run it as the postgres user then,
    # in a directory of its own that user can reach.
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    home = processes.workdir
    if as_postgres:
        home = Path(tempfile.mkdtemp(prefix="rehearsal-postgres-"))
        processes.cleanup.callback(shutil.rmtree, home, True)
        shutil.chown(home, "postgres")
    password = secrets.token_urlsafe(24)
    pwfile = home / "password"
    pwfile.write_text(password + "\n")
    if as_postgres:
        shutil.chown(pwfile, "postgres")
    data = home / "data"
    subprocess.run(
        [
            *as_postgres,
            bindir / "initdb",
            "-D",
            data,
            "-U",
            "app",
            "--pwfile",
            pwfile,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    processes.spawn(
        "postgres",
        [*as_postgres, bindir / "postgres", "-D", data, "-h", "127.0.0.1", "-p", port, "-k", home],
        port,
    )
    server = Postgres(bindir, port, password)
    subprocess.run(
        [bindir / "createdb", server.database],
        check=True,
        env={**os.environ, **server.client_env(), "PGDATABASE": "postgres"},
    )
    return server
