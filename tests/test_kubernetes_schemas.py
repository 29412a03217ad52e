"""Every Kubernetes build is what the cluster's own tooling accepts, offline:
kubectl's Kustomize builds it, the Kubernetes API schemas of the oldest and
newest supported releases validate it, the operators' published models (or,
for CloudNativePG, a structural schema) validate their objects, and checkov's
policies pass."""

import re

import kubernetes_validate
import pytest
import yaml

from support import cnpg, gateway_api
from support.kubernetes import (
    KUBERNETES,
    KUBERNETES_VERSIONS,
    build,
    checkov,
    cluster_objects,
    find,
    one,
    validate_crd_models,
)

CNPG_GROUPS = ("postgresql.cnpg.io/", "barmancloud.cnpg.io/")
MODELLED_GROUPS = ("monitoring.coreos.com/", gateway_api.GROUP)
CUSTOM_GROUPS = (*CNPG_GROUPS, *MODELLED_GROUPS)


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
