"""Instructions per request: the defaults render's scripts/benchmark.py
--instructions, one gunicorn worker under callgrind, a fixed sequence of
requests per scenario. Unlike CPU time, the count hardly moves with the
machine's load, so it shows what one change costs or saves; --runs 2 (the
default) measures it twice, from two fresh starts, and prints how far the
two runs differ.

With --baseline REF it also counts the template at another git ref (a
commit before a change, say) in the same run, and prints the two side by
side: what the change saves or costs, per scenario.

    tools/bench-instructions [--customers 100000] [--requests 200] [--runs 2] [--baseline REF]
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

from support.answers import ANSWER_SETS  # noqa: E402
from support.projects import Project  # noqa: E402


def count(project: Project, workdir: Path, customers: int, requests: int, run: int) -> dict:
    output = workdir / f"instructions-{run}.json"
    command = [
        str(project.venv() / "bin" / "python"),
        "scripts/benchmark.py",
        "--instructions",
        str(requests),
        "--customers",
        str(customers),
        "--json",
        str(output),
    ]
    subprocess.run(command, cwd=project.path, env=project.env(), check=True)
    return json.loads(output.read_text())["instructions"]


def table(title: str, runs: list[dict]) -> list[str]:
    lines = [f"| {title} | " + " | ".join(f"run {n + 1}" for n in range(len(runs))) + " | spread |"]
    lines.append("| --- |" + " ---: |" * (len(runs) + 1))
    for name in runs[0]:
        counts = [r[name] for r in runs]
        spread = (max(counts) - min(counts)) / min(counts)
        cells = " | ".join(f"{c:,.0f}" for c in counts)
        lines.append(f"| {name} | {cells} | {spread:.2%} |")
    return lines


def comparison(baseline: str, base: list[dict], runs: list[dict]) -> list[str]:
    """Each scenario's lowest count at the baseline and now, side by side."""
    lines = [f"| scenario | {baseline} | HEAD | HEAD / {baseline} |"]
    lines.append("| --- | ---: | ---: | ---: |")
    for name in runs[0]:
        before, after = min(r[name] for r in base), min(r[name] for r in runs)
        lines.append(f"| {name} | {before:,.0f} | {after:,.0f} | {after / before:.3f} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="counted per scenario")
    parser.add_argument("--runs", type=int, default=2, help="fresh starts to compare")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also count the template at this git ref, in the same run, and compare",
    )
    parser.add_argument("--json", type=Path, help="also write the counts here")
    args = parser.parse_args()

    from copier import run_copy

    workdir = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    counted = {}
    try:
        for ref in ("HEAD", *([args.baseline] if args.baseline else [])):
            target = workdir / ref.replace("/", "-")
            run_copy(
                str(TEMPLATE),
                str(target),
                data=ANSWER_SETS["defaults"],
                defaults=True,
                vcs_ref=ref,
                quiet=True,
            )
            project = Project("production", target)
            counted[ref] = [
                count(project, workdir, args.customers, args.requests, n) for n in range(args.runs)
            ]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nInstructions per request ({args.requests} requests a scenario, callgrind):")
    for ref, runs in counted.items():
        print("\n".join(["", *table(ref, runs)]))
    if args.baseline:
        print("\n".join(["", *comparison(args.baseline, counted[args.baseline], counted["HEAD"])]))
    if args.json:
        args.json.write_text(json.dumps({"requests": args.requests, "runs": counted}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
