"""Every address, port, file and command a rendered README names exists in
that render: URLs point at ports docker-compose.yml publishes, on the service
that speaks their scheme; paths are files of the render (or what its commands
make, git-ignored); scripts are executable; compose services exist."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pathspec

from support import compose
from support.answers import ANSWER_SETS
from support.dockerfiles import Dockerfile
from support.readme import Url, claims, readmes

# Names a README gives that are neither files of the render nor git-ignored
# output, each with where it comes from.
NOT_IN_THE_RENDER = {
    "load.json": "the report the benchmark command beside it writes (--json load.json)",
    "application.log": "written into DJANGO_LOG_DIR by the running backend",
    "security.log": "written into DJANGO_LOG_DIR by the running backend",
    "app-5JXQK2TA.js": "an example of the content-hashed names the build writes",
}
# Options of docker compose (before the subcommand) and of its subcommands
# that take a value.
COMPOSE_OPTIONS = {"-f", "--file", "-p", "--project-name", "--env-file", "--profile"}
SUBCOMMAND_OPTIONS = {"-u", "--user", "-w", "--workdir", "-e", "--env", "--name", "--tail"}
ONE_SERVICE = {"exec", "run"}  # the rest of the line is a command inside it
SERVICES = {"up", "logs", "start", "stop", "restart", "ps", "build", "pull", "rm", "kill"}


def published(stack: dict) -> dict[int, tuple[str, str, int]]:
    """Host port -> (host address, service, container port)."""
    ports = {}
    for name, service in stack["services"].items():
        for mapping in service.get("ports", []):
            *address, host, container = str(mapping).split(":")
            ports[int(host)] = (address[0] if address else "0.0.0.0", name, int(container))
    return ports


def nginx_listeners(config: str) -> dict[int, str]:
    """Container port -> https, http, or redirect (plain HTTP that only redirects)."""
    listeners = {}
    for block in re.findall(r"^server \{\n(.*?)^\}", config, re.M | re.S):
        redirects = re.search(r"location / \{\s*return 301 ", block)
        for port, ssl in re.findall(r"^\s*listen (\d+)( ssl)?;", block, re.M):
            listeners[int(port)] = "https" if ssl else "redirect" if redirects else "http"
    return listeners


def speaks(project, service: str, port: int, stack: dict) -> str:
    """What answers on a service's container port."""
    if service == "frontend":
        config = (project.path / "frontend/nginx/default.conf.template").read_text()
        return nginx_listeners(config).get(port, "nothing")
    image = stack["services"][service].get("image", "")
    return next((kind for kind in ("postgres", "redis") if image.startswith(kind)), "http")


def check_url(project, url: Url, stack: dict) -> list[str]:
    ports = published(stack)
    if url.port not in ports:
        return [f"{url.text}: docker-compose.yml publishes no port {url.port}"]
    address, service, container = ports[url.port]
    if address not in ("127.0.0.1", "0.0.0.0"):
        return [f"{url.text}: port {url.port} is published on {address}, not loopback"]
    kind = speaks(project, service, container, stack)
    if kind == "redirect":
        return [f"{url.text}: {service}:{container} only redirects to HTTPS"]
    if kind != url.scheme:
        return [f"{url.text}: {service}:{container} speaks {kind}, not {url.scheme}"]
    first = url.path.strip("/").split("/")[0]
    if service == "backend" and url.scheme == "http":
        urls = (project.backend / project.django_project / "urls.py").read_text()
        if f'path("{first}/"' not in urls:
            return [f"{url.text}: the backend routes nothing under /{first}"]
    if service == "frontend" and re.match(r"(metrics|health)$", first):
        return [f"{url.text}: nginx keeps /{first} internal"]
    return []


def check_compose(project, words: list[str]) -> list[str]:
    """docker compose [-f FILE]... SUBCOMMAND [OPTIONS] [SERVICE...]"""
    files, index = [], 2
    while index < len(words) and words[index].startswith("-"):
        if words[index] in ("-f", "--file"):
            files.append(words[index + 1])
        index += 2 if words[index] in COMPOSE_OPTIONS else 1
    files = files or ["docker-compose.yml"]
    if index >= len(words):
        return [f"{' '.join(words)}: no subcommand"]
    subcommand, rest = words[index], words[index + 1 :]
    positional, skip = [], False
    for word in rest:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in SUBCOMMAND_OPTIONS
        else:
            positional.append(word)
    services = positional[:1] if subcommand in ONE_SERVICE else positional
    if subcommand not in ONE_SERVICE | SERVICES | {"down", "config"}:
        return [f"{' '.join(words)}: unknown subcommand {subcommand}"]
    problems = []
    for name in files:
        if not (project.path / name).is_file():
            problems.append(f"{' '.join(words)}: no {name}")
            continue
        defined = compose.load(project.path / name)["services"]
        problems += [
            f"{' '.join(words)}: {name} has no service {service}"
            for service in services
            if service not in defined
        ]
    return problems


def check_docker_build(project, words: list[str]) -> list[str]:
    options = dict(zip(words[2::2], words[3::2], strict=False))
    context = project.path / words[-1]
    dockerfile = context / "Dockerfile"
    if not dockerfile.is_file():
        return [f"{' '.join(words)}: no {words[-1]}/Dockerfile"]
    target = options.get("--target")
    if target and target not in Dockerfile.parse(dockerfile).stages:
        return [f"{' '.join(words)}: {words[-1]}/Dockerfile has no stage {target}"]
    return []


def check_command(project, words: list[str]) -> list[str]:
    if words[:2] == ["docker", "compose"]:
        return check_compose(project, words)
    if words[:2] == ["docker", "build"]:
        return check_docker_build(project, words)
    if words[:3] == ["docker", "service", "scale"]:
        stack = compose.load(project.path / "docker-compose.prod.yml")
        slug = project.answers["project_slug"]
        return [
            f"{' '.join(words)}: no service {target}"
            for target in words[3:]
            if target.split("=")[0].removeprefix(f"{slug}_") not in stack["services"]
        ]
    return []


def git_ignored(project) -> pathspec.PathSpec:
    lines = (project.path / ".gitignore").read_text().splitlines()
    return pathspec.GitIgnoreSpec.from_lines(lines)


def check_path(project, readme: Path, path: str, ignored, command: bool) -> list[str]:
    for base in (readme.parent, project.path):
        candidate = base / path
        if candidate.exists():
            if command and candidate.is_file() and not os.access(candidate, os.X_OK):
                return [f"{path}: named as a command but not executable"]
            return []
    for base in (readme.parent, project.path):
        relative = (base / path).relative_to(project.path).as_posix()
        if ignored.match_file(relative) or ignored.match_file(relative.rstrip("/") + "/"):
            return []  # what a command makes (a venv, secrets, a build), kept out of git
    if Path(path).name in NOT_IN_THE_RENDER:
        return []
    return [f"{path}: not in the render"]


def test_every_claim_of_every_readme_holds(project):
    dev = compose.load(project.path / "docker-compose.yml", {})
    stacks = [
        dev,
        compose.load(
            project.path / "docker-compose.prod.yml",
            {
                "IMAGE_TAG": "1",
                "EMAIL_HOST": "smtp.example.com",
                "ALERT_EMAIL_TO": "ops@example.com",
            },
        ),
    ]
    listening = {
        int(port)
        for stack in stacks
        for service in stack["services"].values()
        for port in re.findall(
            r":(\d+)\b", " ".join(map(str, [*service.get("ports", []), service["healthcheck"]]))
        )
    }
    ignored = git_ignored(project)
    problems = []
    for readme in readmes(project.path):
        said = claims(readme.read_text())
        found = [check_url(project, url, dev) for url in said.urls]
        found += [
            [f"{host}:{port}: no compose file publishes it on 127.0.0.1"]
            for host, port in said.addresses
            if not any(published(s).get(port, ("",))[0] == "127.0.0.1" for s in stacks)
        ]
        found += [
            [f"port {port}: no service listens there"]
            for port in said.ports
            if port not in listening
        ]
        found += [check_command(project, words) for words in said.commands]
        commands = {words[0] for words in said.commands}
        found += [
            check_path(project, readme, path, ignored, path in commands) for path in said.paths
        ]
        name = readme.relative_to(project.path)
        problems += [f"{name}: {problem}" for batch in found for problem in batch]
    assert not problems, "\n".join(problems)


def test_plain_http_in_the_local_stack_redirects_to_its_published_https(project):
    dev = compose.load(project.path / "docker-compose.yml", {})
    frontend = dev["services"].get("frontend", {})
    origin = frontend.get("environment", {}).get("NGINX_PUBLIC_ORIGIN")
    tls = project.answers["use_frontend"] and project.answers["tls_termination"] == "nginx"
    assert (origin is not None) == tls
    if tls:
        [url] = claims(f"`{origin}`").urls
        assert url.scheme == "https" and url.path == "/"
        assert check_url(project, url, dev) == []


def test_the_readmes_name_the_commands_and_addresses_the_test_reads(project):
    """The parser finds what the root README states: it cannot pass by reading nothing."""
    said = claims((project.path / "README.md").read_text())
    assert [u for u in said.urls if u.port == 8000 and u.path == "/api/customers/"]
    assert ["docker", "compose", "up", "--build"] in said.commands
    assert "docker-compose.yml" in said.paths


def test_each_name_outside_the_render_is_still_named(render):
    named = {
        Path(path).name
        for name in ANSWER_SETS
        for readme in readmes(render(name).path)
        for path in claims(readme.read_text()).paths
    }
    assert set(NOT_IN_THE_RENDER) <= named, set(NOT_IN_THE_RENDER) - named


def local_run_commands(project) -> list[list[str]]:
    """The host commands of the root README's local-run section, docker's left out."""
    text = (project.path / "README.md").read_text()
    section = text.split("## Run it locally with Docker", 1)[1].split("\n## ", 1)[0]
    return [words for words in claims(section).commands if words[0] != "docker"]


def test_after_the_readme_commands_every_file_the_local_stack_mounts_exists(project, tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(project.path, copy, ignore=shutil.ignore_patterns(".venv", "node_modules"))
    for words in local_run_commands(project):
        result = subprocess.run(words, cwd=copy, capture_output=True, text=True, check=False)
        assert result.returncode == 0, (words, result.stdout + result.stderr)
    stack = compose.load(copy / "docker-compose.yml", {})
    sources = [
        volume.split(":")[0]
        for service in stack["services"].values()
        for volume in service.get("volumes", [])
        if volume.startswith(".")
    ]
    assert "./backend" in sources
    missing = [source for source in sources if not (copy / source).exists()]
    assert missing == []
