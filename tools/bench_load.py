"""Load benchmark: the rendered service under wrk, side by side in one run.

Renders the template with its defaults (the full production stack) and with
every feature off, then runs each render's own ``scripts/benchmark.py``: the
whole topology on loopback, a generated customer table, and wrk driving
list (first and deep pages), search, detail and create at 50 concurrent
clients. Each configuration starts its own servers and stops them again:

- production: the defaults render through nginx (TLS, rate-limit zones raised
  out of the way, security headers), 1M customers; its verdict is the
  playbook's line (p95 < 500 ms, errors < 0.1 %);
- production, direct: the same, straight to gunicorn, which splits the edge's
  cost from the application's;
- production, 10k: the defaults render at 10,000 customers: what growth costs;
- bare: the everything-off render (no Redis, rate limits, metrics, frontend),
  straight to gunicorn, 1M customers: what the production features cost;
- open: the defaults render through nginx with the API open to anonymous
  clients, as it was before log-in: what authentication costs (every other
  configuration sends an editor's API token with each request);
- lean floor: the defaults render through nginx, its customers paths
  answered by plain Django views with no middleware at all (settings.lean)
  that authenticate with the API's token class and model permissions, run
  the same queries and answer the same bytes (checked by benchmark.py
  before the load): what DRF, the API's code and its middleware cost;
- bare floor: the defaults render through nginx, its reads answered by a
  WSGI callable with no Django request cycle (knox's token check as one
  SQL query, the API's SQL through psycopg, orjson), the same bytes
  checked likewise; no create (it reads only): the physical floor of
  producing those bytes in Python. Both floors are in tools/bench_floor,
  copied into a copy of the render only;
- naive, 1M and 10k: the defaults render with what the template avoids: no
  connection pool, page-number pagination with counts, no indexes but the
  primary key and the unique e-mail: what the template buys.

Every run reads each process class's CPU time from /proc (ms per request
beside throughput and latency); production and its small table also get
the open loop (half the measured throughput, list, detail and search).
The report also sets the production figures beside the previous report's
(--previous, by default the JSON of the report being replaced).
--quick runs everything at a tiny size, one short run each, for a smoke test.

Run it with tools/bench-load (``--write docs/benchmarks/load.md`` for the
report and its plot; some 35 to 40 minutes on 2 cores at 1M rows); the test
suite runs measure() at a tiny size so this code keeps working.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TEMPLATE / "tests"))
sys.path.insert(0, str(TEMPLATE / "tools"))

from bench_load_configs import CONFIGURATIONS, Configuration  # noqa: E402
from bench_load_plot import plot  # noqa: E402
from bench_load_report import report, targets  # noqa: E402
from bench_variants import FLOOR_HEADER, floor_copy, variant_copy  # noqa: E402

from support.answers import ANSWER_SETS  # noqa: E402
from support.projects import Project  # noqa: E402

# What the template avoids, as a settings module added to a copy of the render.
NAIVE_SETTINGS = '''"""The naive setup the load benchmark compares against."""

from .production import *

# A new database connection for every request, as Django does without a pool.
DATABASES["default"]["OPTIONS"].pop("pool", None)
# Page numbers: a COUNT(*) of the table and an OFFSET scan on every page.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
}
'''
# The API as it was before log-in, open to anyone: only ever in a throwaway
# copy of the render, to measure authentication against.
OPEN_SETTINGS = '''"""The API open to anonymous clients, for the load benchmark only."""

from .production import *

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}
'''
# Every index the template adds; the primary key and the unique e-mail stay,
# as they would in any setup.
NAIVE_SQL = """
DROP INDEX customers_name_idx, customers_created_idx, customers_active_created_idx,
    customers_email_active_idx, customers_last_name_search_idx,
    customers_first_name_search_idx, customers_email_search_idx;
ANALYZE customers;
"""


def run_one(
    config: Configuration,
    project: Project,
    workdir: Path,
    customers: int,
    duration: int,
    repeats: int,
    warmup: int,
    open_duration: int,
) -> dict:
    output = workdir / f"{config.key}.json"
    command = [
        str(project.venv() / "bin" / "python"),
        "scripts/benchmark.py",
        "--customers",
        str(customers),
        "--duration",
        str(duration),
        "--repeats",
        str(min(repeats, config.repeats or repeats)),
        "--warmup",
        str(warmup),
        "--open-loop",
        str(0.5 if config.open_loop else 0),
        "--open-duration",
        str(open_duration),
        "--json",
        str(output),
    ]
    if project.answers["use_frontend"]:
        command += ["--via", config.via]
    package = project.answers["django_project"]
    if config.naive:
        command += ["--settings", f"{package}.settings.naive", "--sql", str(workdir / "naive.sql")]
    if config.anonymous:
        command += ["--settings", f"{package}.settings.open", "--auth", "none"]
    if config.floor == "lean":
        command += ["--settings", f"{package}.settings.lean"]
    if config.floor:
        command += ["--same-bytes-header", FLOOR_HEADER]
    if config.floor == "bare":
        command += ["--reads-only"]
    print(f"--- {config.title}: {customers:,} customers", flush=True)
    # A verdict that fails still measured everything; only a crash stops the run.
    result = subprocess.run(command, cwd=project.path, env=project.env(), check=False)
    if result.returncode not in (0, 1) or not output.exists():
        raise RuntimeError(f"{config.title}: scripts/benchmark.py exited {result.returncode}")
    return json.loads(output.read_text())


def measure(
    production: Project,
    bare: Project,
    workdir: Path,
    customers: int,
    small: int,
    duration: int,
    repeats: int,
    warmup: int,
    open_duration: int,
    configurations: list[Configuration] = CONFIGURATIONS,
) -> dict[str, dict]:
    """Each configuration (every one unless told), one after the other:
    {key: benchmark.py's JSON}."""
    projects = {"production": production, "bare": bare}
    results = {}
    for config in configurations:
        project = projects[config.render]
        if config.naive:
            project = variant_copy(project, workdir, "naive", NAIVE_SETTINGS)
            (workdir / "naive.sql").write_text(NAIVE_SQL)
        if config.anonymous:
            project = variant_copy(project, workdir, "open", OPEN_SETTINGS)
        if config.floor:
            project = floor_copy(project, workdir, config.floor)
        size = customers if config.size == "large" else small
        results[config.key] = run_one(
            config, project, workdir, size, duration, repeats, warmup, open_duration
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="the growth comparison's table")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per scenario; the median")
    parser.add_argument("--warmup", type=int, default=2, help="seconds before each run")
    parser.add_argument("--open-duration", type=int, default=15, help="seconds per open loop")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke test: 2,000 and 500 customers, one run of 2 s per scenario",
    )
    parser.add_argument("--write", type=Path, help="write the report here, its plot beside it")
    parser.add_argument(
        "--previous",
        type=Path,
        help="the previous report's JSON to compare with (default: the one --write replaces)",
    )
    args = parser.parse_args()
    if args.quick:
        args.customers, args.small, args.duration, args.repeats = 2000, 500, 2, 1
        args.warmup, args.open_duration = 1, 3
    previous_path = args.previous or (args.write and args.write.with_suffix(".json"))
    previous = None
    if previous_path and previous_path.exists():
        previous = json.loads(previous_path.read_text())

    from copier import run_copy

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        projects = {}
        for name, answers in (("production", "defaults"), ("bare", "everything-off")):
            run_copy(
                str(TEMPLATE),
                str(workdir / name),
                data=ANSWER_SETS[answers],
                defaults=True,
                vcs_ref="HEAD",
                quiet=True,
            )
            projects[name] = Project(name, workdir / name)
        results = measure(
            projects["production"],
            projects["bare"],
            workdir,
            args.customers,
            args.small,
            args.duration,
            args.repeats,
            args.warmup,
            args.open_duration,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for target, measured, met, why in targets(results):
        print(f"{'met' if met else 'MISSED'}: {target}: {measured}" + (f" ({why})" if why else ""))
    if args.write:
        svg = args.write.with_suffix(".svg")
        plot(results, svg)
        command = "tools/bench-load " + " ".join(sys.argv[1:])
        args.write.write_text(report(results, command, svg.name, previous))
        args.write.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.write}, {svg.name} and the raw figures beside it")
    else:
        print(report(results, "tools/bench-load " + " ".join(sys.argv[1:]), "load.svg", previous))
    return 0


if __name__ == "__main__":
    sys.exit(main())
