"""PostgreSQL from the distribution's binaries, on loopback, with password
(SCRAM) authentication over TCP as production has, and production's two
roles: the owner (the database image's POSTGRES_USER, a superuser), which
the release step and the backups use, and the runtime role the servers
connect as, made by the project's own database/runtime-role.sql."""

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .processes import Processes, free_port
from .project import POSTGRES_SETTINGS, ROOT
from .report import check, done, require, step


@dataclass
class Postgres:
    bindir: Path
    port: int
    password: str
    runtime_password: str
    user: str = "app"
    runtime_user: str = "app_runtime"
    database: str = "app"

    @property
    def url(self) -> str:
        """The owner's DATABASE_URL, without the password (that goes in a file)."""
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def runtime_url(self) -> str:
        """The servers' DATABASE_URL, without the password."""
        return f"postgres://{self.runtime_user}@127.0.0.1:{self.port}/{self.database}"

    def client_env(self, runtime: bool = False) -> dict[str, str]:
        """The libpq variables for the command-line clients (psql, pg_dump),
        as the owner or the runtime role."""
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": self.runtime_user if runtime else self.user,
            "PGPASSWORD": self.runtime_password if runtime else self.password,
            "PGDATABASE": self.database,
        }

    def run_psql(self, sql: str, runtime: bool = False, **variables: object):
        command = [self.bindir / "psql", "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t"]
        for name, value in variables.items():
            command += ["-v", f"{name}={value}"]
        return subprocess.run(
            command,
            input=sql,
            text=True,
            check=False,
            capture_output=True,
            env={**os.environ, **self.client_env(runtime)},
        )

    def psql(self, sql: str, **variables: object) -> str:
        """Run SQL as the owner; returns psql's unaligned output."""
        result = self.run_psql(sql, **variables)
        result.check_returncode()
        return result.stdout.strip()

    def check_runtime_role(self) -> None:
        """The servers' role reads and writes rows, and may change nothing else."""
        read = self.run_psql("SELECT count(*) FROM customers", runtime=True)
        check(read.returncode == 0, f"the runtime role reads the customers {read.stderr}".strip())
        for statement in (
            "DROP TABLE customers",
            "CREATE TABLE intruder (id integer)",
            "CREATE ROLE intruder",
        ):
            refused = self.run_psql(statement, runtime=True)
            check(
                refused.returncode != 0 and "ERROR:" in refused.stderr,
                f"the runtime role may not {statement.split(' (')[0]}",
            )


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
    runtime_password = secrets.token_urlsafe(24)
    runtime_pwfile = home / "runtime-password"
    runtime_pwfile.write_text(runtime_password + "\n")
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
    # The settings every deployment runs PostgreSQL with (docker-compose.prod.yml's command).
    settings = [arg for item in POSTGRES_SETTINGS.items() for arg in ("-c", "=".join(item))]
    processes.spawn(
        "postgres",
        [
            *as_postgres,
            bindir / "postgres",
            "-D",
            data,
            "-h",
            "127.0.0.1",
            "-p",
            port,
            "-k",
            home,
            *settings,
        ],
        port,
    )
    server = Postgres(bindir, port, password, runtime_password)
    subprocess.run(
        [bindir / "createdb", server.database],
        check=True,
        env={**os.environ, **server.client_env(), "PGDATABASE": "postgres"},
    )
    # As the database image does on an empty data directory.
    subprocess.run(
        [bindir / "psql", "-X", "-q", "-f", ROOT / "database" / "runtime-role.sql"],
        check=True,
        capture_output=True,
        env={
            **os.environ,
            **server.client_env(),
            "POSTGRES_RUNTIME_USER": server.runtime_user,
            "POSTGRES_RUNTIME_PASSWORD_FILE": str(runtime_pwfile),
        },
    )
    done(f"roles: {server.user} owns the database, the servers connect as {server.runtime_user}")
    return server
