"""The project's images, built from its Dockerfiles and run with podman (no
Docker daemon): the rehearsal's --images switch starts the real artifacts
through this module, and so do the project's image tests.

Containers run as the production stack runs them: its read-only root file
system and tmpfs mounts (docker-compose.prod.yml), the image's own user,
the secrets as files under /run/secrets. The backend shares the host's
network and binds to loopback; the frontend gets a network namespace of its
own (slirp4netns), its ports published on loopback only, and reaches the
backend through the namespace's gateway to the host's loopback.
"""

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import yaml

from .project import ROOT, SLUG
from .report import check, step

ENGINE = os.environ.get("CONTAINER_ENGINE", "podman")
# A network namespace of its own for a container (slirp4netns), from which
# it reaches this machine's loopback at HOST_LOOPBACK; connections to its
# published ports arrive from within SUBNET.
OWN_NETWORK = "slirp4netns:allow_host_loopback=true"
HOST_LOOPBACK = "10.0.2.2"
SUBNET = "10.0.2.0/24"


def engine(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The container engine; never raises on failure."""
    return subprocess.run(
        [ENGINE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def build(context: Path, tag: str, target: str | None = None) -> subprocess.CompletedProcess:
    """The image of `context`'s Dockerfile (one stage of it: `target`), as
    `docker compose build` builds it; never raises on failure."""
    return engine(
        "build",
        # Docker's image format keeps HEALTHCHECK; OCI's has no such field.
        "--format",
        "docker",
        "--layers",
        *(["--target", target] if target else []),
        "--tag",
        tag,
        str(context),
        timeout=1800,
    )


def build_or_fail(part: str, target: str | None = None) -> str:
    """The project's `part` (backend, frontend) image, built; its tag."""
    step(f"The {part}'s image, built by {ENGINE} from {part}/Dockerfile")
    tag = f"localhost/{SLUG}-{part}:rehearsal"
    result = build(ROOT / part, tag, target)
    check(
        result.returncode == 0,
        f"the {part} image builds"
        + ("" if result.returncode == 0 else f": {result.stderr[-3000:]}"),
    )
    return tag


def running(name: str) -> list[str]:
    """`podman run` for a server the rehearsal starts and stops itself: in
    the foreground (stopping the client stops the container), named after
    the project, replacing a container left behind by an interrupted run."""
    return [ENGINE, "run", "--rm", "--replace", "--name", f"{SLUG}-rehearsal-{name}"]


@dataclass(frozen=True)
class Image:
    tag: str
    size: int
    layers: int
    user: str
    healthcheck: list[str]

    @classmethod
    def inspect(cls, tag: str) -> Self:
        result = engine("image", "inspect", "--format", "json", tag)
        if result.returncode != 0:
            raise LookupError(f"no image {tag}: {result.stderr.strip()}")
        facts = json.loads(result.stdout)[0]
        config = facts.get("Config") or {}
        return cls(
            tag=tag,
            size=facts["Size"],
            layers=len(facts["RootFS"]["Layers"]),
            user=config.get("User", ""),
            healthcheck=(facts.get("Healthcheck") or {}).get("Test", []),
        )


def service(name: str) -> dict:
    """A service of docker-compose.prod.yml, as written (not interpolated)."""
    stack = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())
    return stack["services"][name]


def runs_as_stack(name: str) -> list[str]:
    """The `podman run` flags for what the stack's service `name` says of how
    it runs: a read-only root, tmpfs mounts its user may write, no health
    check for a one-off job."""
    spec = service(name)
    flags = ["--read-only"] if spec.get("read_only") else []
    if spec.get("healthcheck", {}).get("disable"):
        flags.append("--no-healthcheck")
    for path in spec.get("tmpfs", []):
        # Docker makes a tmpfs mode 1777; podman gives it the image
        # directory's mode, owned by root: U hands it to the container's user.
        flags += ["--tmpfs", f"{path}:rw,U"]
    return flags


class Container:
    def __init__(self, name: str, image: str, secrets: Path) -> None:
        self.name = name
        self.image = image
        self.secrets = secrets

    def exec(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return engine("exec", self.name, *command, timeout=timeout)

    def healthcheck(self) -> subprocess.CompletedProcess:
        """The image's HEALTHCHECK command, run inside the container."""
        test = Image.inspect(self.image).healthcheck
        if not test or test[0] == "NONE":
            raise LookupError(f"{self.image} has no HEALTHCHECK")
        command = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
        return self.exec(*command)

    def logs(self) -> str:
        result = engine("logs", self.name)
        return result.stdout + result.stderr

    def stop(self) -> None:
        engine("stop", "--time", "30", self.name, timeout=90)
        engine("rm", "--force", self.name)
        shutil.rmtree(self.secrets, ignore_errors=True)


def run_arguments(
    image: str,
    *,
    env: dict[str, str],
    secrets: dict[str, Path],
    flags: list[str],
    directory: Path,
) -> list[str]:
    """`podman run` arguments (after `run`) for a container of `image` with
    `env`, `flags`, and the `secrets` (name -> file here) mounted read-only at
    /run/secrets/<name>: copies in `directory`, readable by the image's
    unprivileged user, as compose mounts a file secret with its host mode.
    Only the files are mounted: `directory` stays closed to other users here."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    arguments = list(flags)
    for secret, source in secrets.items():
        copy = directory / secret
        shutil.copyfile(source, copy)
        copy.chmod(0o644)
        arguments += ["--volume", f"{copy}:/run/secrets/{secret}:ro"]
    for key, value in env.items():
        arguments += ["--env", f"{key}={value}"]
    return [*arguments, image]


def start(
    image: str,
    name: str,
    *,
    env: dict[str, str],
    secrets: dict[str, Path],
    flags: list[str],
    command: list[str] | None = None,
) -> Container:
    """A container of `image` running its own command (or `command`), detached."""
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-secrets-"))
    container = Container(name, image, directory)
    arguments = run_arguments(image, env=env, secrets=secrets, flags=flags, directory=directory)
    result = engine("run", "--detach", "--name", name, *arguments, *(command or []))
    if result.returncode != 0:
        container.stop()
        raise RuntimeError(f"{name} did not start: {result.stderr[-2000:]}")
    return container


def run_once(
    image: str,
    command: list[str],
    *,
    env: dict[str, str],
    secrets: dict[str, Path],
    flags: list[str],
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """A one-off container of `image` running `command` (the release step, a
    management command), removed afterwards; never raises on failure."""
    directory = Path(tempfile.mkdtemp(prefix="once-secrets-"))
    try:
        arguments = run_arguments(image, env=env, secrets=secrets, flags=flags, directory=directory)
        return engine("run", "--rm", *arguments, *command, timeout=timeout)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
