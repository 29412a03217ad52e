"""The load benchmark's configurations, set side by side in one run, and
the helpers its report and plot share to read benchmark.py's JSON."""

from dataclasses import dataclass

SCENARIOS = ("list, first page", "list, deep page", "search by last name", "detail", "create")
CLIENT = "client"


@dataclass(frozen=True)
class Configuration:
    key: str
    title: str
    render: str  # "production" or "bare"
    size: str  # "large" or "small"
    via: str = "nginx"
    naive: bool = False
    anonymous: bool = False
    floor: str = ""  # "lean" or "bare": tools/bench_floor
    open_loop: bool = False
    repeats: int = 0  # at most this many runs per scenario; 0: as many as asked


CONFIGURATIONS = [
    Configuration("production", "production, via nginx", "production", "large", open_loop=True),
    Configuration(
        "lean", "lean floor (Django view, no middleware)", "production", "large", floor="lean"
    ),
    Configuration("bare-floor", "bare floor (WSGI + psycopg)", "production", "large", floor="bare"),
    Configuration(
        "open", "production, API open (no log-in)", "production", "large", anonymous=True
    ),
    Configuration(
        "production-direct", "production, straight to gunicorn", "production", "large", "gunicorn"
    ),
    Configuration(
        "production-small", "production, small table", "production", "small", open_loop=True
    ),
    Configuration("bare", "bare (every feature off)", "bare", "large", "gunicorn"),
    # The naive setup is orders of magnitude off: one run says as much as three.
    Configuration("naive", "naive setup", "production", "large", naive=True, repeats=1),
    Configuration(
        "naive-small", "naive setup, small table", "production", "small", naive=True, repeats=1
    ),
]


def by_scenario(run: dict) -> dict[str, dict]:
    return {r["scenario"]: r for r in run["results"]}


def open_loop(run: dict) -> dict[str, dict]:
    return {r["scenario"]: r for r in run.get("open_loop", [])}


def scenario_names(results: dict[str, dict]) -> list[str]:
    return [r["scenario"] for r in results["production"]["results"]]


def classes(results: dict[str, dict]) -> list[str]:
    """The server process classes of the production render, in their order."""
    return [c for c in results["production"]["results"][0]["cpu_ms"] if c != CLIENT]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if a and b else "n/a"
