"""The dev container: a valid devcontainer.json over the local compose stack,
editing in the backend's development service with the stack's own ports."""

import json
import subprocess
import sys
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
SCHEMA = Path(__file__).parent / "support" / "schemas" / "devcontainer.schema.json"


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "check-jsonschema", "--schemafile", SCHEMA, path],
        capture_output=True,
        text=True,
        check=False,
    )


def config(project) -> dict:
    return json.loads((project.path / ".devcontainer/devcontainer.json").read_text())


def test_devcontainer_json_matches_the_schema(project):
    result = validate(project.path / ".devcontainer/devcontainer.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_refuses_what_the_specification_does(render, tmp_path):
    valid = config(render("defaults"))
    attributes = valid["portsAttributes"]

    def port(number: str, **changes: str) -> dict:
        return {**valid, "portsAttributes": {**attributes, number: attributes[number] | changes}}

    for broken in (
        {**valid, "forwardPorts": ["8000"]},  # a bare port is a number
        {**valid, "forwardPorts": [8000, 70000]},  # past the last port
        {**valid, "forwardPorts": [8000, "frontend:http"]},  # a service's port is a number
        {**valid, "forwardPorts": [8000, "Frontend:8080"]},  # the host part is lower case
        {**valid, "shutdownAction": "stopContainer"},  # not for compose
        # Only the lifecycle commands after it run in parallel from an object.
        {**valid, "initializeCommand": {"certificate": "scripts/dev-certificate.sh"}},
        {**valid, "postCreateCommand": 42},
        port("8443", protocol="tcp"),  # http or https
        port("8000", onAutoForward="open"),
        {**valid, "forwardedPorts": [8000]},  # misspelled: silently ignored otherwise
        {key: value for key, value in valid.items() if key != "service"},
    ):
        path = tmp_path / "devcontainer.json"
        path.write_text(json.dumps(broken))
        assert validate(path).returncode == 1, broken


def test_it_runs_the_backends_development_service_with_the_repository(project):
    devcontainer = config(project)
    directory = project.path / ".devcontainer"
    files = [
        yaml.safe_load((directory / name).read_text()) for name in devcontainer["dockerComposeFile"]
    ]
    assert devcontainer["dockerComposeFile"][0] == "../docker-compose.yml"
    stack = files[0]["services"]
    service = stack[devcontainer["service"]]
    assert service["build"]["target"] == "development"
    # The extra file mounts the repository (the first file's directory) where
    # the editor opens it.
    assert files[1]["services"][devcontainer["service"]]["volumes"] == [
        f".:{devcontainer['workspaceFolder']}:cached"
    ]
    # Every port the stack publishes for a browser or a client on this
    # machine is forwarded, from the service that has it (not the database's
    # or Redis', which the editor's container reaches inside the stack).
    published = {
        (name, int(port.rsplit(":", 1)[1]))
        for name, spec in stack.items()
        if name in {"backend", "frontend", "mailpit"}
        for port in spec.get("ports", [])
    }
    forwarded = {
        (devcontainer["service"], port) if isinstance(port, int) else tuple(port.split(":"))
        for port in devcontainer["forwardPorts"]
    }
    assert {(name, int(port)) for name, port in forwarded} == published
    assert set(devcontainer["portsAttributes"]) == {str(port) for _, port in published}
    assert set(devcontainer["customizations"]["vscode"]["extensions"]) == {
        "ms-python.python",
        "charliermarsh.ruff",
        "ms-python.mypy-type-checker",
    }
    # The image's venv, where uv installs the dev group (ruff included).
    settings = devcontainer["customizations"]["vscode"]["settings"]
    dockerfile = (project.backend / "Dockerfile").read_text()
    interpreter = settings["python.defaultInterpreterPath"]
    assert f"ENV PATH={interpreter.removesuffix('/python')}:$PATH" in dockerfile
    assert devcontainer["postCreateCommand"] == "cd backend && python manage.py migrate"
