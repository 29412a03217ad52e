"""Instructions per request: the defaults render's scripts/benchmark.py
--instructions, one gunicorn worker under callgrind, a fixed sequence of
requests per scenario. Unlike CPU time, the count hardly moves with the
machine's load, so it shows what one change costs or saves; --runs 2 (the
default) measures it twice, from two fresh starts, and prints how far the
two runs differ.

In the same run it counts the API's two floors (tools/bench_floor, each in
a copy of the render, each checked to answer the API's bytes first): the
lean Django view (the API's token class and model permissions, no
middleware) and the bare WSGI + psycopg callable (reads only), and holds
the API to issue 23's ratios against the lean one. Then it counts the API
with each production feature switched off by settings (metrics, the JSON
access log, the rate limits' Redis round trip, the audit middleware) and
states each one's share of a request's instructions.

With --baseline REF it also counts the API at another git ref (a commit
before a change, say) and prints the two side by side.

    tools/bench-instructions [--customers 100000] [--requests 200] [--runs 2]
        [--baseline REF] [--no-features] [--write docs/benchmarks/instructions.md]
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

from bench_instructions_report import WITHOUT, report, verdicts  # noqa: E402
from bench_variants import FLOOR_HEADER, floor_copy, variant_copy  # noqa: E402

from support.answers import ANSWER_SETS  # noqa: E402
from support.projects import Project  # noqa: E402


# Each production feature off, as far as a setting turns it off: a settings
# module over production's, in a copy of the render.
def _without(*endings: str) -> str:
    """Settings lines that drop middleware from both chains: MIDDLEWARE and
    the thin path's for token requests (TOKEN_REQUEST_MIDDLEWARE)."""
    keep = f"not m.endswith({endings!r})"
    return (
        f"MIDDLEWARE = [m for m in MIDDLEWARE if {keep}]\n"
        f"TOKEN_REQUEST_MIDDLEWARE = [m for m in TOKEN_REQUEST_MIDDLEWARE if {keep}]"
    )


FEATURES = {
    # django-prometheus' pair for browser requests; token requests are counted
    # by the project's own RequestMetricsMiddleware on the thin path.
    "metrics (request middleware)": _without(
        ".PrometheusBeforeMiddleware",
        ".PrometheusAfterMiddleware",
        ".RequestMetricsMiddleware",
    ),
    "JSON access log": _without(".RequestLogMiddleware"),
    # The limits are counted in the process's memory instead of Redis: the
    # round trip is what they cost; no setting turns the counting off.
    "rate limits (Redis round trip)": (
        'CACHES = {**CACHES, "ratelimit": '
        '{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}'
    ),
    # Browser requests only: the thin path leaves it out already, and the
    # trail of a change (django-auditlog's signals) has no setting to stop it.
    "audit middleware": _without(".AuditMiddleware"),
}


def count(project: Project, output: Path, customers: int, requests: int, extra: list[str]) -> dict:
    command = [
        str(project.venv() / "bin" / "python"),
        "scripts/benchmark.py",
        "--instructions",
        str(requests),
        "--customers",
        str(customers),
        "--json",
        str(output),
        *extra,
    ]
    subprocess.run(command, cwd=project.path, env=project.env(), check=True)
    return json.loads(output.read_text())["instructions"]


def configurations(project: Project, workdir: Path, features: list[str], floors: bool) -> dict:
    """{name: (project, benchmark.py's extra arguments)}, the API first."""
    package = project.answers["django_project"]
    floor = ["--same-bytes-header", FLOOR_HEADER]
    found = {"API": (project, [])}
    if floors:
        found["lean"] = (
            floor_copy(project, workdir, "lean"),
            [*floor, "--settings", f"{package}.settings.lean"],
        )
        found["bare"] = (floor_copy(project, workdir, "bare"), [*floor, "--reads-only"])
    for n, feature in enumerate(features):
        module = f"without{n}"
        text = f'"""Production without {feature}."""\n\nfrom .production import *  # noqa: F403\n\n'
        copy = variant_copy(project, workdir, module, text + FEATURES[feature] + "\n")
        found[f"{WITHOUT}{feature}"] = (copy, ["--settings", f"{package}.settings.{module}"])
    return found


def measure(
    project: Project,
    workdir: Path,
    customers: int,
    requests: int,
    runs: int,
    features: list[str],
    floors: bool = True,
) -> dict[str, list[dict]]:
    """{configuration: [{scenario: instructions a request} per run]}: the
    API, its floors, the API without each of `features`."""
    counted = {}
    found = configurations(project, workdir, features, floors)
    for name, (copy, extra) in found.items():
        counted[name] = [
            count(
                copy,
                workdir / f"{copy.path.name}-{name[:4]}-{run}.json",
                customers,
                requests,
                extra,
            )
            for run in range(runs)
        ]
    return counted


def render(workdir: Path, ref: str) -> Project:
    from copier import run_copy

    target = workdir / ref.replace("/", "-")
    run_copy(
        str(TEMPLATE),
        str(target),
        data=ANSWER_SETS["defaults"],
        defaults=True,
        vcs_ref=ref,
        quiet=True,
    )
    return Project("production", target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="counted per scenario")
    parser.add_argument("--runs", type=int, default=2, help="fresh starts to compare")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also count the API at this git ref, in the same run, and compare",
    )
    parser.add_argument(
        "--no-features", action="store_true", help="leave out the per-feature counts"
    )
    parser.add_argument("--json", type=Path, help="also write the counts here")
    parser.add_argument("--write", type=Path, help="write the markdown report here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    try:
        features = [] if args.no_features else list(FEATURES)
        counted = {
            "HEAD": measure(
                render(workdir, "HEAD"), workdir, args.customers, args.requests, args.runs, features
            )
        }
        if args.baseline:
            # The API alone at the baseline: the floors are this checkout's tools.
            base = render(workdir, args.baseline)
            counted[args.baseline] = measure(
                base, workdir, args.customers, args.requests, args.runs, [], floors=False
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    command = "tools/bench-instructions " + " ".join(sys.argv[1:])
    text = report(counted, args.requests, args.customers, command, args.baseline)
    print(text)
    for target, measured, verdict in verdicts(counted["HEAD"]):
        print(f"{verdict.replace('**missed**', 'MISSED')}: {target}: {measured}")
    if args.write:
        args.write.write_text(text)
        print(f"wrote {args.write}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"requests": args.requests, "customers": args.customers, "runs": counted}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
