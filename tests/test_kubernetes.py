"""deploy_target=kubernetes: Kustomize manifests a cluster operator would
accept, proven without a cluster by the consumers' own tools (kubectl's
Kustomize, the Kubernetes API schemas, checkov, prometheus-operator's and
Gateway API's models, promtool) and by cross-checks against the compose
stack, which states the same facts for one host. The public entry has tests
of its own (test_kubernetes_edge.py); the renders and their builds are
conftest.py's fixtures."""

import base64
import re
import shutil
from secrets import token_urlsafe

import kubernetes_validate
import pytest
import yaml

from support import cnpg, gateway_api
from support.kubernetes import (
    HOSTS,
    KUBECTL,
    KUBERNETES,
    KUBERNETES_VERSIONS,
    REPLACED,
    WORKLOADS,
    build,
    checkov,
    cluster_objects,
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
    run,
    secret_files,
    shell_blocks,
    unreachable_kubeconfig,
    validate_crd_models,
)

CNPG_GROUPS = ("postgresql.cnpg.io/", "barmancloud.cnpg.io/")
MODELLED_GROUPS = ("monitoring.coreos.com/", gateway_api.GROUP)
CUSTOM_GROUPS = (*CNPG_GROUPS, *MODELLED_GROUPS)


def test_only_a_kubernetes_render_has_the_manifests(render):
    assert not (render("defaults").path / "deploy/kubernetes").exists()
    assert not (render("defaults").path / "docs/KUBERNETES.md").exists()
    assert not (render("defaults").path / "monitoring/kustomization.yaml").exists()
    for name in ("kubernetes", "kubernetes-everything-off"):
        assert (render(name).path / "deploy/kubernetes/base/kustomization.yaml").is_file()
        # The compose stack stays: one host, and what the manifests are checked against.
        assert (render(name).path / "docker-compose.prod.yml").is_file()


@pytest.mark.parametrize("name", KUBERNETES)
def test_every_overlay_builds_and_validates_against_the_kubernetes_api(name, deployed):
    project, copy, objects = deployed(name)
    assert build(copy / "deploy/kubernetes/base")
    for overlay, built in objects.items():
        namespace = one(
            built,
            "Namespace",
            f"{project.answers['project_slug']}{'-staging' if overlay == 'staging' else ''}",
        )
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        for document in built:
            if document["kind"] != "Namespace":
                assert document["metadata"]["namespace"] == namespace["metadata"]["name"]
            if document["apiVersion"].startswith(CUSTOM_GROUPS):
                continue  # validated against their own schemas below
            for version in KUBERNETES_VERSIONS:
                kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("name", KUBERNETES)
def test_operator_objects_match_their_schemas(name, deployed, crd_models):
    project, _, objects = deployed(name)
    extra = cluster_objects(project)
    for built in [*objects.values(), extra]:
        monitoring = [o for o in built if o["apiVersion"].startswith("monitoring.coreos.com/")]
        assert bool(monitoring) == project.answers["use_monitoring"] or built is extra
        modelled = [o for o in built if o["apiVersion"].startswith(MODELLED_GROUPS)]
        checked = validate_crd_models(crd_models, modelled)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        for document in built:
            if document["apiVersion"].startswith(CNPG_GROUPS):
                assert cnpg.errors(document) == [], document["kind"]
            if document["apiVersion"].startswith(gateway_api.GROUP):
                assert gateway_api.errors(document) == []
            elif built is extra and not document["apiVersion"].startswith(CUSTOM_GROUPS):
                kubernetes_validate.validate(document, KUBERNETES_VERSIONS[-1], strict=True)
    cnpg_wanted = project.answers.get("kubernetes_database", "cloudnativepg") == "cloudnativepg"
    assert bool(find(objects["production"], "Cluster")) == cnpg_wanted
    # The edge is Gateway API's: no Ingress, which would need a controller.
    tls = project.answers.get("tls_termination") == "nginx"
    for built in objects.values():
        assert not find(built, "Ingress")
        assert len(find(built, "HTTPRoute")) == 1
        assert len(find(built, "BackendTLSPolicy")) == int(project.answers["use_frontend"] and tls)


def test_the_schema_checks_refuse_what_an_api_server_would(deployed, crd_models):
    project, _, objects = deployed("kubernetes")
    monitor = dict(one(objects["production"], "ServiceMonitor", "backend"))
    monitor["spec"] = {**monitor["spec"], "endpoints": [{"port": "http", "interval": "often"}]}
    assert validate_crd_models(crd_models, [monitor]).returncode == 1
    route = one(objects["production"], "HTTPRoute", project.answers["project_slug"])
    [rule] = route["spec"]["rules"]
    by_port_name = {**rule, "backendRefs": [{"name": "frontend", "port": "http"}]}
    refused = validate_crd_models(
        crd_models, [{**route, "spec": {**route["spec"], "rules": [by_port_name]}}]
    )
    assert refused.returncode == 1 and "port must be integer" in refused.stdout
    # A field where the API has none: the models let it through, the strict
    # field list does not.
    misplaced = {**route["spec"], "hostname": route["spec"]["hostnames"][0]}
    assert validate_crd_models(crd_models, [{**route, "spec": misplaced}]).returncode == 0
    assert gateway_api.errors({**route, "spec": misplaced})
    cluster = one(objects["production"], "Cluster", "database")
    assert cnpg.errors({**cluster, "spec": {**cluster["spec"], "instance": 2}})
    with pytest.raises(kubernetes_validate.ValidationError):
        deployment_ = one(objects["production"], "Deployment", "backend")
        kubernetes_validate.validate(
            {**deployment_, "spec": {**deployment_["spec"], "replica": 2}}, "1.37.0", strict=True
        )


@pytest.mark.parametrize("name", KUBERNETES)
def test_checkov_passes_and_every_skip_says_why(name, deployed, tmp_path):
    _, _, objects = deployed(name)
    for overlay, built in objects.items():
        (tmp_path / f"{overlay}.yaml").write_text(yaml.safe_dump_all(built))
        for document in built:
            for key, value in document["metadata"].get("annotations", {}).items():
                if key.startswith("checkov.io/skip"):
                    check, _, reason = value.partition("=")
                    assert re.fullmatch(r"CKV2?_K8S_\d+", check) and len(reason) > 20, value
    report = checkov(tmp_path)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] > 100


def pods(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob")]


@pytest.mark.parametrize("name", KUBERNETES)
def test_every_pod_is_locked_down_probed_and_stops_gracefully(name, deployed):
    project, _, objects = deployed(name)
    built = objects["production"]
    for workload in pods(built):
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        for item in spec["containers"]:
            context = item["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, item["name"]
            assert context["readOnlyRootFilesystem"] is True, item["name"]
            assert context["capabilities"] == {"drop": ["ALL"]}, item["name"]
            assert item["resources"]["limits"] and item["resources"]["requests"], item["name"]
            if workload["kind"] != "Job":
                assert "livenessProbe" in item and "readinessProbe" in item, item["name"]
    backend = one(built, "Deployment", "backend")
    dockerfile = (project.backend / "Dockerfile").read_text()
    [uid] = re.findall(r"^USER (\d+):\d+$", dockerfile, re.M)
    assert pod_spec(backend)["securityContext"]["runAsUser"] == int(uid)
    # The writable paths: /tmp holds the metrics directory gunicorn recreates.
    mounts = {m["mountPath"] for m in container(backend, "backend")["volumeMounts"]}
    assert {"/tmp", "/app/media", "/run/secrets"} <= mounts
    gunicorn = (project.backend / "gunicorn.conf.py").read_text()
    [graceful] = re.findall(r'"GUNICORN_GRACEFUL_TIMEOUT", "(\d+)"', gunicorn)
    for workload in find(built, "Deployment"):
        if workload["metadata"]["name"] in ("backend", "frontend"):
            pause = container(workload, workload["metadata"]["name"])["lifecycle"]["preStop"][
                "sleep"
            ]["seconds"]
            assert pod_spec(workload)["terminationGracePeriodSeconds"] > pause + int(graceful)
            assert workload["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
            assert pod_spec(workload)["topologySpreadConstraints"]
            assert one(built, "PodDisruptionBudget", workload["metadata"]["name"])
    hpa = one(built, "HorizontalPodAutoscaler", "backend")
    assert hpa["spec"]["minReplicas"] >= 2 and "replicas" not in backend["spec"]
    if project.answers["use_frontend"]:
        frontend = one(built, "Deployment", "frontend")
        assert pod_spec(frontend)["securityContext"]["runAsUser"] == 101
    deny = one(built, "NetworkPolicy", "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


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


@pytest.mark.parametrize("name", ["kubernetes", "kubernetes-tls-at-nginx"])
def test_the_prometheus_rule_is_the_compose_alert_rules(name, deployed, tmp_path):
    project, copy, objects = deployed(name)
    alerts = project.path / "monitoring/prometheus/alerts.yml"
    for built in objects.values():
        rule = one(built, "PrometheusRule", "alerts")
        assert rule["spec"] == yaml.safe_load(alerts.read_text())
    # promtool's unit tests still pass on the rules as the PrometheusRule has them.
    prometheus = tmp_path / "prometheus"
    shutil.copytree(project.path / "monitoring/prometheus", prometheus)
    (prometheus / "alerts.yml").write_text(
        yaml.safe_dump(one(objects["production"], "PrometheusRule", "alerts")["spec"])
    )
    tested = run("promtool", "test", "rules", "tests/alerts.test.yml", cwd=prometheus)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # The rendered CI's check, run as written: equal now, and not after an edit.
    workflow = yaml.safe_load((project.path / ".github/workflows/ci.yml").read_text())
    [step] = [s for s in workflow["jobs"]["kubernetes"]["steps"] if "diff" in s.get("run", "")]
    assert run("bash", "-o", "pipefail", "-c", step["run"], cwd=copy).returncode == 0
    edited = copy / "monitoring/prometheus/alerts.yml"
    edited.write_text(edited.read_text().replace("for: 10m", "for: 15m", 1))
    assert run("bash", "-o", "pipefail", "-c", step["run"], cwd=copy).returncode == 1


@pytest.mark.parametrize("name", KUBERNETES)
def test_the_runbook_commands_are_real(name, deployed, tmp_path):
    project, copy, _ = deployed(name)
    document = (project.path / "docs/KUBERNETES.md").read_text()
    commands = [
        line.strip().split("$(", 1)[-1].rstrip(")")
        for block in shell_blocks(document)
        for line in block.splitlines()
        if "kubectl " in line and not line.lstrip().startswith("#")
    ]
    assert any(" wait " in c for c in commands) and any("rollout undo" in c for c in commands)
    env = {
        "PATH": f"{KUBECTL.parent}:/usr/bin:/bin",
        "KUBECONFIG": str(unreachable_kubeconfig(tmp_path)),
        "HOME": str(tmp_path),
    }
    for command in commands:
        command = command[command.index("kubectl ") :]
        result = run("bash", "-c", f"backup=backup/x; {command}", cwd=copy, env=env, timeout=60)
        output = result.stdout + result.stderr
        if command.startswith("kubectl kustomize"):
            assert result.returncode == 0, (command, output)
            continue
        # The flags and arguments parse; only the (absent) cluster is missing.
        assert "unknown" not in output and "Usage:" not in output, (command, output)
        assert re.search(r"connection refused|dial tcp|Unable to connect", output), (
            command,
            output,
        )


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
