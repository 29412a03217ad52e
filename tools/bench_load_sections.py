"""The load report's comparison sections: every configuration's throughput
and latency, then each pair set side by side, CPU first."""

from bench_load_configs import CONFIGURATIONS, by_scenario, ratio, scenario_names

# Reports from before log-in existed have no "auth": the API was open then.
AUTHENTICATION = {"token": "an API token on every request"}


def side(r: dict) -> str:
    if not r["requests"]:
        return "nothing answered"
    # The previous report's figures (from before CPU was measured) have none.
    cpu = f", {r['server_cpu_ms']:.2f} ms CPU" if "server_cpu_ms" in r else ""
    return f"{r['throughput']:,.0f}/s, p95 {r['p95_ms']:.0f} ms{cpu}"


def comparison(name: str, a: dict, b: dict) -> str:
    """A row: both sides' throughput, p95 and servers' CPU, and their ratios."""
    throughput = ratio(a["throughput"], b["throughput"])
    p95 = ratio(a["p95_ms"], b["p95_ms"]) if a["requests"] and b["requests"] else "n/a"
    cpu = ratio(a.get("server_cpu_ms", 0), b.get("server_cpu_ms", 0))
    gunicorn = ratio(a.get("cpu_ms", {}).get("gunicorn", 0), b.get("cpu_ms", {}).get("gunicorn", 0))
    return f"| {name} | {side(a)} | {side(b)} | {cpu} | {gunicorn} | {throughput} | {p95} |"


def every_configuration(results: dict[str, dict]) -> str:
    names = scenario_names(results)
    noise = max(
        (r["throughput_range"][1] - r["throughput_range"][0]) / r["throughput"]
        for c in CONFIGURATIONS
        if not c.naive
        for r in results[c.key]["results"]
        if r["throughput"]
    )
    out = [
        "## Every configuration\n",
        "Throughput in requests per second (the median run; in brackets the lowest and"
        " highest run), then that run's p50 / p95 / p99 latency in milliseconds, then its"
        " errors (non-2xx answers and socket errors). wrk's clients send their next request"
        " as soon as the last is answered, so the server is saturated and each request"
        " waits about clients / throughput: closed-loop latency measures the queue, the open"
        " loop above the request. Runs of one scenario here differ by up to"
        f" {noise:.0%} in throughput; CPU per request moves far less, which is why the"
        " targets are read from it.\n",
        "| configuration | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for c in CONFIGURATIONS:
        runs = by_scenario(results[c.key])
        cells = []
        for name in names:
            r = runs.get(name)
            if r is None:  # a scenario this configuration leaves out
                cells.append("-")
                continue
            low, high = r["throughput_range"]
            cells.append(
                f"{r['throughput']:,.0f}/s ({low:,.0f}-{high:,.0f});"
                f" {r['p50_ms']:.0f} / {r['p95_ms']:.0f} / {r['p99_ms']:.0f} ms;"
                f" {r['error_rate']:.2%}"
                if r["requests"]
                else "nothing answered"
            )
        out.append(f"| {c.title} ({results[c.key]['customers']:,}) | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def comparisons(results: dict[str, dict], previous: dict | None) -> str:
    names = scenario_names(results)
    titles = {c.key: f"{c.title} ({results[c.key]['customers']:,})" for c in CONFIGURATIONS}
    runs = {c.key: by_scenario(results[c.key]) for c in CONFIGURATIONS}
    out = []

    def pair(left: str, right: str, rows: list[str], left_runs=None, right_runs=None) -> None:
        out.append(
            f"| scenario | {titles.get(left, left)} | {titles.get(right, right)} | servers' CPU"
            " | gunicorn CPU | throughput | p95 |\n"
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
        )
        a, b = left_runs or runs[left], right_runs or runs[right]
        for name in rows:
            if name in a and name in b:
                out.append(comparison(name, a[name], b[name]))

    def section(heading: str, text: str, left: str, right: str, rows: list[str]) -> None:
        out.append(f"\n## {heading}\n\n{text} The ratios are left over right.\n")
        pair(left, right, rows)

    growing = [n for n in names if n.startswith(("list", "search"))]
    section(
        "(a) What the production features cost",
        "The full render against the everything-off render, both straight to gunicorn"
        " (metrics, JSON access logs, Redis cache and sessions, rate-limit counters), then"
        " the full render through nginx against itself straight to gunicorn (the edge: TLS,"
        " rate-limit zones, security headers, gzip). The bare render has no Redis, so it"
        " reads each request's token, user and permissions from PostgreSQL (four queries),"
        " which the full render reads from Redis in one round trip: most of the difference.",
        "production-direct",
        "bare",
        names,
    )
    out.append("")
    pair("production", "production-direct", names)
    section(
        "(b) What growth costs",
        "The production render at the large table against the small one.",
        "production",
        "production-small",
        growing,
    )
    section(
        "(c) What the template buys",
        "The production render against the naive setup (no pool, page numbers with counts,"
        " no indexes), same table, same path through nginx.",
        "production",
        "naive",
        names,
    )
    section(
        "(c) The naive setup's growth",
        "The naive setup at the large table against the small one.",
        "naive",
        "naive-small",
        growing,
    )
    section(
        "(d) What authentication costs",
        "The production render with an editor's API token on every request (the token's"
        " user and permissions read from Redis in one round trip, accounts.cached_access,"
        " then the model-permission check) against the same render with the API open to"
        " anonymous clients, as it was before log-in: same run, same table, through nginx.",
        "production",
        "open",
        names,
    )
    if previous:
        before = previous["production"]
        logged_in = before.get("auth", "none") in AUTHENTICATION
        what = (
            "what changed since then"
            if logged_in
            else "what authentication costs against the report from before it, as issue 13"
            " asks; (d) is the same-run figure"
        )
        out.append(
            "\n## (e) Against the previous report\n\n"
            f"The production render through nginx now (an API token on every request,"
            f" {results['production']['customers']:,} customers) against the previous"
            f" report's, measured {before['measured_at'][:10]}"
            f" ({AUTHENTICATION.get(before.get('auth', 'none'), 'no log-in')},"
            f" {before['customers']:,} customers): {what}. Different days of a shared"
            " machine: only a difference well beyond the run-to-run spread is a finding."
            " The ratios are left over right.\n"
        )
        pair(
            "now",
            f"before ({before['measured_at'][:10]})",
            names,
            runs["production"],
            by_scenario(before),
        )
    return "\n".join(out) + "\n"
