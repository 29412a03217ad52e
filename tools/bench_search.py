"""Search plan census: each query shape and index design over every one of
the load benchmark's 1,024 search terms, at its table size, on PostgreSQL.

Renders the template's defaults (the committed HEAD), migrates a throwaway
PostgreSQL (tests/support/postgres.py) and seeds it as scripts/benchmark.py
does. The SQL is what the real view sends, captured by
tests/support/search_probe.py: the old shape (one OR of the three
istartswith conditions) and the new one (customers/search.py), for the
first page and for a cursor 90 % down the list. Each configuration reports
how many terms got which plan (EXPLAIN ANALYZE), the slowest term, and the
PostgreSQL backend's CPU per query: utime + stime from /proc/<pid>/stat
around a batch of all 1,024 queries (median of 3 batches), which holds
still on a busy machine where wall time does not.

    tools/bench-search [--customers 1000000] [--write docs/benchmarks/search.md]
"""

import argparse
import collections
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TEMPLATE / "tests"))
sys.path.insert(0, str(TEMPLATE / "template" / "scripts"))

from rehearsal.seeding import all_last_names  # noqa: E402

from support.answers import ANSWER_SETS  # noqa: E402
from support.postgres import PostgresServer, free_port  # noqa: E402
from support.projects import Project  # noqa: E402

PROBE = TEMPLATE / "tests" / "support" / "search_probe.py"
COLUMNS = ("last_name", "first_name", "email")
# (title, migration, statistics target of the search indexes' key, shape)
CONFIGURATIONS = [
    ("A: 0002 prefix indexes, default statistics (before)", "0002", None, "old"),
    ("B: 0002 prefix indexes, statistics 1000", "0002", 1000, "old"),
    ("C: 0003 covering indexes, default statistics, OR shape", "0003", -1, "old"),
    ("D: 0003 covering indexes, default statistics, subqueries", "0003", -1, "new"),
    ("E: 0003 covering indexes, statistics 1000, OR shape", "0003", 1000, "old"),
    ("F: 0003 as migrated: statistics 1000, subqueries (chosen)", "0003", 1000, "new"),
]


class Database:
    def __init__(self, server: PostgresServer, url: str):
        self.server, self.url, self.name = server, url, url.rsplit("/", 1)[1]

    def psql(self, sql: str) -> str:
        command = [
            self.server.bindir / "psql", "-h", self.server.socket_dir, "-p", str(self.server.port),
            "-U", self.server.user, self.name, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t",
        ]  # fmt: skip
        return subprocess.run(
            list(map(str, command)), input=sql, text=True, check=True, capture_output=True
        ).stdout


def django(project: Project, database: Database, *args: str, timeout: float = 3600) -> str:
    env = {
        "DATABASE_URL": database.url,
        "DJANGO_SETTINGS_MODULE": f"{project.django_project}.settings.test",
        "PYTHONPATH": ".",
    }
    result = project.run(*args, env=env, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout


def probe(project: Project, database: Database, *args: str):
    # -P: not tests/support on the path, whose http.py would shadow the stdlib's.
    return json.loads(django(project, database, "python", "-P", str(PROBE), *args).splitlines()[-1])


def scans(node: dict) -> list[str]:
    found = []
    if "Scan" in node["Node Type"] and node["Node Type"] != "Subquery Scan":
        backward = " Backward" if node.get("Scan Direction") == "Backward" else ""
        found.append(f"{node['Node Type']}{backward} {node.get('Index Name', 'customers')}")
    for child in node.get("Plans", []):
        found += scans(child)
    return found


def census(database: Database, queries: list[str]) -> dict:
    explained = database.psql(
        "".join(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {q};\n" for q in queries)
    )
    decoder, plans, at = json.JSONDecoder(), [], 0
    text = explained.strip()
    while at < len(text):
        plan, at = decoder.raw_decode(text, at)
        plans.append(plan[0])
        while at < len(text) and text[at].isspace():
            at += 1
    classes = collections.Counter(" + ".join(sorted(set(scans(p["Plan"])))) for p in plans)
    times = [p["Planning Time"] + p["Execution Time"] for p in plans]
    stat = "SELECT pg_read_file('/proc/self/stat');\n"
    batch = "\\o /dev/null\n" + "".join(f"{q};\n" for q in queries) + "\\o\n"
    cpu = []
    for _ in range(3):
        # Two /proc/self/stat lines: utime and stime are fields 14 and 15.
        lines = [line for line in database.psql(stat + batch + stat).splitlines() if ") " in line]
        before, after = (line.split(") ")[1].split() for line in lines[-2:])
        ticks = sum(map(int, after[11:13])) - sum(map(int, before[11:13]))
        cpu.append(ticks * 10 / len(queries))  # 100 ticks a second
    return {
        "plans": dict(classes.most_common()),
        "cpu_ms": statistics.median(cpu),
        "cpu_ms_batches": cpu,
        "explain_median_ms": statistics.median(times),
        "explain_max_ms": max(times),
        "slowest_term": all_last_names()[times.index(max(times))],
    }


def set_statistics(database: Database, migration: str, target: int | None) -> None:
    if target is None:
        return
    suffix = "prefix" if migration == "0002" else "search"
    database.psql(
        "".join(
            f"ALTER INDEX customers_{column}_{suffix}_idx ALTER COLUMN 1 SET STATISTICS {target};\n"
            for column in COLUMNS
        )
    )
    # Its own statement: an ANALYZE in the same transaction keeps the old target.
    database.psql("ANALYZE customers;")


def measure(project: Project, customers: int) -> list[dict]:
    # A directory of its own, which the postgres user is given (as in tests/conftest.py).
    directory = Path(tempfile.mkdtemp(prefix="bench-search-pg-"))
    server = PostgresServer(directory, free_port())
    server.init()
    server.start()
    try:
        database = Database(server, server.create_database("search"))
        django(project, database, "python", "manage.py", "migrate")
        django(project, database, "python", "manage.py", "migrate", "customers", "0002")
        probe(project, database, "seed-bulk", str(customers))
        terms = all_last_names()
        sql = probe(project, database, "sql", *terms)
        results, state = [], "0002"
        for title, migration, target, shape in CONFIGURATIONS:
            if migration != state:
                django(project, database, "python", "manage.py", "migrate", "customers", migration)
                database.psql("VACUUM ANALYZE customers;")
                state = migration
            set_statistics(database, migration, target)
            for page, index in (("first page", 0), ("deep page", 1)):
                print(f"--- {title}, {page}", flush=True)
                figures = census(database, [sql[shape][term][index] for term in terms])
                results.append({"configuration": title, "page": page, **figures})
                print(json.dumps(results[-1]), flush=True)
        return results
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def markdown(results: list[dict], customers: int, command: str) -> str:
    lines = [
        "# Search: plan census",
        "",
        f"Every one of the load benchmark's 1,024 search terms at {customers:,} customers,"
        " on this machine's PostgreSQL; written by",
        "",
        f"    {command}",
        "",
        "CPU is the PostgreSQL backend's (parse, plan, execute) per query, median of 3"
        " batches of all 1,024 terms; the EXPLAIN ANALYZE times include its own"
        " timing overhead.",
        "",
        "| configuration | page | CPU ms/query | EXPLAIN median ms | slowest ms (term) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['configuration']} | {r['page']} | {r['cpu_ms']:.2f} |"
            f" {r['explain_median_ms']:.2f} | {r['explain_max_ms']:.1f} ({r['slowest_term']}) |"
        )
    lines += ["", "## Plans: how many terms got which scans", ""]
    for r in results:
        lines += [f"{r['configuration']}, {r['page']}:", ""]
        lines += [f"- {count} terms: {plan}" for plan, count in r["plans"].items()]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--write", type=Path, help="the markdown report (and .json beside it)")
    args = parser.parse_args()
    from copier import run_copy

    workdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        target = workdir / "defaults"
        run_copy(
            str(TEMPLATE),
            str(target),
            data=ANSWER_SETS["defaults"],
            defaults=True,
            vcs_ref="HEAD",
            quiet=True,
        )
        results = measure(Project("defaults", target), args.customers)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    command = "tools/bench-search " + " ".join(sys.argv[1:])
    report = markdown(results, args.customers, command)
    if args.write:
        args.write.write_text(report + "\n")
        args.write.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
