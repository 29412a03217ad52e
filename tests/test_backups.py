"""Backups, restores and production migrations, proven on a real PostgreSQL.

The scripts run as an operator runs them: the direct mode against the test
server, and the compose and swarm modes through a stand-in for the docker CLI
(no Docker engine here; see support/backups.py) that runs the containers'
commands against the same server. The recovery document and the deployment
checklist are replayed command by command.
"""

import importlib.util
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.backups import (
    BACKUP_NAME,
    backups,
    customers_checksum,
    database_fingerprint,
    direct_env,
    docker_calls,
    docker_standin,
    load_customers,
    make_media,
    migrate,
    psql,
    run_script,
    settle_through_a_restore,
    shell_commands,
    tree_digest,
)
from support.postgres import RUNTIME_PASSWORD, RUNTIME_USER

TEMPLATE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCRIPTS = ("backup-prod.sh", "restore.sh", "verify-backup.sh", "migrate_production.py")
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def migrated(render, postgres, tmp_path_factory) -> str:
    """A database with the render's migrations applied, to copy for each test."""
    url = postgres.create_database("backups_migrated")
    postgres.create_runtime_role(render("defaults").path / "database" / "runtime-role.sql")
    migrate(render("defaults"), url, tmp_path_factory.mktemp("migrated"))
    return url


@pytest.fixture
def database(postgres, migrated) -> str:
    """A fresh copy of the migrated database; its URL."""
    name = f"backups_{next(_numbers)}"
    template = migrated.rsplit("/", 1)[1]
    psql(postgres, postgres.url("postgres"), f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return postgres.url(name)


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def new_migration(backend: Path, name: str, body: str) -> None:
    (backend / "customers" / "migrations" / f"{name}.py").write_text(
        f"from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n{body}"
    )


# The customers app's newest migration in the template, and the name of a
# project's own next one, which the tests add on top of it.
LATEST = max(
    path.stem for path in (TEMPLATE / "template/backend/customers/migrations").glob("[0-9]*.py")
)
LOYALTY = f"{int(LATEST[:4]) + 1:04d}_loyalty"

GOOD_MIGRATION = f"""\
    dependencies = [("customers", "{LATEST}")]
    operations = [
        migrations.RunSQL(
            "ALTER TABLE customers ADD COLUMN loyalty_points integer NOT NULL DEFAULT 0",
            "ALTER TABLE customers DROP COLUMN loyalty_points",
        ),
    ]
"""

# Not atomic: each statement commits on its own, so the failure leaves a
# changed schema and changed data behind, as a real half-applied migration does.
FAILING_MIGRATION = f"""\
    atomic = False
    dependencies = [("customers", "{LATEST}")]
    operations = [
        migrations.RunSQL("ALTER TABLE customers ADD COLUMN loyalty_points integer DEFAULT 0"),
        migrations.RunSQL("CREATE TABLE customers_leftover (id integer)"),
        migrations.RunSQL("UPDATE customers SET first_name = upper(first_name)"),
        migrations.RunSQL("SELECT 1 / 0"),
    ]
"""


# ---------------------------------------------------------------------------
# What is rendered
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["defaults", "renamed"])
def test_the_backup_files_are_rendered_with_backups(render, name):
    project = render(name)
    slug = project.answers["project_slug"]
    scripts = project.path / "scripts"
    for script in SCRIPTS:
        assert os.access(scripts / script, os.X_OK), script
    for sourced in ("lib.sh", "defaults.sh"):
        assert not os.access(scripts / sourced, os.X_OK), sourced
    defaults = (scripts / "defaults.sh").read_text()
    assert ': "${BACKUP_RETENTION_DAYS:=30}"' in defaults
    assert f': "${{BACKUP_ROOT:=/var/backups/{slug}}}"' in defaults
    mode = project.answers["deploy_target"]
    assert f': "${{BACKUP_MODE:={mode}}}"' in defaults
    assert ("BACKUP_STACK" in defaults) == (mode == "swarm")
    assert (project.path / "docs" / "DISASTER_RECOVERY.md").is_file()
    assert (
        "scripts/migrate_production.py"
        in (project.path / "docs" / "DEPLOYMENT_CHECKLIST.md").read_text()
    )

    units = project.path / "deploy" / "systemd"
    timer = (units / f"{slug}-backup.timer").read_text()
    service = (units / f"{slug}-backup.service").read_text()
    assert "Persistent=true" in timer
    assert re.search(r"^OnCalendar=\*-\*-\* 02:30:00 UTC$", timer, re.MULTILINE)
    assert re.findall(r"^ExecStart=(.*)$", service, re.MULTILINE) == [
        f"/opt/{slug}/scripts/backup-prod.sh",
        f"/opt/{slug}/scripts/verify-backup.sh",
    ]
    assert "Type=oneshot" in service
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", "*-*-* 02:30:00 UTC"], capture_output=True, check=False
    )
    assert calendar.returncode == 0, calendar.stderr


@pytest.mark.parametrize("name", ["no-backups", "everything-off"])
def test_nothing_of_the_backups_is_rendered_without_them(render, name):
    project = render(name)
    assert "backup_retention_days" not in project.answers
    for script in (*SCRIPTS, "lib.sh", "defaults.sh"):
        assert not (project.path / "scripts" / script).exists(), script
    assert not (project.path / "deploy").exists()
    assert not (project.path / "docs" / "DISASTER_RECOVERY.md").exists()
    checklist = (project.path / "docs" / "DEPLOYMENT_CHECKLIST.md").read_text()
    # The load benchmark is in every render; no backup script is named.
    named = set(re.findall(r"scripts/([\w.-]+)", checklist))
    assert named == {"benchmark.py"}
    assert "run --rm -T migrate" in checklist


@pytest.mark.parametrize("name", ["defaults", "renamed"])
def test_the_scripts_pass_shellcheck_and_ruff(render, name):
    project = render(name)
    scripts = project.path / "scripts"
    shell = sorted(scripts.glob("*.sh"))
    assert {p.name for p in shell} >= {"backup-prod.sh", "restore.sh", "verify-backup.sh"}
    result = subprocess.run(
        ["shellcheck", "--external-sources", *shell], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")

    script = scripts / "migrate_production.py"
    # The render's own configuration for scripts/, as `ruff check .` there finds it.
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [BIN / "ruff", *command, "--no-cache", script.relative_to(project.path)],
            cwd=project.path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    # The backend's rules as well, but for S603/S607 (a subprocess with
    # arguments the script builds), which are this script's purpose.
    result = subprocess.run(
        [
            BIN / "ruff",
            "check",
            "--no-cache",
            "--config",
            "backend/pyproject.toml",
            "--ignore",
            "S603,S607",
            "scripts/migrate_production.py",
        ],
        cwd=project.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_retention_stops_the_render_and_a_right_one_is_used(tmp_path):
    copier = str(BIN / "copier")
    base = [copier, "copy", "--defaults", "--vcs-ref", "HEAD", "--quiet"]
    wrong = subprocess.run(
        [*base, "--data", "backup_retention_days=0", str(TEMPLATE), str(tmp_path / "wrong")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert wrong.returncode != 0
    assert (
        "Validation error for question 'backup_retention_days': must be from 1 to 3650"
        in wrong.stderr
    )
    assert not (tmp_path / "wrong").exists() or not any((tmp_path / "wrong").iterdir())
    right = subprocess.run(
        [*base, "--data", "backup_retention_days=7", str(TEMPLATE), str(tmp_path / "right")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert right.returncode == 0, right.stderr
    assert ': "${BACKUP_RETENTION_DAYS:=7}"' in (tmp_path / "right/scripts/defaults.sh").read_text()
    assert (
        "| `BACKUP_RETENTION_DAYS` | `7` |"
        in (tmp_path / "right/docs/DISASTER_RECOVERY.md").read_text()
    )


# Every form a secret takes in an env file, each with a marker of its own.
SEEDED_SECRETS = {
    "DATABASE_URL=postgres://app:{m}@database:5432/app": "app:withheld@database",
    'export REDIS_URL="redis://:{m}@redis:6379/0"': "redis://:withheld@redis",
    "BROKER_URLS=amqp://u1:{m}@h1/v,amqp://u2:{m}@h2/v": "u1:withheld@h1/v,amqp://u2:withheld@h2",
    "GIT_REMOTE=https://{m}@git.example.com/repo.git": "https://withheld@git.example.com",
    "SENTRY_DSN=https://{m}@o1.ingest.example.com/1": None,
    "ALERT_WEBHOOK_URL=https://hooks.example.com/services/{m}": None,
    "OFFSITE_URL=https://s3.example.com/b/o?X-Amz-Signature={m}": None,
    "STATUS_PAGE=https://status.example.com/#{m}": None,
    "  db_password = {m}": None,
    "DJANGO_SECRET_KEY='{m}'": None,
    "API_KEY={m}": None,
    "GITHUB_TOKEN={m}": None,
    "smtp_passwd={m}": None,
    "AWS_SECRET_ACCESS_KEY={m}": None,
    "SIGNING_SALT={m}": None,
    "OAUTH_CLIENT_CREDENTIALS={m}": None,
    "TLS_PRIVATE_KEY_PEM={m}": None,
}


def test_the_configuration_copy_holds_no_secret(render, postgres, database, tmp_path):
    project = render("defaults")
    home = tmp_path / "project"
    shutil.copytree(project.path, home, symlinks=True)
    markers = [f"marker{n:02d}Qz" for n in range(len(SEEDED_SECRETS))]
    lines = [line.format(m=m) for line, m in zip(SEEDED_SECRETS, markers, strict=True)]
    plain = ["IMAGE_TAG=1.4.2", "DJANGO_SECRET_KEY_FILE=/run/secrets/django_secret_key"]
    plain.append("PUBLIC_URL=https://customers.example.com/path")
    (home / ".env.production").write_text("\n".join([*lines, *plain]) + "\n")
    root = tmp_path / "backups"
    env = direct_env(project, postgres, database, root, tmp_path / "media")
    made = run_script(home / "scripts/backup-prod.sh", env=env)
    assert made.returncode == 0, made.stderr
    (name,) = backups(root)

    found = [
        f"{path.relative_to(root)}: {marker}"
        for path in (root / name).rglob("*")
        if path.is_file()
        for marker in markers
        if marker.encode() in path.read_bytes()
    ]
    assert found == []
    copy = (root / name / "config" / ".env.production").read_text()
    # What is not secret is kept: names, hosts and users, plain values.
    for line in plain:
        assert f"\n{line}\n" in copy
    for line, kept in SEEDED_SECRETS.items():
        assert line.split("=", 1)[0] + "=" in copy
        if kept:
            assert kept in copy, line


# ---------------------------------------------------------------------------
# Backup and restore, direct mode
# ---------------------------------------------------------------------------


def test_a_round_trip_restores_the_database_and_media_exactly(render, postgres, database, tmp_path):
    project = render("defaults")
    # A copy of the project, with what a deployment adds next to it: the env
    # file (here with a secret that should not be there) and secret files.
    home = tmp_path / "project"
    shutil.copytree(project.path, home, symlinks=True)
    (home / ".env.production").write_text(
        (home / ".env.example").read_text()
        + "IMAGE_TAG=1.4.2\nDJANGO_SECRET_KEY=leaked-secret-key-value\n"
    )
    (home / "secrets").mkdir()
    (home / "secrets" / "db_password").write_text(postgres.password)
    offsite_hook = tmp_path / "offsite-copy"
    offsite_hook.write_text(f'#!/bin/sh\nset -eu\ncp -R "$1" {tmp_path / "offsite"}/\n')
    offsite_hook.chmod(0o755)
    (tmp_path / "offsite").mkdir()

    load_customers(postgres, database, 100_000)
    media = tmp_path / "media"
    make_media(media, files=20)
    checksum, files = customers_checksum(postgres, database), tree_digest(media)
    assert checksum.startswith("100000:")
    root = tmp_path / "backups"
    env = direct_env(project, postgres, database, root, media)
    env["BACKUP_OFFSITE_HOOK"] = str(offsite_hook)

    made = run_script(home / "scripts/backup-prod.sh", env=env)
    assert made.returncode == 0, made.stderr
    (name,) = backups(root)
    assert made.stdout.strip().splitlines()[-1] == str(root / name)
    manifest = (root / name / "MANIFEST").read_text()
    assert "table\tpublic.customers\t100000\n" in manifest
    assert "media\t20\n" in manifest
    assert re.search(r"^file\tdatabase\.dump\t\d+\t[0-9a-f]{64}$", manifest, re.MULTILINE)
    assert manifest.endswith("\nend\n")
    assert tree_digest(tmp_path / "offsite" / name) == tree_digest(root / name)

    # Non-secret configuration only: secret values withheld, secret files named.
    config = root / name / "config"
    assert "DJANGO_SECRET_KEY=\n" in (config / ".env.production").read_text()
    assert "IMAGE_TAG=1.4.2" in (config / ".env.production").read_text()
    assert (config / "secret-names.txt").read_text() == "db_password\n"
    for path in (root / name).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in (postgres.password, "leaked-secret-key-value", "SCRAM-SHA-256"):
                assert secret.encode() not in content, (path, secret)

    verified = run_script(home / "scripts/verify-backup.sh", env=env)
    assert verified.returncode == 0, verified.stderr
    created = re.search(r"^created\t(\d+)\t", manifest, re.MULTILINE).group(1)
    size = sum(int(m) for m in re.findall(r"^file\t\S+\t(\d+)\t", manifest, re.MULTILINE))
    metrics = (root / "metrics" / "backup.prom").read_text()
    for gauge, value in (
        ("backup_last_verified_timestamp_seconds", created),
        ("backup_last_verified_size_bytes", str(size)),
    ):
        assert f"# HELP {gauge} " in metrics
        assert f"# TYPE {gauge} gauge\n" in metrics
        assert f"\n{gauge} {value}\n" in metrics
    assert [p.name for p in (root / "metrics").iterdir()] == ["backup.prom"]
    assert oct((root / "metrics" / "backup.prom").stat().st_mode & 0o777) == "0o644"
    leftovers = psql(
        postgres,
        database,
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'backup_verify%'",
    )
    assert leftovers == "0"

    # Lose everything, then restore.
    name_of_database = database_name(database)
    admin = postgres.url("postgres")
    psql(postgres, admin, f'DROP DATABASE "{name_of_database}" WITH (FORCE)')
    psql(postgres, admin, f'CREATE DATABASE "{name_of_database}"')
    shutil.rmtree(media)
    restored = run_script(home / "scripts/restore.sh", "--yes", env=env)
    assert restored.returncode == 0, restored.stderr
    assert f"Restored backup {name}" in restored.stdout
    assert "media files: 20 restored" in restored.stdout
    assert customers_checksum(postgres, database) == checksum
    assert tree_digest(media) == files


def test_a_restore_asks_first_and_a_wrong_answer_changes_nothing(
    render, postgres, database, tmp_path
):
    project = render("defaults")
    load_customers(postgres, database, 100)
    media = tmp_path / "media"
    make_media(media, files=2)
    root = tmp_path / "backups"
    env = direct_env(project, postgres, database, root, media)
    assert run_script(project.path / "scripts/backup-prod.sh", env=env).returncode == 0
    load_customers(postgres, database, 5, start=1000)
    before = customers_checksum(postgres, database)

    refused = run_script(project.path / "scripts/restore.sh", env=env, stdin="yes\n")
    assert refused.returncode != 0
    assert "not confirmed: nothing was changed" in refused.stderr
    assert customers_checksum(postgres, database) == before

    confirmed = run_script(
        project.path / "scripts/restore.sh", env=env, stdin=database_name(database) + "\n"
    )
    assert confirmed.returncode == 0, confirmed.stderr
    assert customers_checksum(postgres, database).startswith("100:")


@pytest.mark.parametrize("failure", ["wrong-password", "pg_dump-killed"])
def test_a_failed_dump_keeps_nothing_and_skips_the_retention(
    render, postgres, database, tmp_path, failure
):
    project = render("defaults")
    load_customers(postgres, database, 2000)
    root = tmp_path / "backups"
    # Two old backups: a retention run would delete the older one.
    for old in ("2001-01-01T000000Z", "2001-01-02T000000Z"):
        (root / old).mkdir(parents=True)
        (root / old / "MANIFEST").write_text("format\t1\nend\n")
    env = direct_env(project, postgres, database, root, tmp_path / "media")
    if failure == "wrong-password":
        env["PGPASSWORD"] = "not-the-password"
    else:
        # pg_dump dies half-way through its output.
        fake = tmp_path / "bin" / "pg_dump"
        fake.parent.mkdir()
        fake.write_text(
            f'#!/bin/sh\n"{postgres.bindir / "pg_dump"}" "$@" | head -c 4096\nkill -KILL $$\n'
        )
        fake.chmod(0o755)
        env["PATH"] = f"{fake.parent}:{env['PATH']}"

    result = run_script(project.path / "scripts/backup-prod.sh", env=env)
    assert result.returncode != 0
    assert "backup failed: nothing was kept, the retention did not run" in result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in root.iterdir()) == [
        ".gitignore",
        ".lock",
        "2001-01-01T000000Z",
        "2001-01-02T000000Z",
    ]


def test_the_retention_deletes_only_old_dated_directories(render, postgres, database, tmp_path):
    project = render("defaults")
    root = tmp_path / "backups"
    now = int(time.time())

    def dated(seconds_ago: int) -> str:
        return time.strftime("%Y-%m-%dT%H%M%SZ", time.gmtime(now - seconds_ago))

    day = 86400
    old = [dated(400 * day), dated(40 * day), dated(31 * day)]
    recent = [dated(29 * day), dated(2 * day), dated(3600)]
    future = [dated(-10 * day)]
    malformed = [
        "2026-13-45T000000Z",  # no such month
        "2021-02-30T000000Z",  # no such day: date(1) would roll it over
        "2020-01-01",
        "2020-01-01T000000Z.old",
        "not-a-backup",
        ".partial-2020-01-01T000000Z",
        "metrics",
    ]
    for name in old + recent + future + malformed:
        (root / name).mkdir(parents=True)
        (root / name / "MANIFEST").write_text("format\t1\nend\n")
    # Neither a file nor a link named like an old backup is a backup directory.
    (root / dated(50 * day)).write_text("a file, not a backup\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_text("keep\n")
    (root / dated(60 * day)).symlink_to(elsewhere)
    untouched = sorted(p.name for p in root.iterdir() if p.name not in old)

    env = direct_env(project, postgres, database, root, tmp_path / "media")
    env["BACKUP_RETENTION_DAYS"] = "30"
    result = run_script(project.path / "scripts/backup-prod.sh", env=env)
    assert result.returncode == 0, result.stderr
    new = Path(result.stdout.strip()).name
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [*untouched, new, ".lock", ".gitignore"]
    )
    assert (elsewhere / "keep").is_file()
    assert "left alone (is the clock right?)" in result.stderr

    # Nothing recent: the newest backup stays however old it is.
    for name in [*recent, new]:
        shutil.rmtree(root / name)
    for name in old:
        (root / name).mkdir()
        (root / name / "MANIFEST").write_text("format\t1\nend\n")
    result = run_script(project.path / "scripts/backup-prod.sh", "--retention-only", env=env)
    assert result.returncode == 0, result.stderr
    assert backups(root) == [old[-1], *future]
    assert root.is_dir()
    for dangerous in ("/", "//"):
        refused = run_script(
            project.path / "scripts/backup-prod.sh",
            "--retention-only",
            env={**env, "BACKUP_ROOT": dangerous},
        )
        assert refused.returncode != 0
        assert "BACKUP_ROOT must be a directory of its own" in refused.stderr
    assert sorted(m for m in malformed if (root / m).is_dir()) == sorted(malformed)


@pytest.mark.parametrize("damage", ["dump-byte-flipped", "media-truncated", "manifest-cut"])
def test_a_damaged_backup_is_refused_before_anything_is_touched(
    render, postgres, database, tmp_path, damage
):
    project = render("defaults")
    load_customers(postgres, database, 500)
    media = tmp_path / "media"
    make_media(media, files=3)
    root = tmp_path / "backups"
    env = direct_env(project, postgres, database, root, media)
    assert run_script(project.path / "scripts/backup-prod.sh", env=env).returncode == 0
    (name,) = backups(root)
    directory = root / name
    if damage == "dump-byte-flipped":
        dump = bytearray((directory / "database.dump").read_bytes())
        dump[len(dump) // 2] ^= 0x01
        (directory / "database.dump").write_bytes(bytes(dump))
    elif damage == "media-truncated":
        archive = directory / "media.tar.gz"
        archive.write_bytes(archive.read_bytes()[:-100])
    else:
        manifest = directory / "MANIFEST"
        manifest.write_text(manifest.read_text().removesuffix("end\n"))
    # Changes since the backup, which a refused restore must keep.
    load_customers(postgres, database, 5, start=10_000)
    (media / "after-the-backup.txt").write_text("new upload\n")
    before, files = database_fingerprint(postgres, database), tree_digest(media)

    restore = run_script(project.path / "scripts/restore.sh", "--yes", str(directory), env=env)
    assert restore.returncode != 0
    assert "refusing to use it" in restore.stderr
    assert database_fingerprint(postgres, database) == before
    assert tree_digest(media) == files
    verify = run_script(project.path / "scripts/verify-backup.sh", str(directory), env=env)
    assert verify.returncode != 0
    assert not (root / "metrics").exists()


def test_verification_fails_when_the_restore_differs_from_the_manifest(
    render, postgres, database, tmp_path
):
    project = render("defaults")
    load_customers(postgres, database, 300)
    root = tmp_path / "backups"
    env = direct_env(project, postgres, database, root, tmp_path / "media")
    assert run_script(project.path / "scripts/backup-prod.sh", env=env).returncode == 0
    (name,) = backups(root)
    manifest = root / name / "MANIFEST"
    manifest.write_text(
        manifest.read_text().replace("public.customers\t300", "public.customers\t301")
    )
    result = run_script(project.path / "scripts/verify-backup.sh", env=env)
    assert result.returncode != 0
    assert "public.customers\t301" in result.stderr
    assert not (root / "metrics").exists()


# ---------------------------------------------------------------------------
# Production migrations, direct mode
# ---------------------------------------------------------------------------


def migrate_production(project, postgres, database, tmp_path, migration, *options):
    backend = tmp_path / "backend"
    shutil.copytree(project.backend, backend)
    new_migration(backend, LOYALTY, migration)
    password_file = tmp_path / "db_password"
    password_file.write_text(postgres.password + "\n")
    (tmp_path / "media").mkdir()
    env = project.env(
        **project.production_env(
            tmp_path / "secrets", database.replace(f":{postgres.password}@", "@")
        ),
        DATABASE_PASSWORD_FILE=str(password_file),
        DATABASE_RUNTIME_ROLE=RUNTIME_USER,
        BACKUP_ROOT=str(tmp_path / "backups"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        PATH=f"{postgres.bindir}:{os.environ['PATH']}",
    )
    return subprocess.run(
        [
            project.venv() / "bin" / "python",
            project.path / "scripts/migrate_production.py",
            "--mode",
            "direct",
            "--backend",
            str(backend),
            *options,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_failing_migration_leaves_the_database_exactly_as_it_was(
    render, postgres, database, tmp_path
):
    project = render("defaults")
    load_customers(postgres, database, 1000)
    settle_through_a_restore(postgres, database)
    before = database_fingerprint(postgres, database)

    result = migrate_production(project, postgres, database, tmp_path, FAILING_MIGRATION)
    assert result.returncode == 1, result.stderr
    (snapshot,) = backups(tmp_path / "backups")
    snapshot_dir = tmp_path / "backups" / snapshot
    assert "reason\tpre-migration\n" in (snapshot_dir / "MANIFEST").read_text()
    assert (
        "the migration failed; the database was restored to its state before it from the "
        f"snapshot at {snapshot_dir}"
    ) in result.stderr
    assert "division by zero" in result.stderr
    assert database_fingerprint(postgres, database) == before


def test_a_good_migration_applies_and_its_plan_is_logged(render, postgres, database, tmp_path):
    project = render("defaults")
    load_customers(postgres, database, 100)
    result = migrate_production(project, postgres, database, tmp_path, GOOD_MIGRATION)
    assert result.returncode == 0, result.stderr
    assert re.search(rf"plan: customers\.{LOYALTY}\n.*plan: +Raw SQL operation", result.stderr)
    assert re.search(rf"migrate: +Applying customers\.{LOYALTY}\.\.\. OK\n", result.stderr)
    (snapshot,) = backups(tmp_path / "backups")
    assert f"the snapshot stays at {tmp_path / 'backups' / snapshot}" in result.stderr
    assert psql(postgres, database, "SELECT sum(loyalty_points) FROM customers") == "0"


def test_a_dry_run_logs_the_plan_and_changes_nothing(render, postgres, database, tmp_path):
    project = render("defaults")
    before = database_fingerprint(postgres, database)
    result = migrate_production(project, postgres, database, tmp_path, GOOD_MIGRATION, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"plan: customers.{LOYALTY}" in result.stderr
    assert "dry run: nothing was changed" in result.stderr
    assert not (tmp_path / "backups").exists()
    assert database_fingerprint(postgres, database) == before


# ---------------------------------------------------------------------------
# The documents, replayed (compose and swarm modes, through the docker stand-in)
# ---------------------------------------------------------------------------


class Deployment:
    """A copy of a render set up as on its production host, its database and media."""

    def __init__(self, project, postgres, database, tmp_path: Path) -> None:
        self.project, self.postgres, self.database = project, postgres, database
        self.home = tmp_path / "project"
        shutil.copytree(project.path, self.home, symlinks=True)
        (self.home / ".env.production").write_text(
            (self.home / ".env.example").read_text() + "IMAGE_TAG=1.4.2\n"
        )
        (self.home / "secrets").mkdir()
        (self.home / "secrets" / "db_password").write_text(postgres.password)
        (self.home / "secrets" / "db_runtime_password").write_text(RUNTIME_PASSWORD)
        self.media = tmp_path / "media-volume"
        self.media.mkdir()
        self.docker_dir = tmp_path / "docker"
        self.env = project.env(
            **docker_standin(
                self.docker_dir, project, postgres, database, self.media, self.home / "backend"
            )
        )
        if "BACKUP_ROOT=./backups" in (self.home / ".env.production").read_text():
            # Where the monitoring stack's node-exporter looks, as the scripts must.
            self.backup_root = self.home / "backups"
        else:
            self.backup_root = tmp_path / "backups"
            self.env["BACKUP_ROOT"] = str(self.backup_root)

    def run(self, command: str) -> subprocess.CompletedProcess:
        latest = backups(self.backup_root)
        if latest:
            command = BACKUP_NAME.sub(latest[-1], command)
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=self.home,
            env=self.env,
            input=database_name(self.database) + "\n",
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        return result

    def check_docker_calls(self, *secrets: str) -> None:
        """No docker command line carried the database password or SECRETS."""
        calls = docker_calls(self.docker_dir)
        assert calls
        for call in calls:
            for secret in (self.postgres.password, RUNTIME_PASSWORD, *secrets):
                assert secret not in " ".join(call), call


@pytest.mark.parametrize("name", ["defaults", "renamed"])
def test_the_recovery_document_runs_as_written(render, postgres, database, tmp_path, name):
    project = render(name)
    deployment = Deployment(project, postgres, database, tmp_path)
    load_customers(postgres, database, 1000)
    make_media(deployment.media, files=4)
    checksum, files = customers_checksum(postgres, database), tree_digest(deployment.media)
    document = (deployment.home / "docs" / "DISASTER_RECOVERY.md").read_text()
    assert not re.search(r"docker-compose\s", document)
    commands = shell_commands(document)
    scripts = {c.split()[0] for c in commands if c.startswith("scripts/")}
    assert scripts == {"scripts/backup-prod.sh", "scripts/verify-backup.sh", "scripts/restore.sh"}

    damaged = False
    for command in commands:
        restoring = command.startswith("scripts/restore.sh") and "--list" not in command
        if restoring and not damaged:
            # Disaster: most customers and every upload gone.
            psql(postgres, database, "DELETE FROM customers WHERE id % 10 <> 0")
            shutil.rmtree(deployment.media)
            deployment.media.mkdir()
            damaged = True
        result = deployment.run(command)
        if restoring:
            assert "Restored backup" in result.stdout
    assert damaged
    assert (deployment.backup_root / "metrics" / "backup.prom").is_file()
    assert customers_checksum(postgres, database) == checksum
    assert tree_digest(deployment.media) == files
    deployment.check_docker_calls()


@pytest.mark.parametrize("name", ["defaults", "renamed"])
def test_the_deployment_checklist_runs_as_written(render, postgres, database, tmp_path, name):
    project = render(name)
    deployment = Deployment(project, postgres, database, tmp_path)
    load_customers(postgres, database, 1000)
    # The release brings a migration; the host already has a night's backup.
    new_migration(deployment.home / "backend", LOYALTY, GOOD_MIGRATION)
    deployment.run("scripts/backup-prod.sh")
    checklist = (deployment.home / "docs" / "DEPLOYMENT_CHECKLIST.md").read_text()
    commands = shell_commands(checklist)
    # What the operator types at the checklist's `read -rs` prompts.
    passwords = {
        "DJANGO_SUPERUSER_PASSWORD": "an administrator's long passphrase",
        "ACCESS_PASSWORD": "an editor's long passphrase",
    }
    for name in passwords:
        assert f"read -rs {name} && export {name}" in checklist
    deployment.env.update(passwords)
    migrate_at = commands.index("scripts/migrate_production.py")
    assert commands.index("scripts/migrate_production.py --dry-run") < migrate_at

    users = None
    for number, command in enumerate(commands):
        result = deployment.run(command)
        if " issue_api_token " in command:
            # The first administrator and the users, made as the checklist says.
            users = psql(
                postgres,
                database,
                "SELECT username || ':' || is_superuser FROM auth_user "
                "WHERE username IN ('ADMIN_USERNAME', 'ada', 'importer') ORDER BY username",
            )
        if number == migrate_at:
            assert f"plan: customers.{LOYALTY}" in result.stderr
            assert psql(postgres, database, "SELECT count(loyalty_points) FROM customers")
    # The checklist ends with the way back: the pre-migration snapshot restored.
    assert commands[-1].startswith("scripts/restore.sh --database-only")
    columns = psql(
        postgres,
        database,
        "SELECT count(*) FROM information_schema.columns WHERE column_name = 'loyalty_points'",
    )
    assert columns == "0"
    assert users is not None and users.split() == [
        "ADMIN_USERNAME:true",
        "ada:false",
        "importer:false",
    ]
    deployment.check_docker_calls(*passwords.values())


# ---------------------------------------------------------------------------
# The benchmark's code path, at a tiny size
# ---------------------------------------------------------------------------


def test_the_benchmark_runs(render, postgres, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "bench_backups", TEMPLATE / "tools" / "bench_backups.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.measure(render("defaults"), postgres, tmp_path, customers=200, media_files=3)
    assert results["ours"]["rows verified"] == results["playbook"]["rows restored"] == 200
    # The playbook's psql into the live database brings nothing back, and says nothing.
    assert (results["ours"]["rows after"], results["playbook"]["rows after"]) == (200, 100)
    table = bench.markdown(results)
    assert table.count("\n") == 6
    assert "| backup size |" in table
