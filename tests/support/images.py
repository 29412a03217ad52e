"""The renders' images, built for real over the stand-in bases and run with
podman, through the render's own scripts/rehearsal/containers.py (the
module its rehearsal's --images switch uses).

Which answer sets are built: one per distinct build context. A context is
what the Dockerfile's COPY can see (its .dockerignore applied), with the
names a render was given (project, package, domain) taken out, so that two
answer sets whose images would hold the same files build once.
"""

import hashlib
from pathlib import Path

from . import standins
from .dockerfiles import DockerIgnore
from .scripts import imported

NAMES = ("project_name", "project_slug", "django_project", "domain_name")
# Every build context the answer sets produce, once (test_images checks this
# covers them all, and nothing twice): the first answer set with that context.
IMAGE_SETS = [
    "defaults",
    "everything-off",
    "all-on",
    "renamed",
    "no-redis",
    "no-frontend",
    "no-rate-limiting",
    "no-monitoring",
]


def signature(project, part: str) -> str | None:
    """A digest of the build context of `part` (backend, frontend), without
    the render's names; None where the render has no such part."""
    context = project.path / part
    if not (context / "Dockerfile").exists():
        return None
    ignore = DockerIgnore.read(context)
    digest = hashlib.sha256()
    for path in sorted(context.rglob("*")):
        relative = path.relative_to(context).as_posix()
        if path.is_file() and not ignore.excludes(relative):
            content = relative.encode() + b"\0" + path.read_bytes()
            for name in NAMES:
                content = content.replace(str(project.answers[name]).encode(), name.encode())
            digest.update(content + b"\0")
    return digest.hexdigest()


def tag(project, part: str, target: str | None = None) -> str:
    return f"localhost/template-test/{project.name}-{part}:{target or 'latest'}"


def build(project, part: str, target: str | None = None, context: Path | None = None):
    """Build `part` of `project` with the render's own build command, over
    the stand-ins of its base images; the engine's result, never raised.
    `context`: a changed copy of the part, built under a tag of its own."""
    name = (
        tag(project, part, target) if context is None else f"localhost/template-test/{part}:changed"
    )
    context = context or project.path / part
    standins.ensure_bases(context / "Dockerfile")
    with imported(project.path, "rehearsal.containers") as containers:
        return containers.build(context, name, target)
