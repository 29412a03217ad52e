"""The runs of a scenario folded into its figures, the tables printed at
the end, and the playbook's verdict."""

import os
import statistics

from .cpu import CLIENT, server_total

# The playbook's targets, the verdict line.
TARGET_P95_MS = 500
TARGET_ERROR_RATE = 0.001


def fold(name: str, runs: list[dict]) -> dict:
    """The run of median throughput stands for the scenario's latency; CPU
    per request is each class's median over the runs; the range shows how
    far this machine's throughput moves from run to run."""
    runs = sorted(runs, key=lambda r: r["throughput"])
    classes = runs[0]["cpu_ms"]
    cpu = {c: statistics.median(r["cpu_ms"][c] for r in runs) for c in classes}
    total = server_total(cpu)
    return {
        "scenario": name,
        **runs[len(runs) // 2],
        "cpu_ms": cpu,
        "server_cpu_ms": total,
        # The servers share the cores: at full use they serve this many.
        "implied_max_throughput": (os.cpu_count() or 1) * 1000 / total if total else 0.0,
        "throughput_range": [runs[0]["throughput"], runs[-1]["throughput"]],
    }


def table(results: list[dict]) -> str:
    classes = [c for c in results[0]["cpu_ms"] if c != CLIENT]
    lines = [
        "| scenario | requests/s (lowest-highest run) | p50 ms | p95 ms | p99 ms | errors | "
        + " | ".join(f"{c} CPU ms" for c in classes)
        + f" | servers' CPU ms | implied max/s | {CLIENT} CPU ms |",
        "| --- |" + " ---: |" * (len(classes) + 8),
    ]
    for r in results:
        low, high = r["throughput_range"]
        lines.append(
            f"| {r['scenario']} | {r['throughput']:,.0f} ({low:,.0f}-{high:,.0f})"
            f" | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f}"
            f" | {r['errors']} of {r['requests']:,} ({r['error_rate']:.2%}) | "
            + " | ".join(f"{r['cpu_ms'][c]:.2f}" for c in classes)
            + f" | {r['server_cpu_ms']:.2f} | {r['implied_max_throughput']:,.0f}"
            f" | {r['cpu_ms'][CLIENT]:.2f} |"
        )
    return "\n".join(lines)


def open_loop_table(results: list[dict]) -> str:
    lines = [
        "| scenario (open loop) | arrivals/s | p50 ms | p95 ms | p99 ms | late starts | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['scenario']} | {r['rate']:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f}"
            f" | {r['p99_ms']:.1f} | {r['late_starts']} | {r['errors']} of {r['requests']:,} |"
        )
    return "\n".join(lines)


def verdict(results: list[dict]) -> tuple[bool, str]:
    failing = [
        r["scenario"]
        for r in results
        if r["p95_ms"] >= TARGET_P95_MS or r["error_rate"] >= TARGET_ERROR_RATE
    ]
    targets = f"p95 < {TARGET_P95_MS} ms and errors < {TARGET_ERROR_RATE:.1%} in every scenario"
    if failing:
        return False, f"VERDICT: FAIL ({', '.join(failing)}): the playbook's targets are {targets}"
    return True, f"VERDICT: PASS: {targets}"
