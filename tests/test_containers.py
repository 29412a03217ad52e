"""Images and compose stacks, proven without a Docker engine: hadolint, the
compose-spec schema, `docker stack config`, and the cross-checks a build or a
deploy would otherwise catch."""

import re
import subprocess
import sys
from pathlib import Path
from secrets import token_urlsafe

import pytest
import yaml

from support import checkov, compose
from support.dockerfiles import Dockerfile, DockerIgnore

BIN = Path(sys.executable).parent
EXACT_TAG = re.compile(r"^[\w./-]+:v?\d+\.\d+(\.\d+)?[\w.-]*$")


def dockerfiles(project) -> list[Path]:
    return sorted(project.path.glob("*/Dockerfile"))


def prod_env(project) -> dict[str, str]:
    """What an operator's .env.production holds: the example, with a release tag."""
    return {**compose.env_file(project.path / ".env.example"), "IMAGE_TAG": "1.0.0"}


def prod_stack(project) -> dict:
    return compose.load(project.path / "docker-compose.prod.yml", prod_env(project))


def test_hadolint_finds_nothing(project):
    files = dockerfiles(project)
    assert [f.parent.name for f in files] == (
        ["backend", "frontend"] if project.answers["use_frontend"] else ["backend"]
    )
    for path in files:
        result = subprocess.run(
            [BIN / "hadolint", path], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_checkov_passes_every_dockerfile(project):
    report = checkov.scan(project.path)["dockerfile"]
    assert report["summary"]["resource_count"] == len(dockerfiles(project))
    assert checkov.problems(report) == []


def test_checkov_counts_a_skip_without_a_reason_as_a_problem(tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.20\n"
        "# checkov:skip=CKV_DOCKER_2: a build stage only, never run as a service\n"
        "# checkov:skip=CKV_DOCKER_3\n"
        "RUN true\n"
    )
    report = checkov.scan(tmp_path)["dockerfile"]
    assert report["summary"]["skipped"] == 2
    assert checkov.problems(report) == ["/Dockerfile: CKV_DOCKER_3 skipped without a reason"]
    assert [reason for *_, reason in checkov.inline_skips(tmp_path)] == [
        "a build stage only, never run as a service",
        "",
    ]


def test_every_image_is_pinned_to_an_exact_version(project):
    images = [
        image for path in dockerfiles(project) for image in Dockerfile.parse(path).base_images
    ]
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        stack = compose.load(project.path / name, prod_env(project))
        images += [
            service["image"]
            for service in stack["services"].values()
            if "image" in service and "build" not in service
        ]
    assert images
    for image in images:
        assert EXACT_TAG.match(image) and not image.endswith(":latest"), image


def test_copy_sources_exist_in_the_context_and_are_not_ignored(project):
    for path in dockerfiles(project):
        context = path.parent
        ignore = DockerIgnore.read(context)
        for source in Dockerfile.parse(path).context_sources():
            assert (context / source).exists(), f"{path}: COPY {source} is not in the context"
            assert not ignore.excludes(source), f"{path}: COPY {source} is in .dockerignore"


def test_the_dockerignore_matcher_reads_patterns_as_docker_does():
    ignore = DockerIgnore.from_lines(["tests/", "*.md", "**/__pycache__", "!KEEP.md"])
    assert ignore.excludes("tests/test_api.py")
    assert ignore.excludes("README.md")
    assert not ignore.excludes("docs/README.md")  # *.md is anchored at the root
    assert ignore.excludes("customers/__pycache__/x.pyc")
    assert not ignore.excludes("customers/models.py")
    assert not ignore.excludes("KEEP.md")


def test_the_production_image_is_lean_and_unprivileged(project):
    dockerfile = Dockerfile.parse(project.backend / "Dockerfile")
    assert "production" in dockerfile.stages
    production = dockerfile.in_stage("production")
    keywords = [i.keyword for i in production]
    assert "USER" in keywords and production[keywords.index("USER")].arguments != "root"
    assert "HEALTHCHECK" in keywords
    runs = " ".join(i.arguments for i in production if i.keyword == "RUN")
    for compiler in ("gcc", "build-essential", "apt-get install"):
        assert compiler not in runs
    assert "collectstatic" in runs
    assert "migrate" not in runs + " ".join(dockerfile.exec_form("CMD", "production"))
    assert dockerfile.exec_form("CMD", "production")[0] == "gunicorn"


def test_compose_files_match_the_compose_spec(project):
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        result = subprocess.run(
            [
                BIN / "check-jsonschema",
                "--builtin-schema",
                "vendor.compose-spec",
                project.path / name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "version" not in compose.load(project.path / name, prod_env(project))


def test_every_service_is_health_checked_limited_and_restarted(project):
    swarm = project.answers["deploy_target"] == "swarm"
    stack = prod_stack(project)
    for name, service in stack["services"].items():
        assert "container_name" not in service, name
        assert service["deploy"]["resources"]["limits"], name
        if name in UNCHECKABLE:
            assert service["healthcheck"] == {"disable": True}, name
        elif name == "migrate":
            # The release step is a one-off job: run on demand, never restarted.
            assert service["healthcheck"] == {"disable": True}
            if swarm:
                assert service["deploy"]["replicas"] == 0
                assert service["deploy"]["restart_policy"] == {"condition": "none"}
            else:
                assert service["profiles"] == ["release"]
                assert service["restart"] == "no"
            continue
        else:
            assert "test" in service["healthcheck"], name
        if swarm:
            assert service["deploy"]["restart_policy"]["condition"] == "any", name
        else:
            assert service["restart"] == "unless-stopped", name
    for name, service in stack["services"].items():
        if swarm:
            assert "depends_on" not in service, name  # Swarm ignores it
        for dependency in service.get("depends_on", {}).values():
            assert dependency == {"condition": "service_healthy"}, name
    assert stack["services"]["backend"]["deploy"]["replicas"] == 2
    # The release step's configuration is the servers', but for the database
    # role it connects as (test_database_roles.py checks which).
    release_only = {"DATABASE_URL", "DATABASE_PASSWORD_FILE", "DATABASE_RUNTIME_ROLE"}
    migrate_env = stack["services"]["migrate"]["environment"]
    backend_env = stack["services"]["backend"]["environment"]
    assert {k: v for k, v in migrate_env.items() if k not in release_only} == {
        k: v for k, v in backend_env.items() if k not in release_only
    }
    assert set(migrate_env) == set(backend_env) | {"DATABASE_RUNTIME_ROLE"}
    dev = compose.load(project.path / "docker-compose.yml", {})
    for name, service in dev["services"].items():
        assert "test" in service["healthcheck"], name
        for dependency in service.get("depends_on", {}).values():
            assert dependency == {"condition": "service_healthy"}, name


def test_only_what_sends_out_can_leave_the_host(project):
    """With the frontend, the backend network is internal: only nginx and a
    service that sends out (the worker's mail; error reports to Sentry)
    also join a network with a way out."""
    stack = prod_stack(project)
    networks = stack.get("networks") or {}
    internal = {name for name, spec in networks.items() if (spec or {}).get("internal")}
    assert bool(internal) == project.answers["use_frontend"]
    senders = {"worker"} | ({"backend"} if project.answers["use_sentry"] else set())
    for name, service in stack["services"].items():
        joined = set(service.get("networks") or ["default"])
        if name in senders:
            assert joined - internal, f"{name} cannot reach the outside"
        elif name in {"database", "redis", "migrate"}:
            assert joined <= internal or not internal, f"{name} can reach the outside"


def test_build_targets_exist_as_stages(project):
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        for service in compose.load(project.path / name, prod_env(project))["services"].values():
            build = service.get("build")
            if build and "target" in build:
                dockerfile = Dockerfile.parse(project.path / build["context"] / "Dockerfile")
                assert build["target"] in dockerfile.stages


def test_secrets_are_declared_for_the_target_and_read_from_files(project):
    stack = prod_stack(project)
    declared = stack["secrets"]
    swarm = project.answers["deploy_target"] == "swarm"
    for name, service in stack["services"].items():
        for secret in service.get("secrets", []):
            assert secret in declared, f"{name} uses undeclared secret {secret}"
        for key, value in service.get("environment", {}).items():
            if key.endswith("_FILE"):
                assert value.removeprefix("/run/secrets/") in service["secrets"], (name, key)
            assert "PASSWORD=" not in f"{key}={value}" and "SECRET_KEY=" not in f"{key}={value}"
    for secret in declared.values():
        if swarm:
            assert secret["external"] is True
        else:
            assert "external" not in secret and secret["file"].startswith("./secrets/")


def test_the_database_volume_is_where_the_pinned_postgres_keeps_its_data(project):
    stack = prod_stack(project)
    # The data volume, and the runtime role's script (test_database_roles.py).
    [mount, _] = stack["services"]["database"]["volumes"]
    major = int(project.answers["postgres_version"])
    expected = "/var/lib/postgresql" if major >= 18 else "/var/lib/postgresql/data"
    assert mount == f"database:{expected}"
    assert stack["services"]["database"]["image"].startswith(f"postgres:{major}.")


def test_every_variable_compose_reads_is_documented(project):
    used = compose.variables((project.path / "docker-compose.prod.yml").read_text())
    documented = set(compose.env_file(project.path / ".env.example"))
    assert used <= documented, used - documented


@pytest.mark.parametrize("service", ["backend", "worker"])
def test_production_settings_get_all_they_need_from_the_stack(project, service, tmp_path):
    """The backend's and the worker's environment and secrets from the stack
    satisfy the settings."""
    server = prod_stack(project)["services"][service]
    secrets = tmp_path / "run-secrets"
    secrets.mkdir()
    for secret in server["secrets"]:
        (secrets / secret).write_text(token_urlsafe(48) + "\n")
    # As compose passes them: an empty value is an empty string.
    env = {
        key: "" if value is None else str(value).replace("/run/secrets/", f"{secrets}/")
        for key, value in server["environment"].items()
    }
    result = project.run(
        "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_swarm_accepts_the_stack(render, tmp_path):
    project = render("renamed")
    assert project.answers["deploy_target"] == "swarm"
    result = subprocess.run(
        ["docker", "stack", "config", "-c", "docker-compose.prod.yml"],
        cwd=project.path,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", **prod_env(project)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stack = yaml.safe_load(result.stdout)
    assert stack["services"]["backend"]["deploy"]["replicas"] == 2
    assert stack["secrets"]["db_password"]["external"] is True


# What each pinned image family ships, for the health checks that run inside
# it: postgres and redis images carry their clients and busybox or coreutils;
# nginx's alpine image has busybox's wget.
IMAGE_COMMANDS = {
    "postgres": {"pg_isready", "sh", "cat"},
    "redis": {"redis-cli", "sh", "cat", "grep"},
    "nginxinc/nginx-unprivileged": {"wget", "sh"},
    # The Prometheus project's images are built on busybox, Grafana's on Alpine.
    "prom/prometheus": {"wget", "sh"},
    "prom/alertmanager": {"wget", "sh", "sed"},  # sed: its start.sh
    "prom/node-exporter": {"wget", "sh"},
    "prom/blackbox-exporter": {"wget", "sh"},
    "prometheuscommunity/postgres-exporter": {"wget", "sh"},
    "grafana/grafana": {"wget", "sh"},
    "oliver006/redis_exporter": {"wget", "sh", "cat"},
    # Mailpit's image is its one binary, whose own HEALTHCHECK is `readyz`.
    "axllent/mailpit": {"/mailpit"},
}
# Services whose image has no shell or HTTP client to run a check with:
# Prometheus's up metric and the TargetDown alert watch them instead.
UNCHECKABLE = {"nginx-exporter", "mtail"}
# The programs a shell command line starts: the first word of each pipeline
# stage or $( ) substitution, after any VAR=value assignments.
SHELL_PROGRAMS = re.compile(r'(?:^|\||;|&&|\$\()\s*(?:\w+="[^"]*"\s+)*([\w.-]+)')


def test_health_check_commands_exist_in_their_images(project):
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        stack = compose.load(project.path / name, prod_env(project))
        for service_name, service in stack["services"].items():
            if service_name == "migrate" or service_name in UNCHECKABLE:
                continue  # a one-off job, or watched by Prometheus
            kind, *command = service["healthcheck"]["test"]
            if service_name == "backend":
                # Run for real against gunicorn in test_service.py.
                assert command == ["python", "healthcheck.py"]
                continue
            if service_name == "worker":
                # Run for real against the worker's heartbeat in test_mail.py.
                assert command == ["python", "worker_healthcheck.py"]
                assert (project.backend / "worker_healthcheck.py").is_file()
                continue
            if service_name == "frontend":  # our own image, built on nginx's
                image = Dockerfile.parse(project.path / "frontend" / "Dockerfile").base_images[-1]
            else:
                image = service["image"]
            programs = SHELL_PROGRAMS.findall(command[0]) if kind == "CMD-SHELL" else command[:1]
            available = IMAGE_COMMANDS[image.rsplit(":", 1)[0]]
            assert programs and set(programs) <= available, (service_name, programs)


@pytest.mark.parametrize("name", ["defaults", "all-on", "renamed"])
def test_monitoring_reads_the_backups_where_the_scripts_write_them(name, render):
    project = render(name)
    assert project.answers["use_backups"] and project.answers["use_monitoring"]
    defaults = (project.path / "scripts" / "defaults.sh").read_text()
    [scripts_root] = re.findall(r': "\$\{BACKUP_ROOT:=([^}]+)\}"', defaults)
    stack = (project.path / "docker-compose.prod.yml").read_text()
    assert f"${{BACKUP_ROOT:-{scripts_root}}}/metrics:/backups/metrics:ro" in stack
    assert compose.env_file(project.path / ".env.example")["BACKUP_ROOT"] == scripts_root
