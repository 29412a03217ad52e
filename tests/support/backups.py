"""Helpers for the backup tests: data, fingerprints, script environments, and a
stand-in for the docker CLI.

No Docker engine runs here, so the compose and swarm modes of the backup
scripts run against ``docker`` from this module: it reads the same command
lines docker would (``docker compose -f F --env-file E exec -T database ...``,
``docker ps --filter label=...``, ``docker exec -i ID ...``), runs the command
the container would run on this machine with that container's environment
(the database "container" reaches the test server and has its password only
in a secret file), and records every command line it was given.
"""

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from .postgres import RUNTIME_PASSWORD, RUNTIME_USER, PostgresServer
from .projects import Project

BACKUP_NAME = re.compile(r"\b\d{4}-\d\d-\d\dT\d{6}Z\b")

# Columns of the customers table, as migration 0001 creates them.
LOAD_CUSTOMERS = """
INSERT INTO customers (first_name, last_name, email, phone, company, is_active,
                       created_at, updated_at)
SELECT 'First' || n, 'Last' || (n % 977), 'customer' || n || '@example.com',
       '+1 555 ' || lpad((n % 10000)::text, 4, '0'), 'Company ' || (n % 313), n % 7 <> 0,
       timestamptz '2026-01-01' + n * interval '1 minute',
       timestamptz '2026-01-01' + n * interval '1 minute'
FROM generate_series({start}, {stop}) AS n;
"""

CUSTOMERS_CHECKSUM = (
    "SELECT count(*) || ':' || md5(string_agg(c::text, E'\\n' ORDER BY c.id)) FROM customers c"
)


def libpq_env(server: PostgresServer, url: str) -> dict[str, str]:
    """The libpq variables for a database URL from PostgresServer: its
    password, or the server's (the superuser's)."""
    parts = urlsplit(url)
    return {
        "PGHOST": parts.hostname or "",
        "PGPORT": str(parts.port),
        "PGUSER": parts.username or "",
        "PGPASSWORD": parts.password or server.password,
        "PGDATABASE": parts.path.lstrip("/"),
    }


def psql(server: PostgresServer, url: str, sql: str) -> str:
    result = subprocess.run(
        [server.bindir / "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
        input=sql,
        env={**os.environ, **libpq_env(server, url)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def migrate(project: Project, url: str, tmp: Path, backend: Path | None = None) -> None:
    """The render's migrations applied to the database at URL (production
    settings), as the release step applies them: granting the runtime role
    (support.postgres.RUNTIME_USER, which must exist) its row access."""
    env = {
        **project.production_env(tmp / "migrate-secrets", url),
        "DATABASE_RUNTIME_ROLE": RUNTIME_USER,
    }
    result = subprocess.run(
        [project.venv() / "bin" / "python", "manage.py", "migrate", "--no-input"],
        cwd=backend or project.backend,
        env=project.env(**env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def load_customers(server: PostgresServer, url: str, count: int, start: int = 1) -> None:
    psql(server, url, LOAD_CUSTOMERS.format(start=start, stop=start + count - 1))


def customers_checksum(server: PostgresServer, url: str) -> str:
    return psql(server, url, CUSTOMERS_CHECKSUM)


def database_fingerprint(server: PostgresServer, url: str) -> str:
    """Schema and data, exactly, as pg_dump writes them (without its per-run key)."""
    result = subprocess.run(
        [server.bindir / "pg_dump", "--no-owner"],
        env={**os.environ, **libpq_env(server, url)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return "\n".join(
        line
        for line in result.stdout.splitlines()
        if not line.startswith(("\\restrict", "\\unrestrict"))
    )


def settle_through_a_restore(server: PostgresServer, url: str) -> None:
    """Restore the database from its own dump, once. PostgreSQL prints some
    expressions back in a form that parses into a different tree of the same
    meaning (django-allauth's partial index on ``type IN ('totp',
    'recovery_codes')`` comes back with a cast per element, not one on the
    array), so a database restored from a dump is not pg_dump's text of the
    original; after one round trip that text is stable, and a later restore
    can be compared with it exactly."""
    env = {**os.environ, **libpq_env(server, url)}
    dump = subprocess.run(
        [server.bindir / "pg_dump", "--format=custom", "--no-owner"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert dump.returncode == 0, dump.stderr
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
    restore = subprocess.run(
        [server.bindir / "pg_restore", *options, "--dbname", env["PGDATABASE"]],
        input=dump.stdout,
        env=env,
        capture_output=True,
        check=False,
    )
    assert restore.returncode == 0, restore.stderr


def make_media(root: Path, files: int = 5, size: int = 4096) -> None:
    """Uploads, some in subdirectories, with contents that do not compress away."""
    for number in range(files):
        path = root / f"customers/{number % 3}/document-{number}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(random.Random(number).randbytes(size))


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root, by relative path, with its SHA-256."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def backups(root: Path) -> list[str]:
    """The backup directories under root (named by a real date), oldest first."""
    if not root.exists():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir()
        and not p.is_symlink()
        and BACKUP_NAME.fullmatch(p.name)
        and _real_date(p.name)
    )


def _real_date(name: str) -> bool:
    try:
        datetime.strptime(name, "%Y-%m-%dT%H%M%SZ")
    except ValueError:
        return False
    return True


def direct_env(
    project: Project, server: PostgresServer, url: str, backup_root: Path, media: Path
) -> dict[str, str]:
    """What a host running the scripts in direct mode provides."""
    media.mkdir(parents=True, exist_ok=True)
    return project.env(
        BACKUP_MODE="direct",
        BACKUP_ROOT=str(backup_root),
        DJANGO_MEDIA_ROOT=str(media),
        PATH=f"{server.bindir}:{os.environ['PATH']}",
        **libpq_env(server, url),
    )


def run_script(
    script: Path, *arguments: str, env: dict[str, str], stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [script, *arguments],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def shell_commands(markdown: str) -> list[str]:
    """The lines of a document's ```sh blocks that run a project script or docker."""
    commands = []
    for block in re.findall(r"^ *```sh\n(.*?)^ *```", markdown, re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith(("scripts/", "docker ")):
                commands.append(line)
    return commands


# ---------------------------------------------------------------------------
# The docker stand-in
# ---------------------------------------------------------------------------

DOCKER = r'''"""docker, as far as the backup scripts use it (see tests/support/backups.py)."""
import json
import os
import subprocess
import sys

config = json.loads(open(os.environ["DOCKER_STANDIN_CONFIG"]).read())
argv = sys.argv[1:]
with open(config["log"], "a") as log:
    log.write(json.dumps(argv) + "\n")


def fail(message):
    sys.stderr.write("docker stand-in: " + message + "\n")
    sys.exit(125)


def run(service, command, passed=()):
    """Run COMMAND as SERVICE; PASSED: variables handed over by name (-e NAME)."""
    spec = config["services"][service]
    for old, new in spec.get("paths", {}).items():
        command = [argument.replace(old, new) for argument in command]
    env = {**spec["env"], **{name: os.environ[name] for name in passed}}
    sys.exit(subprocess.run(command, env=env, cwd=spec.get("cwd", "/")).returncode)


def options(args, flags, valued):
    """Split leading options from args: (found, rest)."""
    found = {}
    while args and args[0].startswith("-"):
        if args[0] in flags:
            found[args[0]] = True
            args = args[1:]
        elif args[0] == "-e":  # may be given more than once: a list of names
            found.setdefault("-e", []).append(args[1])
            args = args[2:]
        elif args[0] in valued:
            found[args[0]] = args[1]
            args = args[2:]
        else:
            fail("unexpected option " + args[0])
    return found, args


if argv[:1] == ["compose"]:
    found, rest = options(argv[1:], set(), {"-f", "--file", "--env-file"})
    if "-f" in found:
        found["--file"] = found.pop("-f")
    for name in ("--file", "--env-file"):
        if not os.path.isfile(found.get(name, "")):
            fail(name + " " + found.get(name, "(not given)") + ": no such file")
    verb, rest = rest[0], rest[1:]
    if verb == "exec":
        found, rest = options(rest, {"-T"}, set())
        if "-T" not in found:
            fail("exec without -T allocates a terminal: binary output would be mangled")
        run(rest[0], rest[1:])
    if verb == "run":
        found, rest = options(rest, {"--rm", "--no-deps", "-T"}, {"--entrypoint", "-e"})
        if "-T" not in found or "--rm" not in found:
            fail("run without -T or --rm")
        service, command = rest[0], rest[1:]
        if "--entrypoint" in found:
            command = [found["--entrypoint"], *command]
        run(service, command or config["services"][service]["command"], found.get("-e", []))
    if verb in ("up", "stop", "start", "pull", "ps", "build"):
        sys.exit(0)
    fail("unexpected compose command " + verb)
if argv[:1] == ["ps"]:
    found, rest = options(argv[1:], {"--quiet", "-q"}, {"--filter", "-f"})
    # A swarm task is found by its service's label or by its name.
    service = ""
    for prefix in ("label=com.docker.swarm.service.name=", "name="):
        wanted = prefix + config["stack"] + "_"
        for value in argv:  # every filter given, not only the last
            if value.startswith(wanted):
                service = value[len(wanted):]
    if service in config["services"]:
        print("task-" + service)
    sys.exit(0)
if argv[:1] == ["exec"]:
    found, rest = options(argv[1:], {"-i"}, {"-e"})
    run(rest[0].removeprefix("task-"), rest[1:], found.get("-e", []))
if argv[:2] == ["service", "scale"]:
    # A one-off service's task runs to its end here, before scale returns;
    # its state and output are kept for service ps and service logs.
    found, rest = options(argv[2:], {"--detach", "--detach=false", "-d"}, set())
    name, replicas = rest[0].split("=")
    service = name.removeprefix(config["stack"] + "_")
    if replicas == "1" and "command" in config["services"].get(service, {}):
        spec = config["services"][service]
        tasks = json.loads(open(config["tasks"]).read())
        task = "task%d" % (len(tasks) + 1)
        with open(os.path.join(os.path.dirname(config["tasks"]), task + ".log"), "w") as output:
            status = subprocess.run(
                spec["command"], env=spec["env"], cwd=spec["cwd"], stdout=output, stderr=output
            ).returncode
        tasks[task] = "Complete 1 second ago" if status == 0 else "Failed 1 second ago"
        open(config["tasks"], "w").write(json.dumps(tasks))
    sys.exit(0)
if argv[:2] == ["service", "ps"]:
    found, rest = options(argv[2:], {"--no-trunc"}, {"--format"})
    if found.get("--format") != "{{.ID}}\t{{.CurrentState}}":
        fail("service ps without the format the scripts read")
    for task, state in json.loads(open(config["tasks"]).read()).items():
        print(task + "\t" + state)
    sys.exit(0)
if argv[:2] == ["service", "logs"]:
    found, rest = options(argv[2:], {"--raw", "--no-task-ids"}, set())
    sys.stdout.write(open(os.path.join(os.path.dirname(config["tasks"]), rest[0] + ".log")).read())
    sys.exit(0)
if argv[:1] in (["build"], ["push"], ["stack"], ["service"], ["secret"]):
    sys.exit(0)
fail("unexpected command " + " ".join(argv))
'''


def docker_standin(
    directory: Path,
    project: Project,
    server: PostgresServer,
    url: str,
    media: Path,
    backend: Path,
) -> dict[str, str]:
    """Install the stand-in under directory; the environment variables that use it."""
    directory.mkdir(parents=True, exist_ok=True)
    bin_dir = directory / "bin"
    bin_dir.mkdir(exist_ok=True)
    docker = bin_dir / "docker"
    docker.write_text(f"#!{sys.executable}\n{DOCKER}")
    docker.chmod(0o755)
    password_file = directory / "db_password"
    password_file.write_text(server.password + "\n")
    runtime_password_file = directory / "db_runtime_password"
    runtime_password_file.write_text(RUNTIME_PASSWORD + "\n")
    database = libpq_env(server, url)
    system_path = "/usr/local/bin:/usr/bin:/bin"
    # The servers connect as the runtime role, the release step as the owner.
    server.create_runtime_role(project.path / "database" / "runtime-role.sql")
    backend_env = project.env(
        **project.production_env(
            directory / "backend-secrets",
            server.runtime_url(url).replace(f":{RUNTIME_PASSWORD}@", "@"),
        ),
        DATABASE_PASSWORD_FILE=str(runtime_password_file),
        PATH=f"{project.venv() / 'bin'}:{system_path}",
    )
    migrate_env = {
        **backend_env,
        "DATABASE_URL": url.replace(f":{server.password}@", "@"),
        "DATABASE_PASSWORD_FILE": str(password_file),
        "DATABASE_RUNTIME_ROLE": RUNTIME_USER,
    }
    tasks = directory / "swarm-tasks.json"
    tasks.write_text("{}")
    config = {
        "log": str(directory / "docker-calls.jsonl"),
        "tasks": str(tasks),
        "stack": project.answers["project_slug"],
        "services": {
            # The official image: its user, database and password secrets, and
            # its client programs.
            "database": {
                "env": {
                    "POSTGRES_USER": database["PGUSER"],
                    "POSTGRES_DB": database["PGDATABASE"],
                    "POSTGRES_PASSWORD_FILE": str(password_file),
                    "POSTGRES_RUNTIME_USER": RUNTIME_USER,
                    "POSTGRES_RUNTIME_PASSWORD_FILE": str(runtime_password_file),
                    "PGHOST": database["PGHOST"],
                    "PGPORT": database["PGPORT"],
                    "PATH": f"{server.bindir}:{system_path}",
                },
            },
            "backend": {
                "env": backend_env,
                "cwd": str(backend),
                "paths": {"/app/media": str(media)},
            },
            "migrate": {
                "env": migrate_env,
                "cwd": str(backend),
                "command": ["python", "manage.py", "migrate", "--no-input"],
            },
        },
    }
    config_file = directory / "docker-standin.json"
    config_file.write_text(json.dumps(config))
    return {"DOCKER_STANDIN_CONFIG": str(config_file), "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def docker_calls(directory: Path) -> list[list[str]]:
    log = directory / "docker-calls.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]
