"""What the rehearsal prints: a line per step, one per check that held, and
RehearsalFailed for the first that did not."""

import shutil


class RehearsalFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise RehearsalFailed(message)
    done(message)


def done(message: str) -> None:
    """Report a step that raises on failure by itself."""
    print(f"    ok: {message}", flush=True)


def require(*programs: str) -> dict[str, str]:
    """Each program's path; RehearsalFailed naming those not installed."""
    found = {name: shutil.which(name) for name in programs}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise RehearsalFailed(f"not installed: {', '.join(missing)}")
    return found
