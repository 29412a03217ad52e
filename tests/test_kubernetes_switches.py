"""The switches docs/KUBERNETES.md documents, applied to each overlay as it
says: Secrets from a secret store (the External Secrets Operator) instead of
files, and a managed Redis by URL instead of the StatefulSet. Each switched
build validates as the default builds do, and supplies what they supply."""

import re
import shutil
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from support import external_secrets
from support.kubernetes import (
    KUBERNETES,
    KUBERNETES_VERSIONS,
    OVERLAYS,
    build,
    checkov,
    find,
    generated,
    one,
    pod_spec,
    validate_crd_models,
)

# What the default builds validate against their own schemas elsewhere
# (test_kubernetes_schemas.py).
OPERATOR_GROUPS = (
    "postgresql.cnpg.io/",
    "barmancloud.cnpg.io/",
    "monitoring.coreos.com/",
    "gateway.networking.k8s.io/",
    external_secrets.GROUP,
)


def yaml_blocks(project, heading: str) -> list:
    """The ```yaml blocks of a section of docs/KUBERNETES.md, parsed."""
    document = (project.path / "docs/KUBERNETES.md").read_text()
    section = document.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [yaml.safe_load(b) for b in re.findall(r"^```yaml\n(.*?)^```$", section, re.M | re.S)]


def switched(copy: Path, destination: Path, edit) -> dict[str, list[dict]]:
    """Each overlay of a copy of COPY, its kustomization changed by EDIT, built."""
    shutil.copytree(copy, destination)
    built = {}
    for overlay in OVERLAYS:
        path = destination / "deploy/kubernetes" / overlay / "kustomization.yaml"
        kustomization = yaml.safe_load(path.read_text())
        edit(kustomization)
        path.write_text(yaml.safe_dump(kustomization, sort_keys=False))
        built[overlay] = build(path.parent)
    return built


def accepted(objects: dict[str, list[dict]], crd_models: Path, directory: Path) -> None:
    """The builds pass what the default builds pass: the Kubernetes schemas,
    the operators' models and checkov."""
    directory.mkdir()
    for overlay, built in objects.items():
        for document in built:
            if not document["apiVersion"].startswith(OPERATOR_GROUPS):
                for version in KUBERNETES_VERSIONS:
                    kubernetes_validate.validate(document, version, strict=True)
        modelled = [o for o in built if o["apiVersion"].startswith(OPERATOR_GROUPS[2:])]
        checked = validate_crd_models(crd_models, modelled)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        (directory / f"{overlay}.yaml").write_text(yaml.safe_dump_all(built))
    report = checkov(directory)
    assert [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]] == []


def secrets_made(objects: list[dict]) -> dict[str, tuple[str, set[str]]]:
    """The Secrets of a default build: name (without the hash) -> type, keys."""
    return {
        re.sub(r"-[a-z0-9]{10}$", "", s["metadata"]["name"]): (
            s.get("type", "Opaque"),
            set(s["data"]),
        )
        for s in find(objects, "Secret")
    }


def names(objects: list[dict]) -> set[tuple[str, str]]:
    """Kind and name of each object, generated ones without their hash."""
    return {
        (
            o["kind"],
            re.sub(r"-[a-z0-9]{10}$", "", o["metadata"]["name"])
            if o["kind"] in ("ConfigMap", "Secret")
            else o["metadata"]["name"],
        )
        for o in objects
    }


def secrets_read(objects: list[dict]) -> set[str]:
    """The Secrets the pods mount."""
    return {
        source["secret"]["name"]
        for workload in objects
        if workload["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob")
        for volume in pod_spec(workload).get("volumes", [])
        for source in volume.get("projected", {}).get("sources", [volume])
        if "secret" in source
    }


@pytest.mark.parametrize("name", KUBERNETES)
def test_secrets_from_a_secret_store(name, deployed, crd_models, tmp_path):
    project, copy, objects = deployed(name)
    [components] = yaml_blocks(project, "Secrets from a secret store")

    def switch(kustomization: dict) -> None:
        del kustomization["secretGenerator"]
        kustomization.setdefault("components", []).extend(components["components"])

    stored = switched(copy, tmp_path / "project", switch)
    for overlay, built in stored.items():
        [namespace] = find(built, "Namespace")
        assert find(built, "Secret") == []
        made = {}
        for item in find(built, "ExternalSecret"):
            assert external_secrets.errors(item) == []
            spec = item["spec"]
            # This environment's store, named as its namespace.
            assert spec["secretStoreRef"] == {
                "kind": "ClusterSecretStore",
                "name": namespace["metadata"]["name"],
            }
            template = spec["target"].get("template", {})
            keys = set(template.get("data") or {d["secretKey"] for d in spec["data"]})
            made[spec["target"]["name"]] = (template.get("type", "Opaque"), keys)
        # The same Secrets as the files make, by name, type and keys, and
        # every one a pod mounts.
        assert made == secrets_made(objects[overlay]), overlay
        assert secrets_read(built) <= set(made)
    accepted(stored, crd_models, tmp_path / "checked")
    # And the checks refuse what the API server would: a kind the field
    # does not allow (the model), a field where the API has none (the list).
    item = find(stored["production"], "ExternalSecret")[0]
    store = {**item["spec"]["secretStoreRef"], "kind": "Vault"}
    wrong = {**item, "spec": {**item["spec"], "secretStoreRef": store}}
    assert validate_crd_models(crd_models, [wrong]).returncode == 1
    misplaced = {**item, "spec": {**item["spec"], "refresh": "1h"}}
    assert validate_crd_models(crd_models, [misplaced]).returncode == 0
    assert external_secrets.errors(misplaced)


@pytest.mark.parametrize("name", [n for n in KUBERNETES if n != "kubernetes-everything-off"])
def test_a_managed_redis_by_url(name, deployed, crd_models, tmp_path):
    project, copy, objects = deployed(name)
    assert project.answers["use_redis"]
    components, [literal] = yaml_blocks(project, "A managed Redis")

    def switch(kustomization: dict) -> None:
        kustomization.setdefault("components", []).extend(components["components"])
        [config] = [g for g in kustomization["configMapGenerator"] if g["name"] == "backend-config"]
        config["literals"].append(literal)

    managed = switched(copy, tmp_path / "project", switch)
    for overlay, built in managed.items():
        assert find(objects[overlay], "StatefulSet", "redis")
        # Nothing of the in-cluster Redis is left.
        gone = [o for o in built if o["metadata"]["name"] == "redis"]
        assert gone == [], overlay
        config = generated(built, "ConfigMap", "backend-config")["data"]
        assert f"REDIS_URL={config['REDIS_URL']}" == literal
        assert config["REDIS_PASSWORD_FILE"] == "/run/secrets/redis_password"
        [egress] = one(built, "NetworkPolicy", "redis-clients")["spec"]["egress"]
        assert egress["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
        # Everything else as before.
        assert names(objects[overlay]) - names(built) == {
            (kind, "redis")
            for kind in ("StatefulSet", "Service", "ServiceAccount", "NetworkPolicy")
        } | ({("ServiceMonitor", "redis")} if project.answers["use_monitoring"] else set())
    accepted(managed, crd_models, tmp_path / "checked")
