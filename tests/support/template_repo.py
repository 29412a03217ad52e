"""The template as a git repository with release tags, and projects made from it.

`copier update` needs what a user has: a template repository whose releases
are PEP 440 tags, and a project that is itself a clean git repository. These
helpers build both in temporary directories, from this checkout's working
tree (committed or not) and its own release tags (`release_tags`), and never
touch the checkout's own repository.

Every copier command runs in a network namespace of its own with nothing but
loopback (`unshare --net`): rendering and updating must not need a network.
"""

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from packaging.version import InvalidVersion, Version

TEMPLATE = Path(__file__).resolve().parents[2]
COPIER = str(Path(sys.executable).with_name("copier"))
# Where the frontend's nginx files sit in the template.
NGINX = Path("template/[% if use_frontend %]frontend[% endif %]/nginx")

# A fixed identity and no global or system git configuration: commits work on
# any machine, and no one's signing, hooks or default branch get in the way.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "template-tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "template-tests@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def env() -> dict[str, str]:
    return {**os.environ, **GIT_ENV}


def run_git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A git command; never raises on failure."""
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env(), capture_output=True, text=True, check=False
    )


def git(cwd: Path, *args: str) -> str:
    result = run_git(cwd, *args)
    assert result.returncode == 0, f"git {' '.join(args)} in {cwd}:\n{result.stderr}"
    return result.stdout


def commit_all(repository: Path, message: str) -> None:
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--no-gpg-sign", "-m", message)


def copy_template(destination: Path) -> Path:
    """This checkout's files as git sees them (tracked or new, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=TEMPLATE,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in sorted(set(filter(None, listed.split("\0")))):
        source = TEMPLATE / name
        if source.is_file():  # a file deleted or renamed in the working tree is gone
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def release_tags() -> list[str]:
    """This checkout's own releases: its tags `v*` that are final PEP 440
    versions, oldest first. None in a clone without tags (CI fetches them)."""
    listed = subprocess.run(
        ["git", "tag", "--list", "v*"], cwd=TEMPLATE, capture_output=True, text=True, check=True
    ).stdout.split()
    releases = []
    for name in listed:
        try:
            version = Version(name)
        except InvalidVersion:
            continue  # copier ignores what is not a PEP 440 version too
        if not (version.is_prerelease or version.local):
            releases.append(name)
    return sorted(releases, key=Version)


def export_release(repository: Path, tag: str) -> None:
    """The files of this checkout's tag in place of the repository's, staged."""
    git(repository, "rm", "-r", "--quiet", "--ignore-unmatch", ".")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", tag], cwd=TEMPLATE, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as files:
        files.extractall(repository, filter="data")
    git(repository, "add", "--all")


def init_repository(path: Path) -> None:
    git(path, "init", "--quiet", "--initial-branch=main")


def tag(repository: Path, name: str) -> None:
    git(repository, "tag", name)


def move_proxy_snippet_back(template: Path) -> None:
    """The layout before 0.1.0: proxy.conf beside default.conf.template, copied
    into the image on its own (see migrations/0.1.0-nginx-proxy-snippet.py).
    The template's files must be staged or committed (git mv)."""
    git(template, "mv", str(NGINX / "snippets/proxy.conf"), str(NGINX / "proxy.conf"))
    dockerfile = template / NGINX.parent / "Dockerfile.jinja"
    text = dockerfile.read_text()
    snippets = "COPY nginx/snippets/ /etc/nginx/snippets/\n"
    if snippets in text:
        old_copy = "COPY nginx/proxy.conf /etc/nginx/snippets/proxy.conf\n"
        dockerfile.write_text(text.replace(snippets, old_copy + snippets))


def without_migrations(copier_yml: str) -> str:
    """copier.yml with its _migrations block taken out."""
    start = copier_yml.index("\n_migrations:\n") + 1
    end = copier_yml.index("\n\n", start) + 1
    return copier_yml[:start] + copier_yml[end:]


def copier(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run copier with no network; never raises on failure."""
    if shutil.which("unshare") is None:
        raise RuntimeError("unshare (util-linux) is needed to run copier without a network")
    return subprocess.run(
        ["unshare", "--net", "--", COPIER, *args],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def data_args(answers: dict) -> list[str]:
    args = []
    for key, value in answers.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        args += ["--data", f"{key}={text}"]
    return args


def render(template: Path, destination: Path, answers: dict, vcs_ref: str) -> Path:
    """`copier copy` at a release, then commit the project as its user would."""
    result = copier(
        "copy",
        "--defaults",
        "--quiet",
        "--vcs-ref",
        vcs_ref,
        *data_args(answers),
        str(template),
        str(destination),
    )
    assert result.returncode == 0, result.stderr
    init_repository(destination)
    commit_all(destination, f"Render from the template at {vcs_ref}")
    return destination


def update(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`copier update --defaults` in the project: the last answers, kept."""
    return copier("update", "--defaults", *args, cwd=project)


def status(project: Path) -> list[str]:
    """git status --porcelain, one entry a line (untracked files listed one by one)."""
    return git(project, "status", "--porcelain", "--untracked-files=all").splitlines()


def unmerged(project: Path) -> set[str]:
    return {line.split("\t", 1)[1] for line in git(project, "ls-files", "--unmerged").splitlines()}


def files(project: Path) -> set[str]:
    """Every file in the project but git's own, as paths relative to it."""
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }
