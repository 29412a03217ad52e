"""The instruction-count report: the API beside its two floors with issue
23's ratio verdicts, each production feature's share of a request, the
repeatability of each configuration and, with a baseline, the API before
and after. Each figure is the lowest of the runs (the count a request
needs; a run can only add noise)."""

import time

from support.host import machine

# Issue 23: the API against the lean floor (no middleware), per scenario.
READ_LIMIT, CREATE_LIMIT = 1.15, 1.3
FEATURE_LIMIT = 0.10
WITHOUT = "without "


def lowest(runs: list[dict]) -> dict[str, float]:
    return {name: min(r[name] for r in runs) for name in runs[0]}


def limit(scenario: str) -> float:
    return CREATE_LIMIT if scenario == "create" else READ_LIMIT


def verdicts(counted: dict[str, list[dict]]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) per scenario against the lean floor, then
    per feature; a miss's verdict says where the difference goes."""
    api, lean = lowest(counted["API"]), lowest(counted["lean"])
    shares = feature_shares(counted)
    out = []
    for name, count in api.items():
        share = count / lean[name]
        out.append(
            (
                f"{name}: API <= {limit(name):g}x the lean floor's instructions",
                f"{count / 1e6:.2f} M against {lean[name] / 1e6:.2f} M ({share:.3f}x)",
                "met" if share <= limit(name) else f"**missed**: {_why(name, api, lean, shares)}",
            )
        )
    for feature, share in shares.items():
        worst = max(share, key=share.get)
        out.append(
            (
                f"{feature}: <= {FEATURE_LIMIT:.0%} of a request's instructions",
                ", ".join(f"{n} {s:.1%}" for n, s in share.items()),
                "met" if share[worst] <= FEATURE_LIMIT else f"**missed**: {worst}",
            )
        )
    return out


def _why(name: str, api: dict, lean: dict, shares: dict[str, dict[str, float]]) -> str:
    """Where the API's instructions above the lean floor's go, as far as the
    per-feature counts tell."""
    drf = "DRF's request cycle" + (" and its serializer's validation" if name == "create" else "")
    rest = f"{drf} and the middleware that protects (host check, HTTPS, headers)"
    if not shares:
        return f"{(api[name] - lean[name]) / 1e6:.2f} M more: {rest}"
    features = {f: s[name] * api[name] for f, s in shares.items() if s[name] > 0}
    without = api[name] - sum(features.values())
    named = ", ".join(f"{f} {n / 1e6:.2f} M" for f, n in features.items() if n >= 10_000)
    return (
        f"{named}; without them {without / 1e6:.2f} M ({without / lean[name]:.2f}x),"
        f" the rest {rest}"
    )


def feature_shares(counted: dict[str, list[dict]]) -> dict[str, dict[str, float]]:
    """{feature: {scenario: its share of the API's instructions}}."""
    api = lowest(counted["API"])
    out = {}
    for key, runs in counted.items():
        if key.startswith(WITHOUT):
            without = lowest(runs)
            out[key[len(WITHOUT) :]] = {n: (api[n] - without[n]) / api[n] for n in api}
    return out


def floors_table(counted: dict[str, list[dict]]) -> list[str]:
    api, lean, bare = (lowest(counted[k]) for k in ("API", "lean", "bare"))
    lines = [
        "| scenario | API (M) | lean (M) | bare (M) | API / lean | API / bare | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, count in api.items():
        share = count / lean[name]
        floor = bare.get(name)
        verdict = "met" if share <= limit(name) else "**missed**"
        lines.append(
            f"| {name} | {count / 1e6:.2f} | {lean[name] / 1e6:.2f}"
            + (f" | {floor / 1e6:.2f}" if floor else " | -")
            + f" | {share:.3f}x"
            + (f" | {count / floor:.1f}x" if floor else " | -")
            + f" | {verdict} (<= {limit(name):g}x) |"
        )
    return lines


def features_table(counted: dict[str, list[dict]]) -> list[str]:
    shares = feature_shares(counted)
    if not shares:
        return []
    names = list(lowest(counted["API"]))
    lines = [
        "| feature | " + " | ".join(names) + " | verdict |",
        "| --- |" + " ---: |" * len(names) + " --- |",
    ]
    for feature, share in shares.items():
        met = max(share.values()) <= FEATURE_LIMIT
        lines.append(
            f"| {feature} | "
            + " | ".join(f"{share[n]:.1%}" for n in names)
            + f" | {'met' if met else '**missed**'} (<= {FEATURE_LIMIT:.0%}) |"
        )
    return lines


def spread_table(counted: dict[str, list[dict]]) -> list[str]:
    names = list(lowest(counted["API"]))
    lines = [
        "| configuration | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for key, runs in counted.items():
        cells = []
        for n in names:
            counts = [r[n] for r in runs if n in r]
            cells.append(f"{(max(counts) - min(counts)) / min(counts):.2%}" if counts else "-")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def baseline_table(baseline: str, before: list[dict], after: list[dict]) -> list[str]:
    lines = [f"| scenario | {baseline} (M) | HEAD (M) | HEAD / {baseline} |"]
    lines.append("| --- | ---: | ---: | ---: |")
    old, new = lowest(before), lowest(after)
    for name in new:
        lines.append(
            f"| {name} | {old[name] / 1e6:.2f} | {new[name] / 1e6:.2f}"
            f" | {new[name] / old[name]:.3f} |"
        )
    return lines


def report(counted: dict, requests: int, customers: int, command: str, baseline: str | None) -> str:
    head = counted["HEAD"]
    runs = len(head["API"])
    lines = [
        "# Instructions per request: the API against its floors",
        "",
        f"Measured by `{command}` on {machine()}, {time.strftime('%Y-%m-%d')}, in one run:"
        f" {customers:,} customers, {requests} requests per scenario counted under callgrind"
        f" (one gunicorn worker, one thread, the same request sequence for every"
        f" configuration), {f'the lowest of {runs} fresh starts' if runs > 1 else 'one start'}"
        " each. Every request carries an"
        " editor's API token. Millions of instructions (M) per request.",
        "",
        "- API: the defaults render, production settings (every middleware and feature);",
        "- lean: plain Django views with the API's token class and model permissions and no"
        " middleware at all (tools/bench_floor, its own settings module and urlconf), the"
        " API's own queries (its search's SQL, its detail's statement), checked to answer"
        " the API's status, Content-Type and bytes before it was counted;",
        "- bare: a WSGI callable with no Django request cycle (knox's token check as one SQL"
        " query, the API's SQL through psycopg, orjson), checked likewise; it only reads,"
        " so create has no bare figure. It is the physical floor of producing those bytes in"
        " Python.",
        "",
        "## Targets (issue 23)",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
    ]
    for target, measured, verdict in verdicts(head):
        lines.append(f"| {target} | {measured} | {verdict} |")
    lines += ["", "## The API and its floors", "", *floors_table(head)]
    features = features_table(head)
    if features:
        lines += [
            "",
            "## What each production feature costs",
            "",
            "Each feature's share: (API - API without it) / API, the feature switched off by"
            " a settings module over production's in a copy of the render, from both"
            " middleware chains (the full one and the thin path's for token requests)."
            " Metrics: the request middleware (django-prometheus' pair on the full chain,"
            " RequestMetricsMiddleware on the thin path; the database and cache wrappers'"
            " counters stay); JSON access log: RequestLogMiddleware; rate limits: their"
            " counters in the process's memory instead of Redis (the round trip; no"
            " setting turns the counting off); audit middleware:"
            " accounts.audit.AuditMiddleware, which the thin path leaves out already (the"
            " audit trail of a create is recorded by django-auditlog's signals, which no"
            " setting turns off, so it is in every figure).",
            "",
            *features,
        ]
    if runs > 1:
        lines += [
            "",
            "## Repeatability",
            "",
            f"How far the {runs} fresh starts of each configuration differ (highest - lowest)"
            " / lowest.",
            "",
            *spread_table(head),
        ]
    if baseline:
        lines += [
            "",
            f"## Against {baseline}",
            "",
            *baseline_table(baseline, counted[baseline]["API"], head["API"]),
        ]
    return "\n".join(lines) + "\n"
