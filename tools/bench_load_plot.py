"""The load report's plot: CPU per request per process class, p95 latency
and throughput per scenario, every configuration side by side."""

from pathlib import Path

from bench_load_configs import CONFIGURATIONS, by_scenario, classes, scenario_names

PLAYBOOK_P95_MS = 500
# The configurations whose CPU is stacked by class: the API, its two floors,
# the everything-off render and the API without log-in.
CPU_CONFIGURATIONS = ("production", "lean", "bare-floor", "bare", "open")
# A scenario a configuration leaves out (the bare floor's create): no bar.
ABSENT = {"cpu_ms": {}, "p95_ms": 0.0, "throughput": 0.0, "throughput_range": [0.0, 0.0]}


def plot(results: dict[str, dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "bench-load"  # stable ids: diffable
    matplotlib.rcParams["svg.fonttype"] = "none"  # text as text, not glyph outlines
    names = scenario_names(results)
    figure, (cpu, latency, throughput) = plt.subplots(3, 1, figsize=(11, 12), sharex=True)
    width = 0.8 / len(CPU_CONFIGURATIONS)
    colours = dict(
        zip(classes(results), plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False)
    )
    for i, key in enumerate(CPU_CONFIGURATIONS):
        runs = {n: by_scenario(results[key]).get(n, ABSENT) for n in names}
        xs = [n + (i - len(CPU_CONFIGURATIONS) / 2 + 0.5) * width for n in range(len(names))]
        bottom = [0.0] * len(names)
        for name, colour in colours.items():
            heights = [runs[n]["cpu_ms"].get(name, 0.0) for n in names]
            cpu.bar(
                xs,
                heights,
                width,
                bottom=bottom,
                color=colour,
                edgecolor="white",
                label=name if i == 0 else None,
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        for x, top in zip(xs, bottom, strict=True):
            cpu.text(x, top, key, ha="center", va="bottom", fontsize=6, rotation=90)
    cpu.set_ylabel("servers' CPU ms per request")
    cpu.legend(fontsize=8, loc="upper left", title="process class", title_fontsize=8)
    width = 0.8 / len(CONFIGURATIONS)
    for i, config in enumerate(CONFIGURATIONS):
        runs = {n: by_scenario(results[config.key]).get(n, ABSENT) for n in names}
        xs = [n + (i - len(CONFIGURATIONS) / 2 + 0.5) * width for n in range(len(names))]
        label = f"{config.title} ({results[config.key]['customers']:,})"
        latency.bar(
            xs,
            [max(runs[n]["p95_ms"], 0.1) if runs[n]["p95_ms"] else 0.0 for n in names],
            width,
            label=label,
        )
        middle = [runs[n]["throughput"] for n in names]
        spread = [
            [m - runs[n]["throughput_range"][0] for n, m in zip(names, middle, strict=True)],
            [runs[n]["throughput_range"][1] - m for n, m in zip(names, middle, strict=True)],
        ]
        throughput.bar(xs, middle, width, yerr=spread, capsize=2, label=label)
    latency.set_yscale("log")
    latency.axhline(PLAYBOOK_P95_MS, color="crimson", linestyle="--", linewidth=1)
    latency.text(
        len(names) - 0.5, PLAYBOOK_P95_MS * 1.05, "playbook: p95 < 500 ms", ha="right", fontsize=8
    )
    latency.set_ylabel("closed-loop p95 latency, ms (log)")
    throughput.legend(fontsize=7, loc="upper left", ncols=2)
    throughput.set_ylabel("requests per second (median run, lowest to highest)")
    throughput.set_xticks(range(len(names)), names)
    run = results["production"]
    figure.suptitle(
        f"CPU per request from /proc; wrk, {run['connections']} concurrent clients,"
        f" the median of {run['repeats']} runs of {run['duration']} s per scenario"
    )
    figure.tight_layout()
    figure.savefig(path, metadata={"Date": None})
    plt.close(figure)
