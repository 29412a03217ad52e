"""PostgreSQL runs with memory settings sized to its container, the same in
every deployment and in the rehearsal (copier.yml's postgres_settings)."""

import importlib

import pytest

from support import compose
from support.answers import ANSWER_SETS, POSTGRES_SETTINGS
from support.kubernetes import build, one
from support.scripts import imported

MEBIBYTES = {"MB": 1, "GB": 1024}


def mebibytes(size: str) -> int:
    number, unit = size[:-2], size[-2:]
    return int(number) * MEBIBYTES[unit]


def test_the_settings_fit_the_containers_memory():
    memory = 1024  # the database's limit in compose, Swarm and the Cluster (asserted below)
    assert mebibytes(POSTGRES_SETTINGS["shared_buffers"]) == memory // 4
    assert (
        mebibytes(POSTGRES_SETTINGS["shared_buffers"])
        + mebibytes(POSTGRES_SETTINGS["effective_cache_size"])
        == memory
    )


@pytest.mark.parametrize("name", sorted(ANSWER_SETS))
def test_the_compose_stack_runs_postgres_with_them(render, name):
    project = render(name)
    # The variables the stack requires (the rest have defaults).
    required = {
        "IMAGE_TAG": "1",
        "EMAIL_HOST": "smtp.example.com",
        "ALERT_EMAIL_TO": "ops@example.com",
    }
    stack = compose.load(project.path / "docker-compose.prod.yml", required)
    database = stack["services"]["database"]
    command = database["command"]
    assert command[0] == "postgres"
    flags = dict(value.split("=", 1) for value in command[2::2])
    assert command[1::2] == ["-c"] * len(POSTGRES_SETTINGS)
    assert flags == POSTGRES_SETTINGS
    assert database["deploy"]["resources"]["limits"]["memory"] == "1G"


def test_the_cluster_runs_postgres_with_them(k8s_render):
    project = k8s_render("kubernetes")
    cluster = one(build(project.path / "deploy/kubernetes/base"), "Cluster", "database")
    assert cluster["spec"]["postgresql"]["parameters"] == POSTGRES_SETTINGS
    assert cluster["spec"]["resources"]["limits"]["memory"] == "1Gi"


def test_the_rehearsals_postgres_runs_with_them(render, tmp_path):
    with imported(render("defaults").path, "rehearsal"):
        postgres = importlib.import_module("rehearsal.postgres")
        processes = importlib.import_module("rehearsal.processes").Processes(tmp_path)
        try:
            server = postgres.start_postgres(processes)
            shown = {name: server.psql(f"SHOW {name}") for name in POSTGRES_SETTINGS}
        finally:
            processes.stop_all()
    assert shown == POSTGRES_SETTINGS
