"""Benchmark: the rendered backup scripts against the playbook's backup, side by side.

On one PostgreSQL server (started here, on loopback) and one database of
generated customers plus media files:

- ours: scripts/backup-prod.sh (custom-format dump from a snapshot, row
  counts, checksums, media, configuration), scripts/verify-backup.sh
  (checksums, a restore into a scratch database, row counts compared) and
  scripts/restore.sh over the live database, all in direct mode;
- the playbook's: ``pg_dump | gzip`` and ``tar -czf`` of the media, then
  ``gunzip < dump | psql`` into an empty database.

Run it with tools/bench-backups (``--customers``, ``--write FILE``); the test
suite runs measure() at a tiny size so this code keeps working.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TEMPLATE / "tests"))

from support.backups import (  # noqa: E402
    direct_env,
    load_customers,
    make_media,
    migrate,
    psql,
)
from support.host import machine  # noqa: E402
from support.postgres import PostgresServer, free_port  # noqa: E402
from support.projects import Project  # noqa: E402

PLAYBOOK_BACKUP = """
set -e
BACKUP_DIR="$1"
mkdir -p "$BACKUP_DIR"
pg_dump "$PGDATABASE" | gzip > "$BACKUP_DIR/database.sql.gz"
tar -czf "$BACKUP_DIR/media.tar.gz" -C "$2" .
"""
PLAYBOOK_RESTORE = 'gunzip < "$1" | psql -X -q -o /dev/null'
LOSE_HALF = "DELETE FROM customers WHERE id % 2 = 0"


def timed(command: list[str | Path], env: dict[str, str]) -> tuple[float, str]:
    """Seconds a command took, and its output; a failure stops the benchmark."""
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started, result.stdout


def median_of(repeats: int, command: list[str | Path], env: dict[str, str]) -> float:
    return statistics.median(timed(command, env)[0] for _ in range(repeats))


def size_of(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def measure(
    project: Project,
    server: PostgresServer,
    workdir: Path,
    customers: int,
    media_files: int,
    repeats: int = 1,
) -> dict[str, dict[str, float]]:
    """Both paths over the same database and media: median seconds of
    `repeats` runs of each step, bytes and rows."""
    url = server.create_database("bench")
    migrate(project, url, workdir)
    load_customers(server, url, customers)
    psql(server, url, "VACUUM ANALYZE customers")
    media = workdir / "media"
    make_media(media, files=media_files, size=64 * 1024)
    env = direct_env(project, server, url, workdir / "backups", media)
    scripts = project.path / "scripts"

    ours: dict[str, float] = {}
    runs = [timed([scripts / "backup-prod.sh"], env) for _ in range(repeats)]
    ours["back up"] = statistics.median(seconds for seconds, _ in runs)
    backup = Path(runs[-1][1].strip().splitlines()[-1])
    ours["size"] = size_of(backup)
    ours["restore into a scratch database"] = median_of(
        repeats, [scripts / "verify-backup.sh"], env
    )
    ours["rows verified"] = sum(
        int(line.split("\t")[2])
        for line in (backup / "MANIFEST").read_text().splitlines()
        if line.startswith("table\tpublic.customers\t")
    )

    playbook: dict[str, float] = {}
    target = workdir / "playbook"
    playbook["back up"] = median_of(
        repeats, ["bash", "-c", PLAYBOOK_BACKUP, "bash", target, media], env
    )
    playbook["size"] = size_of(target)
    scratch = f"{url.rsplit('/', 1)[1]}_playbook"
    scratch_url = url.rsplit("/", 1)[0] + "/" + scratch
    restores = []
    for _ in range(repeats):
        psql(server, url, f'CREATE DATABASE "{scratch}"')
        seconds, _ = timed(
            ["bash", "-c", PLAYBOOK_RESTORE, "bash", target / "database.sql.gz"],
            {**env, "PGDATABASE": scratch},
        )
        restores.append(seconds)
        playbook["rows restored"] = int(psql(server, scratch_url, "SELECT count(*) FROM customers"))
        psql(server, url, f'DROP DATABASE "{scratch}"')
    playbook["restore into a scratch database"] = statistics.median(restores)

    # The disaster both recovery procedures are for: half the customers gone.
    restores = []
    for _ in range(repeats):
        psql(server, url, LOSE_HALF)
        restores.append(timed([scripts / "restore.sh", "--yes"], env)[0])
    ours["restore over the live database"] = statistics.median(restores)
    ours["rows after"] = int(psql(server, url, "SELECT count(*) FROM customers"))
    # The playbook's procedure, into the database the service uses.
    psql(server, url, LOSE_HALF)
    playbook["restore over the live database"], _ = timed(
        ["bash", "-c", PLAYBOOK_RESTORE, "bash", target / "database.sql.gz"], env
    )
    playbook["rows after"] = int(psql(server, url, "SELECT count(*) FROM customers"))
    return {"ours": ours, "playbook": playbook}


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def _megabytes(value: float) -> str:
    return f"{value / 1_000_000:.1f} MB"


def markdown(results: dict[str, dict[str, float]]) -> str:
    ours, playbook = results["ours"], results["playbook"]
    rows = [
        ("back up (database and media)", _seconds(ours["back up"]), _seconds(playbook["back up"])),
        ("backup size", _megabytes(ours["size"]), _megabytes(playbook["size"])),
        (
            "restore into an empty database",
            f"{_seconds(ours['restore into a scratch database'])} (verify-backup.sh: "
            "checksums, scratch database created, restored, "
            f"{int(ours['rows verified']):,} customers counted against the manifest, dropped)",
            f"{_seconds(playbook['restore into a scratch database'])} (`gunzip \\| psql`: "
            f"{int(playbook['rows restored']):,} customers, nothing checked)",
        ),
        (
            "restore over the live database after losing half the customers",
            f"{_seconds(ours['restore over the live database'])} (restore.sh, media too): "
            f"{int(ours['rows after']):,} customers",
            f"{_seconds(playbook['restore over the live database'])} (the playbook's "
            f"`gunzip \\| psql`): {int(playbook['rows after']):,} customers; every statement "
            "fails (already exists, duplicate keys) and psql still exits 0",
        ),
    ]
    lines = [
        "| step | ours (`scripts/`) | the playbook's (`pg_dump \\| gzip`, `psql`) |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {step} | {a} | {b} |" for step, a, b in rows]
    return "\n".join(lines) + "\n"


def reading(results: dict[str, dict[str, float]]) -> str:
    """What the figures say, in words, from the figures themselves."""
    ours, playbook = results["ours"], results["playbook"]
    checks = ours["restore into a scratch database"] - playbook["restore into a scratch database"]
    return (
        "Backing up costs about the same: both write one compressed dump and one "
        "compressed archive. Ours also reads the row counts from the dump's snapshot, "
        "dumps the roles, copies the configuration and checksums every file, and stops "
        "with a non-zero exit when pg_dump fails, where the playbook's `set -e` without "
        "`pipefail` keeps an empty dump and reports success.\n\n"
        f"Restoring into an empty database, the verification takes {checks:.1f} s more "
        "than a bare `gunzip | psql`: creating and dropping the scratch database and "
        "counting every table, which is what turns a backup into a verified one. Over the "
        "live database, the case a recovery is for, only ours restores anything: the "
        "playbook's procedure leaves the lost customers lost and reports success.\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--media-files", type=int, default=200, help="64 KiB each")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each step; the median")
    parser.add_argument("--write", type=Path, help="also write the results to this Markdown file")
    args = parser.parse_args()

    from copier import run_copy

    workdir = Path(tempfile.mkdtemp(prefix="bench-backups-"))
    # Its own directory: the server runs as the postgres user, who cannot enter workdir.
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="bench-backups-pg-")), free_port())
    try:
        run_copy(str(TEMPLATE), str(workdir / "project"), defaults=True, vcs_ref="HEAD", quiet=True)
        project = Project("bench", workdir / "project")
        server.init()
        server.start()
        version = psql(server, server.url("postgres"), "SHOW server_version")
        print(f"{args.customers:,} customers, {args.media_files} media files; PostgreSQL {version}")
        results = measure(project, server, workdir, args.customers, args.media_files, args.repeats)
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(server.directory, ignore_errors=True)
    table = markdown(results)
    print(table)
    if args.write:
        args.write.write_text(
            "# Backups: the template's scripts against the playbook's\n\n"
            "Measured by `tools/bench-backups --customers "
            f"{args.customers} --media-files {args.media_files} --repeats {args.repeats}` "
            f"on {machine()}, PostgreSQL {version} on loopback, {time.strftime('%Y-%m-%d')}: "
            f"the median of {args.repeats} runs of each step. Both paths back up the same "
            "database and media files (random bytes, as images are: they do not "
            "compress); each tool compresses with its default.\n\n"
            + table
            + "\n"
            + reading(results)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
