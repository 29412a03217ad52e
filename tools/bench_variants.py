"""Throwaway copies of a render that the benchmarks measure beside it: one
more settings module, or a floor (tools/bench_floor) that answers the
API's requests with the API's bytes. Never part of a project."""

import shutil
from pathlib import Path

from support.projects import Project

FLOOR = Path(__file__).resolve().parent / "bench_floor"
FLOOR_HEADER = "X-Benchmark-Floor"
FLOOR_MODULES = ("__init__.py", "pages.py", "views.py", "urls.py", "bare.py")
# What the bare floor's copy adds to the project's WSGI module.
BARE_WSGI = """
# The bare floor (benchmark copy only): a request with X-Benchmark-Floor is
# answered without Django where the floor can.
from benchmark_floor.bare import wrap  # noqa: E402

application = wrap(application)
"""


def variant_copy(
    project: Project, workdir: Path, name: str, settings: str | None, module: str = ""
) -> Project:
    """A copy of the render (workdir/<name>) with one more settings module,
    settings/<module or name>.py."""
    target = workdir / name
    if not target.exists():
        shutil.copytree(
            project.path, target, ignore=shutil.ignore_patterns("node_modules", ".venv")
        )
        package = project.answers["django_project"]
        if settings is not None:
            (target / "backend" / package / "settings" / f"{module or name}.py").write_text(
                settings
            )
    return Project(name, target)


def floor_copy(project: Project, workdir: Path, kind: str) -> Project:
    """A copy of the render with a floor: "lean" (plain Django views, no
    middleware: settings/lean.py) or "bare" (a WSGI callable around the
    project's, production settings)."""
    name = f"floor-{kind}"
    settings = (FLOOR / "settings.py").read_text() if kind == "lean" else None
    copy = variant_copy(project, workdir, name, settings, module=kind)
    app = copy.path / "backend" / "benchmark_floor"
    if not app.exists():
        app.mkdir()
        for module in FLOOR_MODULES:
            shutil.copy(FLOOR / module, app / module)
        if kind == "bare":
            wsgi = copy.path / "backend" / project.answers["django_project"] / "wsgi.py"
            wsgi.write_text(wsgi.read_text() + BARE_WSGI)
    return copy
