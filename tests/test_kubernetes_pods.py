"""Every pod of a Kubernetes build runs locked down, probed, within limits,
and stops without dropping a request."""

import re

import pytest

from support.kubernetes import (
    KUBERNETES,
    container,
    find,
    one,
    pod_spec,
)


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
