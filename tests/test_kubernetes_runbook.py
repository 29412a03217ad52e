"""The Kubernetes runbooks are real: every kubectl command of
docs/KUBERNETES.md and of the "On Kubernetes" sections of the deployment
checklist and the disaster recovery document parses (and each
kustomization builds) against an API server that is not there; what the
commands run inside a pod runs, as written, in the render's backend; and
the restore's edits give a build that reaches the restored cluster."""

import os
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from support import cnpg
from support.kubernetes import (
    KUBECTL,
    KUBERNETES,
    build,
    cluster_objects,
    container,
    generated,
    one,
    run,
    shell_blocks,
    unreachable_kubeconfig,
)


def on_kubernetes(project, document: str) -> str:
    """The "On Kubernetes" section of a document in docs/."""
    text = (project.path / "docs" / document).read_text()
    return text.split("\n## On Kubernetes\n", 1)[1].split("\n## ", 1)[0]


def runbooks(project) -> dict[str, str]:
    found = {
        "KUBERNETES.md": (project.path / "docs/KUBERNETES.md").read_text(),
        "DEPLOYMENT_CHECKLIST.md": on_kubernetes(project, "DEPLOYMENT_CHECKLIST.md"),
    }
    if project.answers["use_backups"]:
        found["DISASTER_RECOVERY.md"] = on_kubernetes(project, "DISASTER_RECOVERY.md")
    return found


def kubectl_lines(markdown: str) -> list[str]:
    return [
        line.strip()
        for block in shell_blocks(markdown)
        for line in block.splitlines()
        if "kubectl " in line and not line.lstrip().startswith("#")
    ]


@pytest.mark.parametrize("name", KUBERNETES)
def test_the_runbook_commands_are_real(name, deployed, tmp_path):
    project, copy, _ = deployed(name)
    env = {
        "PATH": f"{KUBECTL.parent}:/usr/bin:/bin",
        "KUBECONFIG": str(unreachable_kubeconfig(tmp_path)),
        "HOME": str(tmp_path),
    }
    for document, markdown in runbooks(project).items():
        commands = [line.split("$(", 1)[-1].rstrip(")") for line in kubectl_lines(markdown)]
        assert any(" wait " in c for c in commands) or "migrate" not in markdown, document
        if document == "KUBERNETES.md":
            assert any("rollout undo" in c for c in commands)
        for command in commands:
            command = command[command.index("kubectl ") :]
            result = run("bash", "-c", f"backup=backup/x; {command}", cwd=copy, env=env, timeout=60)
            output = result.stdout + result.stderr
            if command.startswith("kubectl kustomize"):
                assert result.returncode == 0, (document, command, output)
                continue
            # The flags and arguments parse; only the (absent) cluster is missing.
            assert "unknown" not in output and "Usage:" not in output, (document, command, output)
            assert re.search(r"connection refused|dial tcp|Unable to connect", output), (
                document,
                command,
                output,
            )


def test_the_first_administrator_and_users_are_made_as_the_checklist_says(k8s_render, tmp_path):
    """Each `kubectl exec` of the checklist's first deployment, its pod side
    run in the backend as written, with its standard input as written; the
    passwords are what the operator types at the `read -rs` prompts."""
    project = k8s_render("kubernetes")
    section = on_kubernetes(project, "DEPLOYMENT_CHECKLIST.md")
    [block] = [b for b in shell_blocks(section) if "createsuperuser" in b]
    typed = {
        "DJANGO_SUPERUSER_PASSWORD": "an administrator's long passphrase",
        "ACCESS_PASSWORD": "an editor's long passphrase",
    }
    venv = project.venv() / "bin"
    env = project.env(
        PATH=f"{venv}:{os.environ['PATH']}",
        DJANGO_SETTINGS_MODULE=f"{project.django_project}.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    def in_pod(command: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", command],
            input=stdin,
            cwd=project.backend,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    migrated = in_pod("python manage.py migrate --no-input")
    assert migrated.returncode == 0, migrated.stderr
    ran = []
    for line in block.splitlines():
        if line.startswith("read -rs "):
            assert line.split()[2] in typed
            continue
        stdin = ""
        if " | kubectl " in line:
            feed, line = line.split(" | ", 1)
            # printf '%s\n' "$VAR": the typed value, by the shell's own printf.
            [variable] = re.findall(r'"\$(\w+)"', feed)
            assert feed == f"printf '%s\\n' \"${variable}\""
            stdin = typed[variable] + "\n"
        words = shlex.split(line)
        assert words[:4] == ["kubectl", "-n", project.answers["project_slug"], "exec"], line
        assert "deployment/backend" in words and words.index("--") > 0
        assert ("-i" in words) == bool(stdin), line
        pod_side = shlex.join(words[words.index("--") + 1 :])
        result = in_pod(pod_side, stdin)
        assert result.returncode == 0, (line, result.stdout + result.stderr)
        ran.append(pod_side)
        # No password on any command line.
        assert not any(p in line for p in typed.values())
    assert any("issue_api_token" in c for c in ran)
    code = (
        "from django.contrib.auth import get_user_model\n"
        "for u in get_user_model().objects.order_by('username'):\n"
        "    print(f'{u.username}:{u.is_superuser}:{sorted(g.name for g in u.groups.all())}')\n"
        "ada = get_user_model().objects.get(username='ada')\n"
        f"print(ada.check_password({typed['ACCESS_PASSWORD']!r}))"
    )
    made = in_pod(shlex.join(["python", "manage.py", "shell", "--no-imports", "-c", code]))
    assert made.returncode == 0, made.stderr
    assert made.stdout.split("\n")[:4] == [
        "ADMIN_USERNAME:True:[]",
        "ada:False:['customer editors']",
        "importer:False:['customer editors']",
        "True",
    ]


def selects(selector: dict, labels: dict) -> bool:
    """A Kubernetes label selector against a pod's labels."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        present = expression["key"] in labels
        value = labels.get(expression["key"])
        if expression["operator"] == "Exists" and not present:
            return False
        if expression["operator"] == "In" and value not in expression["values"]:
            return False
    return True


@pytest.mark.parametrize("name", ["kubernetes"])
def test_the_restore_reaches_the_restored_cluster(name, deployed, tmp_path):
    """restore.yaml recovers "database"'s backups into a cluster of its own,
    which the NetworkPolicies let in and out as they do "database"; the
    recovery document's edits then point the release at it."""
    project, copy, objects = deployed(name)
    [restored] = [o for o in cluster_objects(project) if o["kind"] == "Cluster"]
    assert cnpg.errors(restored) == []
    built = objects["production"]
    [store] = [o for o in built if o["kind"] == "ObjectStore"]
    [source] = restored["spec"]["externalClusters"]
    assert restored["spec"]["bootstrap"]["recovery"]["source"] == source["name"]
    assert source["plugin"]["parameters"] == {
        "barmanObjectName": store["metadata"]["name"],
        "serverName": "database",
    }
    [archiver] = restored["spec"]["plugins"]
    # Its own WAL never lands on the backups it came from.
    assert archiver["parameters"]["serverName"] not in ("database", "")
    original = one(built, "Cluster", "database")
    assert restored["spec"]["imageCatalogRef"] == original["spec"]["imageCatalogRef"]
    # The restored cluster's pods, as CloudNativePG labels them.
    pod = {"cnpg.io/cluster": "database-restored", "cnpg.io/podRole": "instance"}
    assert selects(one(built, "NetworkPolicy", "database")["spec"]["podSelector"], pod)
    [egress] = one(built, "NetworkPolicy", "database-clients")["spec"]["egress"]
    assert any(selects(peer["podSelector"], pod) for peer in egress["to"])
    assert selects(one(built, "PodMonitor", "database")["spec"]["selector"], pod)
    # Step 3, its edits as written, on a copy.
    changed = tmp_path / "project"
    shutil.copytree(copy, changed)
    section = on_kubernetes(project, "DISASTER_RECOVERY.md")
    edits = [
        line for b in shell_blocks(section) for line in b.splitlines() if line.startswith("sed ")
    ]
    assert edits
    for edit in edits:
        assert run("bash", "-euc", edit, cwd=changed).returncode == 0
    after = build(changed / "deploy/kubernetes/production")
    config = generated(after, "ConfigMap", "backend-config")["data"]
    assert "@database-restored-rw:5432/" in config["DATABASE_URL"]
    assert one(after, "ScheduledBackup", "daily")["spec"]["cluster"] == {
        "name": "database-restored"
    }
    exporter = container(one(after, "Deployment", "postgres-exporter"), "postgres-exporter")
    [uri] = [e["value"] for e in exporter["env"] if e["name"] == "DATA_SOURCE_URI"]
    assert uri.startswith("database-restored-rw:5432/")
    release = container(one(after, "Job", "migrate"), "migrate")
    [owner_url] = [e["value"] for e in release["env"] if e["name"] == "DATABASE_URL"]
    assert "@database-restored-rw:5432/" in owner_url
    # Nothing else moved.
    before = yaml.safe_dump_all(objects["production"])
    assert before.count("database-rw") == yaml.safe_dump_all(after).count("database-restored-rw")
