"""Least privilege in the database, on a real PostgreSQL.

The servers connect as a runtime role that reads and writes rows and nothing
more; the release step (manage.py migrate) connects as the database's owner
and grants the runtime role its row access. The owner is the database image's
POSTGRES_USER (a superuser: compose, Swarm, the rehearsal) or a plain role
that owns the database (CloudNativePG's initdb owner, a managed database's).
"""

import itertools
import re
import subprocess
from pathlib import Path

import pytest

from support import compose
from support.backups import libpq_env, psql
from support.postgres import RUNTIME_PASSWORD, RUNTIME_USER

_numbers = itertools.count(1)
PLAIN_OWNER = "app_owner"
PLAIN_OWNER_PASSWORD = "owner-test-password"


def runtime_role_script(project) -> Path:
    return project.path / "database" / "runtime-role.sql"


def release(project, owner_url: str, tmp: Path, runtime_role: str = RUNTIME_USER):
    """The release step: manage.py migrate as the owner, production settings."""
    env = project.production_env(tmp / f"release-{next(_numbers)}", owner_url)
    return project.run(
        "python",
        "manage.py",
        "migrate",
        "--no-input",
        env={**env, "DATABASE_RUNTIME_ROLE": runtime_role},
    )


@pytest.fixture(params=["image-owner", "plain-owner"])
def released(request, render, postgres, tmp_path):
    """A database migrated by the release step; (project, owner URL, runtime URL)."""
    project = render("defaults")
    postgres.create_runtime_role(runtime_role_script(project))
    admin = postgres.url("postgres")
    if request.param == "image-owner":
        owner_url = postgres.create_database("roles")
    else:
        name = f"roles_plain_{next(_numbers)}"
        psql(
            postgres,
            admin,
            f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PLAIN_OWNER}') THEN
                    CREATE ROLE {PLAIN_OWNER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
                        PASSWORD '{PLAIN_OWNER_PASSWORD}';
                END IF;
            END $$""",
        )
        psql(postgres, admin, f'CREATE DATABASE "{name}" OWNER {PLAIN_OWNER}')
        owner_url = (
            f"postgres://{PLAIN_OWNER}:{PLAIN_OWNER_PASSWORD}@127.0.0.1:{postgres.port}/{name}"
        )
    result = release(project, owner_url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return project, owner_url, postgres.runtime_url(owner_url)


def attempt(postgres, url: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [postgres.bindir / "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        env=libpq_env(postgres, url),
        capture_output=True,
        text=True,
        check=False,
    )


CUSTOMER_ROUND_TRIP = """
INSERT INTO customers (first_name, last_name, email, phone, company, is_active,
                       created_at, updated_at)
VALUES ('Ada', 'Lovelace', 'ada@example.com', '', '', true, now(), now());
UPDATE customers SET company = 'Analytical Engines' WHERE email = 'ada@example.com';
SELECT company FROM customers WHERE email = 'ada@example.com';
DELETE FROM customers WHERE email = 'ada@example.com';
SELECT count(*) FROM customers WHERE email = 'ada@example.com';
"""

# What the runtime role must never do, and PostgreSQL's words for the refusal.
DENIED = {
    "DROP TABLE customers": "must be owner of table customers",
    "ALTER TABLE customers ADD COLUMN intruder integer": "must be owner of table customers",
    "TRUNCATE customers": "permission denied for table customers",
    "CREATE TABLE public.intruder (id integer)": "permission denied for schema public",
    "CREATE SCHEMA intruder": "permission denied for database",
    "CREATE ROLE intruder": "permission denied to create role",
    "CREATE DATABASE intruder": "permission denied to create database",
    "DROP ROLE app_runtime": "permission denied to drop role",
}


def test_the_runtime_role_reads_and_writes_rows_and_nothing_more(released, postgres):
    _, _, runtime_url = released
    result = attempt(postgres, runtime_url, CUSTOMER_ROUND_TRIP)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Analytical", "Engines", "0"]
    for statement, refusal in DENIED.items():
        result = attempt(postgres, runtime_url, statement)
        assert result.returncode != 0, statement
        assert refusal in result.stderr, (statement, result.stderr)
    # The table is still there, unchanged.
    columns = attempt(
        postgres,
        runtime_url,
        "SELECT count(*) FROM information_schema.columns WHERE column_name = 'intruder'",
    )
    assert columns.stdout.strip() == "0"


def test_the_runtime_role_owns_nothing_and_may_use_every_table(released, postgres):
    _, owner_url, _ = released
    attributes = psql(
        postgres,
        owner_url,
        "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        f"FROM pg_roles WHERE rolname = '{RUNTIME_USER}'",
    )
    assert attributes == "t|f|f|f|f|f"
    owned = psql(
        postgres,
        owner_url,
        f"SELECT (SELECT count(*) FROM pg_class WHERE relowner = '{RUNTIME_USER}'::regrole)"
        f" + (SELECT count(*) FROM pg_namespace WHERE nspowner = '{RUNTIME_USER}'::regrole)"
        f" + (SELECT count(*) FROM pg_database WHERE datdba = '{RUNTIME_USER}'::regrole)",
    )
    assert owned == "0"
    memberships = psql(
        postgres,
        owner_url,
        f"SELECT count(*) FROM pg_auth_members WHERE member = '{RUNTIME_USER}'::regrole",
    )
    assert memberships == "0"
    # Every table the migrations made (the libraries' too: the audit trail,
    # lock-outs, API tokens, sessions) and every sequence.
    tables = psql(
        postgres,
        owner_url,
        "SELECT c.relname, c.relkind, CASE WHEN c.relkind = 'S' "
        f"THEN has_sequence_privilege('{RUNTIME_USER}', c.oid, 'USAGE, SELECT') "
        f"ELSE has_table_privilege('{RUNTIME_USER}', c.oid, 'SELECT, INSERT, UPDATE, DELETE') END "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S') ORDER BY 1",
    ).splitlines()
    names = {line.split("|")[0] for line in tables}
    assert {"customers", "auditlog_logentry", "axes_accessattempt", "knox_authtoken"} <= names
    assert {"django_session", "django_migrations", "auth_user"} <= names
    assert any(line.split("|")[1] == "S" for line in tables)
    assert [line for line in tables if not line.endswith("|t")] == []


def test_a_table_the_owner_creates_later_is_the_runtime_roles_to_use(released, postgres):
    """The owner's default privileges: no grant needed after a new migration."""
    _, owner_url, runtime_url = released
    psql(
        postgres,
        owner_url,
        "CREATE TABLE later_table (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)",
    )
    result = attempt(
        postgres,
        runtime_url,
        "INSERT INTO later_table (note) VALUES ('x'); SELECT count(*) FROM later_table",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert "must be owner" in attempt(postgres, runtime_url, "DROP TABLE later_table").stderr


def test_the_release_step_refuses_a_runtime_role_that_could_do_more(render, postgres, tmp_path):
    project = render("defaults")
    owner_url = postgres.create_database("roles_refused")
    # The owner itself (here a superuser), and a role that does not exist.
    for role, refusal in (
        (postgres.user, "is a superuser, may create roles"),
        ("nobody_here", "does not exist: create it first"),
    ):
        result = release(project, owner_url, tmp_path, runtime_role=role)
        assert result.returncode != 0
        assert f"DATABASE_RUNTIME_ROLE '{role}' {refusal}" in result.stderr
    result = release(project, owner_url, tmp_path, runtime_role="Robert'); DROP TABLE x;--")
    assert result.returncode != 0 and "must be a PostgreSQL role name" in result.stderr


def test_the_runtime_role_script_refuses_what_it_cannot_make_safe(render, postgres, tmp_path):
    script = runtime_role_script(render("defaults"))
    short = tmp_path / "short"
    short.write_text("too-short\n")
    for environment, refusal in (
        ({}, "POSTGRES_RUNTIME_USER is not set"),
        ({"POSTGRES_RUNTIME_USER": "app_runtime"}, "POSTGRES_RUNTIME_PASSWORD_FILE is not set"),
        (
            {"POSTGRES_RUNTIME_USER": 'x"; DROP', "POSTGRES_RUNTIME_PASSWORD_FILE": str(short)},
            "lower-case letters, digits, underscores",
        ),
        (
            {"POSTGRES_RUNTIME_USER": postgres.user, "POSTGRES_RUNTIME_PASSWORD_FILE": str(short)},
            "names the role running this script",
        ),
        (
            {"POSTGRES_RUNTIME_USER": "app_runtime", "POSTGRES_RUNTIME_PASSWORD_FILE": str(short)},
            "shorter than 16 characters",
        ),
    ):
        result = subprocess.run(
            [postgres.bindir / "psql", "-X", "-f", script],
            env={**libpq_env(postgres, postgres.url("postgres")), **environment},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0 and refusal in result.stderr, (environment, result.stderr)


@pytest.mark.parametrize("name", ["defaults", "renamed"])
def test_the_stack_gives_each_role_to_its_own_services(render, postgres, name, tmp_path):
    """Compose and Swarm: the servers have the runtime role's password only, the
    release step the owner's; the database makes the runtime role on first start."""
    project = render(name)
    env = {**compose.env_file(project.path / ".env.example"), "IMAGE_TAG": "1.0.0"}
    services = compose.load(project.path / "docker-compose.prod.yml", env)["services"]
    owner, runtime = env["POSTGRES_USER"], env["POSTGRES_RUNTIME_USER"]
    assert owner != runtime and len(f"{project.answers['project_slug']}_db_runtime_password") <= 64

    def user(url: str) -> str:
        return re.fullmatch(r"postgres://([a-z0-9_]+)@database:5432/\w+", url).group(1)

    backend = services["backend"]["environment"]
    assert user(backend["DATABASE_URL"]) == runtime
    assert backend["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_runtime_password"
    assert "DATABASE_RUNTIME_ROLE" not in backend
    assert "db_password" not in services["backend"]["secrets"]
    migrate = services["migrate"]["environment"]
    assert user(migrate["DATABASE_URL"]) == owner
    assert migrate["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert migrate["DATABASE_RUNTIME_ROLE"] == runtime
    assert "db_runtime_password" not in services["migrate"]["secrets"]

    # The database image runs the mounted script on an empty data directory,
    # as its entrypoint does: psql as POSTGRES_USER, with the service's environment.
    database = services["database"]
    [mount] = [
        v
        for v in database["volumes"]
        if v.endswith("/docker-entrypoint-initdb.d/runtime-role.sql:ro")
    ]
    script = project.path / mount.split(":")[0]
    assert script.resolve() == runtime_role_script(project).resolve()
    secrets = tmp_path / "run-secrets"
    secrets.mkdir()
    password = "a-runtime-password-of-some-length"
    (secrets / "db_runtime_password").write_text(password + "\n")
    environment = {
        key: str(value).replace("/run/secrets/", f"{secrets}/")
        for key, value in database["environment"].items()
    }
    assert environment["POSTGRES_RUNTIME_USER"] == runtime
    assert "db_runtime_password" in database["secrets"]
    result = subprocess.run(
        [postgres.bindir / "psql", "-v", "ON_ERROR_STOP=1", "--no-psqlrc", "-f", script],
        env={**libpq_env(postgres, postgres.url("postgres")), **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    logged_in = attempt(
        postgres,
        f"postgres://{runtime}:{password}@127.0.0.1:{postgres.port}/postgres",
        "SELECT current_user",
    )
    assert logged_in.stdout.strip() == runtime, logged_in.stderr
    psql(postgres, postgres.url("postgres"), f"DROP OWNED BY {runtime}; DROP ROLE {runtime}")
    assert RUNTIME_PASSWORD not in (project.path / "docker-compose.prod.yml").read_text()
