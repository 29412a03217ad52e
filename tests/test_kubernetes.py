"""deploy_target=kubernetes: Kustomize manifests a cluster operator would
accept, proven without a cluster by the consumers' own tools and by
cross-checks against the compose stack, which states the same facts for one
host. By capability: the builds and their schemas
(test_kubernetes_schemas.py), the pods (test_kubernetes_pods.py), the alert
rules (test_kubernetes_monitoring.py), the runbooks (test_kubernetes_runbook.py),
the documented switches (test_kubernetes_switches.py) and the public entry
(test_kubernetes_edge.py); here, what the compose stack states too. The
renders and their builds are conftest.py's fixtures."""

import base64
import re
from secrets import token_urlsafe

import pytest
import yaml

from support.kubernetes import (
    HOSTS,
    KUBERNETES,
    REPLACED,
    WORKLOADS,
    compose_stack,
    container,
    cores,
    env_names,
    find,
    generated,
    mebibytes,
    one,
    pod_spec,
    probe_target,
    secret_files,
)


def test_only_a_kubernetes_render_has_the_manifests(render):
    assert not (render("defaults").path / "deploy/kubernetes").exists()
    assert not (render("defaults").path / "docs/KUBERNETES.md").exists()
    assert not (render("defaults").path / "monitoring/kustomization.yaml").exists()
    for name in ("kubernetes", "kubernetes-everything-off"):
        assert (render(name).path / "deploy/kubernetes/base/kustomization.yaml").is_file()
        # The compose stack stays: one host, and what the manifests are checked against.
        assert (render(name).path / "docker-compose.prod.yml").is_file()


@pytest.mark.parametrize("name", KUBERNETES)
def test_the_manifests_state_what_the_compose_stack_states(name, deployed):
    project, _, objects = deployed(name)
    built = objects["production"]
    stack = compose_stack(project)
    overlay = yaml.safe_load(
        (project.path / "deploy/kubernetes/production/kustomization.yaml").read_text()
    )
    tags = {image["newName"]: image["newTag"] for image in overlay["images"]}
    unmapped = set(stack) - set(WORKLOADS) - set(REPLACED)
    assert unmapped == set(), f"compose services the manifests do not run: {unmapped}"
    for service_name, service in stack.items():
        if service_name in REPLACED:
            continue
        kind, workload_name, container_name = WORKLOADS[service_name]
        workload = one(built, kind, workload_name)
        item = container(workload, container_name)
        where = f"{service_name} ({kind}/{workload_name} {container_name})"
        # The same image: ours by name (the tag is the release), the others exactly.
        image = service["image"].rsplit(":", 1)[0]
        if image in tags:
            assert item["image"] == f"{image}:{tags[image]}", where
        else:
            assert item["image"] == service["image"], where
        # The same command: compose's entrypoint and command are the pod's
        # command and args; a Job has no image entrypoint to keep.
        if kind == "Job":
            assert item["command"] == service["command"] and "args" not in item, where
        else:
            assert item.get("command") == service.get("entrypoint"), where
            args = service.get("command")
            hosts = re.compile("|".join(map(re.escape, HOSTS)))
            if args is not None:
                args = [hosts.sub(lambda m: HOSTS[m.group(0)], a) for a in args]
            assert item.get("args") == args, where
        # The same variables by name, and the same secret files.
        assert env_names(built, item) == set(service.get("environment", {})), where
        assert secret_files(workload, item) == set(service.get("secrets", [])), where
        # The compose limits.
        limits = service["deploy"]["resources"]["limits"]
        assert cores(item["resources"]["limits"]["cpu"]) == float(limits["cpus"]), where
        assert mebibytes(item["resources"]["limits"]["memory"]) == mebibytes(limits["memory"]), (
            where
        )
        # The same probes.
        check = service["healthcheck"]
        if check.get("disable"):
            continue
        kind_, *command = check["test"]
        if service_name == "backend":
            script = (project.backend / "healthcheck.py").read_text()
            [path] = re.findall(r'f"http://127\.0\.0\.1:\{port\}(/[^"]+)"', script)
            [port] = re.findall(r'"GUNICORN_BIND", "0\.0\.0\.0:(\d+)"', script)
            assert probe_target(item, item["livenessProbe"]) == (path, int(port))
            assert probe_target(item, item["readinessProbe"]) == ("/health/ready/", int(port))
        elif service_name == "worker":
            assert kind_ == "CMD", where
            for probe in ("livenessProbe", "readinessProbe"):
                assert item[probe]["exec"]["command"] == command, where
        elif command[0] == "wget":
            url = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/\S*)", command[-1])
            assert probe_target(item, item["livenessProbe"]) == (url.group(2), int(url.group(1))), (
                where
            )
        else:
            assert kind_ == "CMD-SHELL"
            assert item["readinessProbe"]["exec"]["command"] == ["sh", "-c", command[0]], where
    # The release step: the compose migrate service's command and configuration.
    job = container(one(built, "Job", "migrate"), "migrate")
    backend = container(one(built, "Deployment", "backend"), "backend")
    assert job["envFrom"] == backend["envFrom"] and job["image"] == backend["image"]
    # The same secret files but for the database's: the owner's for the Job,
    # the runtime role's for the servers, with the URLs' users to match.
    job_sources = pod_spec(one(built, "Job", "migrate"))["volumes"][0]["projected"]["sources"]
    backend_sources = pod_spec(one(built, "Deployment", "backend"))["volumes"][0]["projected"][
        "sources"
    ]
    assert job_sources[:-1] == backend_sources[:-1]
    assert [job_sources[-1]["secret"]["name"], backend_sources[-1]["secret"]["name"]] == [
        "database-credentials",
        "database-runtime-credentials",
    ]
    config = generated(built, "ConfigMap", "backend-config")["data"]
    job_env = {e["name"]: e["value"] for e in job["env"]}
    owner = stack["database"]["environment"]["POSTGRES_USER"]
    runtime = stack["database"]["environment"]["POSTGRES_RUNTIME_USER"]
    assert config["DATABASE_URL"].startswith(f"postgres://{runtime}@")
    assert config["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_runtime_password"
    assert job_env["DATABASE_URL"] == config["DATABASE_URL"].replace(f"//{runtime}@", f"//{owner}@")
    assert job_env["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert job_env["DATABASE_RUNTIME_ROLE"] == runtime
    for name, user in (("database-credentials", owner), ("database-runtime-credentials", runtime)):
        secret = generated(built, "Secret", name)
        assert secret["type"] == "kubernetes.io/basic-auth"
        assert base64.b64decode(secret["data"]["username"]).decode() == user
        assert secret["metadata"]["name"] == name  # read by name: no hash suffix
    if find(built, "Cluster"):
        cluster = one(built, "Cluster", "database")
        assert (
            str(cluster["spec"]["imageCatalogRef"]["major"]) == project.answers["postgres_version"]
        )
        assert (
            cluster["spec"]["bootstrap"]["initdb"]["database"]
            == stack["database"]["environment"]["POSTGRES_DB"]
        )
        assert cluster["spec"]["bootstrap"]["initdb"]["owner"] == owner
        # The servers' role: CloudNativePG makes it, able to log in and no more.
        [role] = cluster["spec"]["managed"]["roles"]
        assert role["name"] == runtime and role["ensure"] == "present"
        assert role["passwordSecret"] == {"name": "database-runtime-credentials"}
        assert role["login"] is True and role["inherit"] is True
        for attribute in ("superuser", "createdb", "createrole", "replication", "bypassrls"):
            assert role[attribute] is False, attribute
        assert "inRoles" not in role


# A value the settings read: env.string("NAME") and friends, os.environ.get("NAME").
READS = re.compile(
    r'env\.(\w+)\(\s*"([A-Z0-9_]+)"(\s*\))?|os\.environ(?:\.get|\.setdefault)?\(\s*"([A-Z0-9_]+)"'
)


@pytest.mark.parametrize("name", KUBERNETES)
def test_every_variable_the_backend_needs_is_supplied(name, deployed, tmp_path):
    project, _, objects = deployed(name)
    for overlay, built in objects.items():
        backend = container(one(built, "Deployment", "backend"), "backend")
        config = generated(built, "ConfigMap", "backend-config")["data"]
        supplied = set(config)
        required = set()
        for source in (project.backend / project.django_project).rglob("*.py"):
            for kind, variable, bare, _ in READS.findall(source.read_text()):
                if kind in ("string", "comma_list") and bare:
                    required.add(variable)
        missing = {v for v in required if v not in supplied and f"{v}_FILE" not in supplied}
        assert missing == set(), f"{overlay}: the backend requires {missing}, no manifest sets it"
        # And the settings start with exactly that: the ConfigMap and the secret files.
        secrets = tmp_path / overlay
        secrets.mkdir()
        for file in secret_files(one(built, "Deployment", "backend"), backend):
            (secrets / file).write_text(token_urlsafe(48) + "\n")
        env = {key: value.replace("/run/secrets/", f"{secrets}/") for key, value in config.items()}
        checked = project.run(
            "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_missing_variable_fails_the_settings_check(deployed, tmp_path):
    project, _, objects = deployed("kubernetes")
    config = dict(generated(objects["production"], "ConfigMap", "backend-config")["data"])
    del config["DATABASE_URL"]
    for file in ("django_secret_key", "db_runtime_password", "redis_password"):
        (tmp_path / file).write_text(token_urlsafe(48))
    env = {k: v.replace("/run/secrets/", f"{tmp_path}/") for k, v in config.items()}
    checked = project.run("python", "manage.py", "check", "--deploy", env=env)
    assert checked.returncode != 0 and "DATABASE_URL" in checked.stdout + checked.stderr


def test_migrations_that_break_the_running_release_fail_the_lint(render):
    project = render("kubernetes")
    settings = f"{project.django_project}.settings.test"
    lint = (
        "python",
        "manage.py",
        "lintmigrations",
        "--no-cache",
        "--warnings-as-errors",
        "--settings",
        settings,
    )
    clean = project.run(*lint)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    workflow = (project.path / ".github/workflows/ci.yml").read_text()
    assert "lintmigrations --no-cache --warnings-as-errors" in workflow
    dropped = project.backend / "customers/migrations/0099_drop_phone.py"
    latest = sorted(p.stem for p in dropped.parent.glob("0*.py"))[-1]
    dropped.write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f'    dependencies = [("customers", "{latest}")]\n'
        '    operations = [migrations.RemoveField("customer", "phone")]\n'
    )
    try:
        failing = project.run(*lint)
    finally:
        dropped.unlink()
    assert failing.returncode != 0 and "DROPPING columns" in failing.stdout
