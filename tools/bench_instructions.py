"""Instructions per request: the defaults render's scripts/benchmark.py
--instructions, one gunicorn worker under callgrind, a fixed sequence of
requests per scenario. Unlike CPU time, the count hardly moves with the
machine's load, so it shows what one change costs or saves; --runs 2 (the
default) measures it twice, from two fresh starts, and prints how far the
two runs differ.

    tools/bench-instructions [--customers 100000] [--requests 200] [--runs 2]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="counted per scenario")
    parser.add_argument("--runs", type=int, default=2, help="fresh starts to compare")
    parser.add_argument("--json", type=Path, help="also write the counts here")
    args = parser.parse_args()

    from copier import run_copy

    workdir = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    try:
        run_copy(
            str(TEMPLATE),
            str(workdir / "production"),
            data=ANSWER_SETS["defaults"],
            defaults=True,
            vcs_ref="HEAD",
            quiet=True,
        )
        project = Project("production", workdir / "production")
        runs = [count(project, workdir, args.customers, args.requests, n) for n in range(args.runs)]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nInstructions per request ({args.requests} requests a scenario, callgrind):")
    print("| scenario | " + " | ".join(f"run {n + 1}" for n in range(args.runs)) + " | spread |")
    print("| --- |" + " ---: |" * (args.runs + 1))
    for name in runs[0]:
        counts = [r[name] for r in runs]
        spread = (max(counts) - min(counts)) / min(counts)
        cells = " | ".join(f"{c:,.0f}" for c in counts)
        print(f"| {name} | {cells} | {spread:.2%} |")
    if args.json:
        args.json.write_text(json.dumps({"requests": args.requests, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
