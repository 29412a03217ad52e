"""First contact: the template's two commands on a fresh machine, and the
rendered project's local HTTPS certificate."""

import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from support.template_repo import TEMPLATE, copier

TOOLS = TEMPLATE / "tools"


# ---------------------------------------------------------------------------
# scripts/dev-certificate.sh, the local stack's certificate
# ---------------------------------------------------------------------------


def openssl(*args: str) -> str:
    return subprocess.run(
        ["openssl", *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize("name", ["defaults", "renamed"])
def test_the_dev_certificate_is_a_server_certificate_for_localhost(name, render, tmp_path):
    project = render(name)
    script = project.path / "scripts" / "dev-certificate.sh"
    assert os.access(script, os.X_OK)
    linted = subprocess.run(["shellcheck", script], capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout
    # Run as the README says, in a copy of the project: it writes secrets/.
    copy = tmp_path / "project"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy2(script, copy / "scripts")
    made = subprocess.run(
        ["scripts/dev-certificate.sh"], cwd=copy, capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    secrets = copy / "secrets"
    certificate, key = secrets / "dev-tls.crt", secrets / "dev-tls.key"

    extensions = openssl(
        "x509", "-in", str(certificate), "-noout", "-ext",
        "subjectAltName,basicConstraints,extendedKeyUsage",
    )  # fmt: skip
    assert re.search(r"DNS:localhost, IP Address:127\.0\.0\.1\n", extensions)
    assert "CA:FALSE" in extensions and "TLS Web Server Authentication" in extensions
    # Valid now and for most of a year.
    assert "will not expire" in openssl(
        "x509", "-in", str(certificate), "-noout", "-checkend", str(300 * 86400)
    )
    # The key is the certificate's.
    public = openssl("pkey", "-in", str(key), "-pubout")
    assert public == openssl("x509", "-in", str(certificate), "-noout", "-pubkey")

    # Other users are kept out by the directory; the key itself stays readable,
    # since compose bind-mounts it as it is and the image's nginx is uid 101.
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    assert stat.S_IMODE(key.stat().st_mode) == 0o644

    # A second run keeps the pair.
    before = certificate.read_bytes(), key.read_bytes()
    again = subprocess.run([script, secrets], capture_output=True, text=True, check=False)
    assert again.returncode == 0 and "kept" in again.stdout
    assert (certificate.read_bytes(), key.read_bytes()) == before


def test_only_the_image_user_reads_the_dev_key_as_compose_mounts_it(render, tmp_path):
    """Another user (nobody, as uid 101 is in the container) reads the key
    through a bind mount, as docker compose mounts it, but not through secrets/."""
    project = render("defaults")
    secrets = tmp_path / "secrets"
    subprocess.run([project.path / "scripts/dev-certificate.sh", secrets], check=True)
    mounts = Path(tempfile.mkdtemp(prefix="template-tests-mounts-"))
    try:
        mounts.chmod(0o755)
        target = mounts / "tls_private_key"
        target.touch()
        result = subprocess.run(
            [
                *("unshare", "--mount", "sh", "-c"),
                'mount --bind "$1" "$2" && runuser -u nobody -- openssl pkey -in "$2" -noout'
                ' && ! runuser -u nobody -- cat "$1" 2>/dev/null',
                *("sh", secrets / "dev-tls.key", target),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(mounts)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["all-on", "no-frontend"])
def test_without_tls_at_nginx_there_is_no_dev_certificate(name, render):
    project = render(name)
    assert not (project.path / "scripts" / "dev-certificate.sh").exists()
    assert "secrets/dev-tls" not in (project.path / "docker-compose.yml").read_text()


# ---------------------------------------------------------------------------
# The template's two commands: tools/demo and tools/test
# ---------------------------------------------------------------------------


def test_the_readme_gives_two_commands_and_ci_runs_the_test_one():
    readme = (TEMPLATE / "README.md").read_text()
    section = readme.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```$", section, re.M | re.S)
    commands = [block.strip() for block in blocks]
    assert commands == ["tools/demo ../customer-management-demo", "tools/test"]
    ci = [
        line
        for line in (TEMPLATE / ".ci/run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci == ["tools/test"]


@pytest.mark.parametrize(
    ("target", "says", "never"),
    [
        ("compose", [".env.example shows", 'README.md, "Deploy"'], ["KUBERNETES.md"]),
        ("kubernetes", ["docs/KUBERNETES.md shows", '"First deployment"'], [".env.example"]),
    ],
)
def test_the_next_steps_and_the_deploy_section_follow_the_deploy_target(
    target, says, never, tmp_path
):
    answers = ["--data", f"deploy_target={target}"]
    if target == "kubernetes":
        answers += ["--data", "tls_termination=load_balancer"]
    result = copier(
        "copy",
        "--defaults",
        "--vcs-ref",
        "HEAD",
        *answers,
        str(TEMPLATE),
        str(tmp_path / "project"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    steps = (result.stdout + result.stderr).split("Next steps:", 1)[1]
    assert all(text in steps for text in says), steps
    assert not any(text in steps for text in never), steps
    readme = (tmp_path / "project" / "README.md").read_text()
    deploy = readme.split("\n## Deploy\n", 1)[1].split("\n## ", 1)[0]
    if target == "kubernetes":
        assert "overlays of `deploy/kubernetes/`" in deploy
        assert "--env-file .env.production" not in deploy
    else:
        assert (
            "docker compose -f docker-compose.prod.yml --env-file .env.production up -d" in deploy
        )


def test_the_tools_pass_shellcheck():
    scripts = ["test", "demo", "lock", "system-packages", "bootstrap.sh"]
    result = subprocess.run(
        ["shellcheck", "--external-sources", "--source-path=SCRIPTDIR", *scripts],
        cwd=TOOLS,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_tools_demo_renders_a_relative_destination_where_it_is_run(tmp_path):
    caller = tmp_path / "elsewhere"
    caller.mkdir()
    result = subprocess.run(
        [TOOLS / "demo", "demo-project"],
        cwd=caller,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (caller / "demo-project" / ".copier-answers.yml").is_file()
    assert not (TEMPLATE / "demo-project").exists()


@pytest.fixture
def package_lists():
    """A directory any user can read, with the real package list and one with a
    package that is not installed (and does not exist)."""
    directory = Path(tempfile.mkdtemp(prefix="template-tests-packages-"))
    directory.chmod(0o755)
    shutil.copy2(TOOLS / "system-packages", directory)
    shutil.copy2(TOOLS / "system-packages.txt", directory)
    # git is installed, awk is provided by an installed package (mawk), the last is neither.
    (directory / "missing.txt").write_text(
        "# one missing\ngit\nawk\ntemplate-tests-no-such-package\n"
    )
    yield directory
    shutil.rmtree(directory)


def test_with_every_package_installed_nothing_is_done(package_lists):
    result = subprocess.run(
        [package_lists / "system-packages"], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_without_root_or_sudo_the_missing_packages_and_the_command_are_named(package_lists):
    result = subprocess.run(
        [
            *("runuser", "-u", "nobody", "--"),
            *(package_lists / "system-packages", package_lists / "missing.txt"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[1].split() == ["template-tests-no-such-package"]
    assert lines[-1].endswith(
        "apt-get install -y --no-install-recommends template-tests-no-such-package"
    )


def test_as_root_the_missing_packages_are_installed_with_apt_get(package_lists, tmp_path):
    # apt-get itself would change this shared machine: a stand-in on PATH
    # records how it is called instead.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> {calls}\n')
    (bin_dir / "apt-get").chmod(0o755)
    result = subprocess.run(
        [package_lists / "system-packages", package_lists / "missing.txt"],
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Waiting for the dpkg lock another apt-get may hold, rather than failing.
    lock = "-o DPkg::Lock::Timeout=600"
    assert calls.read_text().splitlines() == [
        f"noninteractive {lock} update -qq",
        f"noninteractive {lock} install -y -qq --no-install-recommends "
        "template-tests-no-such-package",
    ]
