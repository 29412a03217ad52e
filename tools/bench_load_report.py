"""The load benchmark's report: issue 23's targets with a verdict each
(met, or missed and why, from the figures of the one run), the CPU per
request per process class beside throughput and latency, the two floors, the
open loop and the comparisons. Turns what tools/bench_load.py measured into
docs/benchmarks/load.md; the plot is bench_load_plot.py's."""

import time

from bench_load_configs import (
    CLIENT,
    CONFIGURATIONS,
    by_scenario,
    classes,
    open_loop,
    ratio,
)
from bench_load_sections import comparisons, every_configuration

from support.answers import POSTGRES_SETTINGS
from support.host import machine

# Issue 23: the API against the lean floor, reads and create.
FLOOR_LIMITS = {"read": 1.15, "create": 1.3}
SEARCH_POSTGRES_MS = 1.0
SEARCH_AGAINST_LIST = 0.8
GROWTH_LIMIT = 1.2
THROUGHPUT = {"detail": 1000, "list, first page": 700, "list, deep page": 700}
PLAYBOOK_P95_MS, PLAYBOOK_ERRORS = 500, 0.001
OPEN_LOOP_P95_MS = 50
FEATURE_COST_LIMIT = 0.10
LIST, SEARCH = "list, first page", "search by last name"


def implied(run: dict, cores: int) -> str:
    return (
        f"{run['server_cpu_ms']:.2f} ms of server CPU a request allows at most"
        f" {run['implied_max_throughput']:,.0f}/s on {cores} cores"
    )


Row = tuple[str, str, bool, str]


def row(target: str, measured: str, met: bool, why: str) -> Row:
    """A verdict: the reason is kept only where the target was missed."""
    return (target, measured, met, "" if met else why)


def floor_rows(prod: dict, lean: dict) -> list[Row]:
    """The API's worker CPU against the lean floor's, held to issue 23's
    instruction ratios (CPU is what a load run can measure)."""
    rows = []
    for name, r in prod.items():
        limit = FLOOR_LIMITS.get(name, FLOOR_LIMITS["read"])
        api, plain = r["cpu_ms"]["gunicorn"], lean[name]["cpu_ms"]["gunicorn"]
        rows.append(
            row(
                f"{name}: gunicorn CPU a request <= {limit:g}x the lean floor's",
                f"{api:.2f} ms against {plain:.2f} ms ({ratio(api, plain)})",
                0 < api <= limit * plain,
                f"the API's worker spends {api - plain:.2f} ms a request more than the lean"
                " floor (DRF, the API's own code, the middleware)",
            )
        )
    return rows


def search_rows(results: dict[str, dict], prod: dict) -> list[Row]:
    search, listing = prod[SEARCH], prod[LIST]
    pg = search["cpu_ms"]["postgresql"]
    share = search["throughput"] / listing["throughput"] if listing["throughput"] else 0.0
    rows = [
        row(
            f"search: PostgreSQL CPU <= {SEARCH_POSTGRES_MS:g} ms a request",
            f"{pg:.2f} ms (the list's: {listing['cpu_ms']['postgresql']:.2f} ms)",
            pg <= SEARCH_POSTGRES_MS,
            "the search's plan (the plan census is the search change's report)",
        ),
        row(
            f"search throughput >= {SEARCH_AGAINST_LIST:g}x the list's",
            f"{search['throughput']:,.0f}/s against {listing['throughput']:,.0f}/s ({share:.2f}x)",
            share >= SEARCH_AGAINST_LIST,
            f"a search costs {search['server_cpu_ms']:.2f} ms of server CPU,"
            f" a list page {listing['server_cpu_ms']:.2f} ms",
        ),
    ]
    large, small = open_loop(results["production"]), open_loop(results["production-small"])
    if SEARCH in large and SEARCH in small:
        growth = large[SEARCH]["p95_ms"] / max(small[SEARCH]["p95_ms"], 0.001)
        small_pg = by_scenario(results["production-small"])[SEARCH]["cpu_ms"]["postgresql"]
        rows.append(
            row(
                f"search p95 (open loop) at {results['production']['customers']:,} rows within"
                f" {GROWTH_LIMIT:g}x of {results['production-small']['customers']:,}",
                f"{large[SEARCH]['p95_ms']:.1f} ms against {small[SEARCH]['p95_ms']:.1f} ms"
                f" ({growth:.2f}x)",
                growth <= GROWTH_LIMIT,
                f"PostgreSQL's CPU a search grows from {small_pg:.2f} to {pg:.2f} ms",
            )
        )
    return rows


def floors_reach(results: dict[str, dict], name: str) -> str:
    """What the floors measured in the same run reach in a scenario: how
    far the target is from Django's request cycle, and from Python's."""
    reached = [
        f"the {label} reaches {by_scenario(results[key])[name]['throughput']:,.0f}/s"
        for key, label in (("lean", "lean floor"), ("bare-floor", "bare floor"))
        if key in results and name in by_scenario(results[key])
    ]
    return "; " + ", ".join(reached) if reached else ""


def edge_rows(results: dict[str, dict], prod: dict) -> list[Row]:
    run = results["production"]
    cores, clients = run["cores"], run["connections"]
    rows = []
    for name, target in THROUGHPUT.items():
        r = prod[name]
        rows.append(
            row(
                f"{name}: >= {target:,}/s through nginx at {clients} clients, 0 errors",
                f"{r['throughput']:,.0f}/s, {r['errors']} errors",
                r["throughput"] >= target and r["errors"] == 0,
                f"{r['errors']} errors"
                if r["throughput"] >= target
                else implied(r, cores) + floors_reach(results, name),
            )
        )
    worst = max(prod.values(), key=lambda r: r["p95_ms"])
    errors = max(r["error_rate"] for r in prod.values())
    rows.append(
        row(
            f"playbook: p95 < {PLAYBOOK_P95_MS} ms and errors < {PLAYBOOK_ERRORS:.1%}"
            " in every scenario",
            f"worst p95 {worst['p95_ms']:.0f} ms ({worst['scenario']},"
            f" {PLAYBOOK_P95_MS / max(worst['p95_ms'], 0.001):.1f}x margin),"
            f" worst errors {errors:.2%}",
            run["passed"],
            f"{worst['scenario']}: {clients} clients queue behind {implied(worst, cores)}",
        )
    )
    for name, r in open_loop(run).items():
        needed = r["rate"] * prod[name]["server_cpu_ms"] / 1000
        rows.append(
            row(
                f"{name}: open-loop p95 < {OPEN_LOOP_P95_MS} ms at half the measured throughput",
                f"p95 {r['p95_ms']:.1f} ms at {r['rate']:,.0f}/s ({r['late_starts']} late"
                f" starts, {r['errors']} errors)",
                r["p95_ms"] < OPEN_LOOP_P95_MS and r["errors"] == 0,
                f"at {r['rate']:,.0f}/s the servers keep {needed:.2f} of {cores} cores busy",
            )
        )
    return rows


def feature_row(direct: dict, bare: dict) -> Row:
    costs = {
        n: direct[n]["server_cpu_ms"] / bare[n]["server_cpu_ms"] - 1
        for n in direct
        if bare[n]["server_cpu_ms"]
    }
    worst = max(costs, key=costs.get)
    return row(
        f"production features cost <= {FEATURE_COST_LIMIT:.0%} server CPU a request against"
        " the bare render (both straight to gunicorn)",
        ", ".join(f"{n}: {c:+.0%}" for n, c in costs.items()),
        costs[worst] <= FEATURE_COST_LIMIT,
        f"{worst}: {direct[worst]['server_cpu_ms']:.2f} ms against"
        f" {bare[worst]['server_cpu_ms']:.2f} ms",
    )


def targets(results: dict[str, dict]) -> list[Row]:
    """(target, measured, met, why it was missed) for each of issue 23's targets."""
    prod = by_scenario(results["production"])
    return [
        *floor_rows(prod, by_scenario(results["lean"])),
        *search_rows(results, prod),
        *edge_rows(results, prod),
        feature_row(by_scenario(results["production-direct"]), by_scenario(results["bare"])),
    ]


def cpu_tables(results: dict[str, dict]) -> str:
    """CPU ms per request per class, for every configuration."""
    names = classes(results)
    out = [
        "## CPU per request\n",
        "Milliseconds of CPU per completed request in each process class (each server's"
        " whole process tree, exited children included), the median over the runs, beside"
        " the median run's throughput and p95. The servers' total sets the throughput the"
        " machine could reach if they had every core (cores x 1,000 / total ms); the"
        " client's CPU (wrk) comes on top of it on this machine.\n",
        "| configuration | scenario | requests/s | p95 ms | "
        + " | ".join(names)
        + f" | servers | implied max/s | {CLIENT} |",
        "| --- | --- | ---: | ---: |" + " ---: |" * (len(names) + 3),
    ]
    for c in CONFIGURATIONS:
        run = results[c.key]
        for r in run["results"]:
            cpu = r["cpu_ms"]
            out.append(
                f"| {c.title} ({run['customers']:,}) | {r['scenario']} | {r['throughput']:,.0f}"
                f" | {r['p95_ms']:.0f} | "
                + " | ".join(f"{cpu[n]:.2f}" if n in cpu else "-" for n in names)
                + f" | {r['server_cpu_ms']:.2f} | {r['implied_max_throughput']:,.0f}"
                f" | {cpu[CLIENT]:.2f} |"
            )
    return "\n".join(out) + "\n"


def floor_table(results: dict[str, dict]) -> str:
    prod = by_scenario(results["production"])
    lean, bare = by_scenario(results["lean"]), by_scenario(results["bare-floor"])
    out = [
        "## The floors\n",
        "Two floors, each in a copy of the render only (tools/bench_floor), each checked by"
        " benchmark.py before its load to answer every scenario with the API's status,"
        " Content-Type and bytes (for create: each side's answer against the other side's"
        " read of the new row). The lean floor is a plain Django view per endpoint with no"
        " middleware at all (its own settings module and urlconf): the API's token class and"
        " model permissions, the same queries (search through the API's own filter method,"
        " detail by the API's own statement, create with a ModelForm, the model's"
        " full_clean, the same duplicate check and audit trail), the same JSON, written by"
        " orjson as the API writes it. The bare floor is a"
        " WSGI callable with no Django request cycle: knox's token check as one SQL query"
        " (key, digest compared in constant time, expiry, active user, model permission),"
        " the API's SQL through psycopg on one connection per thread, orjson as the API;"
        " it only reads, so create has no bare figure."
        " All three through nginx, same run; the ratios are the API's.\n",
        "| scenario | API gunicorn ms | lean gunicorn ms | bare gunicorn ms | API / lean"
        " | API / bare | API req/s | lean req/s | bare req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in prod.items():
        api, plain = r["cpu_ms"]["gunicorn"], lean[name]["cpu_ms"]["gunicorn"]
        floor = bare.get(name)
        out.append(
            f"| {name} | {api:.2f} | {plain:.2f}"
            + (f" | {floor['cpu_ms']['gunicorn']:.2f}" if floor else " | -")
            + f" | {ratio(api, plain)}"
            + (f" | {ratio(api, floor['cpu_ms']['gunicorn'])}" if floor else " | -")
            + f" | {r['throughput']:,.0f} | {lean[name]['throughput']:,.0f}"
            + (f" | {floor['throughput']:,.0f} |" if floor else " | - |")
        )
    return "\n".join(out) + "\n"


def open_loop_tables(results: dict[str, dict]) -> str:
    out = [
        "## Open loop\n",
        "Requests started on a fixed schedule at half the scenario's closed-loop throughput,"
        " whether or not earlier ones were answered (at most 64 in flight); each latency"
        " counts from the moment the request was due, so a late start counts too.\n",
        "| configuration | scenario | arrivals/s | p50 ms | p95 ms | p99 ms | late starts"
        " | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in CONFIGURATIONS:
        run = results[c.key]
        for r in run.get("open_loop", []):
            out.append(
                f"| {c.title} ({run['customers']:,}) | {r['scenario']} | {r['rate']:,.0f}"
                f" | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f}"
                f" | {r['late_starts']} | {r['errors']} of {r['requests']:,} |"
            )
    return "\n".join(out) + "\n"


def report(
    results: dict[str, dict], command: str, plot_name: str, previous: dict | None = None
) -> str:
    production = results["production"]
    lines = [
        "# Load: the rendered service's cost, throughput and latency",
        "",
        f"Measured by `{command}` on {machine()}, {time.strftime('%Y-%m-%d')}, in one run."
        f" Every configuration ran {production['connections']} concurrent wrk clients"
        f" (one wrk thread) per scenario, {production['repeats']} runs of"
        f" {production['duration']} s after a warm-up each (the median run counts), against"
        f" gunicorn with {production['gunicorn_workers']} workers (the image's default for"
        " this machine's cores), PostgreSQL with the deployments' memory settings ("
        + ", ".join(f"{name} {value}" for name, value in POSTGRES_SETTINGS.items())
        + ") and Redis with its defaults, all on"
        " loopback on the same machine as wrk, reading each process class's CPU time from"
        " /proc before and after every run. Rate limits are raised for the run; everything"
        " else is the production configuration. Every request carries an editor's API token"
        " (made with the backend's own commands), but in the configuration with the API"
        " open. Search looks up one of 1,024 last names (about 0.1 % of the rows each);"
        " detail reads a random customer; create posts a new one.",
        "",
        f"![CPU per request, p95 latency and throughput per scenario]({plot_name})",
        "",
        "## Targets (issue 23)",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
    ]
    for target, measured, met, why in targets(results):
        lines.append(f"| {target} | {measured} | {'met' if met else f'**missed**: {why}'} |")
    return "\n".join(
        [
            *lines,
            "",
            cpu_tables(results),
            floor_table(results),
            open_loop_tables(results),
            every_configuration(results),
            comparisons(results, previous),
        ]
    )
