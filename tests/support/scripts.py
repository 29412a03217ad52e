"""A render's scripts/ packages (rehearsal, benchmarking), imported into the
test process the way the render's own scripts import them, and forgotten
again afterwards so that the next render's copy is the one imported."""

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

PACKAGES = ("rehearsal", "benchmarking")


@contextmanager
def imported(project: Path, package: str) -> Iterator[ModuleType]:
    scripts = str(project / "scripts")
    sys.path.insert(0, scripts)
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(scripts)
        for name in [n for n in sys.modules if n.split(".")[0] in PACKAGES]:
            del sys.modules[name]
