"""The Kubernetes runbooks' commands are real: kubectl parses each one (and
builds each kustomization) against an API server that is not there."""

import re

import pytest

from support.kubernetes import (
    KUBECTL,
    KUBERNETES,
    run,
    shell_blocks,
    unreachable_kubeconfig,
)


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
