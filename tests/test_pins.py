"""Pins with evidence: every image and action a render uses is pinned in
copier.yml, recorded in pins.yml with where and when it was seen upstream,
and found by the Renovate rules that propose its bumps."""

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support import compose
from support.dockerfiles import Dockerfile

TEMPLATE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUESTIONS = yaml.safe_load((TEMPLATE / "copier.yml").read_text())
EVIDENCE = yaml.safe_load((TEMPLATE / "pins.yml").read_text())
RENOVATE = json.loads((TEMPLATE / "renovate.json").read_text())


def pinned_images() -> set[str]:
    def leaves(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from leaves(item)
        else:
            yield value

    return set(leaves(QUESTIONS["images"]["default"]))


def pinned_actions() -> dict[str, str]:
    """`uses@sha` (and the Trivy release) -> the tag it stands for."""
    actions = {}
    for action in QUESTIONS["actions"]["default"].values():
        actions[f"{action['uses']}@{action['sha']}"] = action["version"]
        if "trivy_version" in action:
            actions[f"aquasecurity/trivy@{action['trivy_version']}"] = action["trivy_version"]
    return actions


def check_entry(reference: str, entry: dict | None) -> None:
    assert entry is not None, f"{reference}: no evidence in pins.yml"
    assert str(entry.get("seen", "")).strip(), f"{reference}: pins.yml says nowhere it was seen"
    seen_on = datetime.date.fromisoformat(entry["date"])
    assert datetime.date(2020, 1, 1) < seen_on <= datetime.date.today(), reference


@pytest.mark.parametrize("image", sorted(pinned_images()))
def test_every_image_pin_has_evidence(image):
    check_entry(image, EVIDENCE["images"].get(image))


@pytest.mark.parametrize("action", sorted(pinned_actions()))
def test_every_action_pin_has_evidence(action):
    entry = EVIDENCE["actions"].get(action)
    check_entry(action, entry)
    assert entry["version"] == pinned_actions()[action], f"{action}: pins.yml names another tag"


def test_pins_yml_keeps_no_evidence_for_pins_that_are_gone():
    assert set(EVIDENCE["images"]) == pinned_images()
    assert set(EVIDENCE["actions"]) == set(pinned_actions())


def renovate_matches(manager: dict) -> list[dict[str, str]]:
    """What one of Renovate's regex managers extracts from copier.yml.

    Renovate applies each match string to the whole file (no multiline flag),
    with JavaScript's named groups; Python spells those (?P<name>...).
    """
    text = (TEMPLATE / "copier.yml").read_text()
    found = []
    for pattern in manager["matchStrings"]:
        python_pattern = pattern.replace("(?<", "(?P<")
        found += [m.groupdict() for m in re.finditer(python_pattern, text)]
    return found


def custom_managers(datasource: str) -> list[dict]:
    managers = [m for m in RENOVATE["customManagers"] if m["datasourceTemplate"] == datasource]
    assert managers, f"no Renovate rule for {datasource}"
    for manager in managers:
        assert manager["managerFilePatterns"] == ["/^copier\\.yml$/"]
    return managers


def test_renovate_finds_every_image_pin_and_nothing_else():
    (manager,) = custom_managers("docker")
    found = {f"{m['depName']}:{m['currentValue']}" for m in renovate_matches(manager)}
    assert found == pinned_images()


def test_renovate_finds_every_action_pin_with_its_commit_and_tag():
    found = {}
    for manager in custom_managers("github-tags") + custom_managers("github-releases"):
        for match in renovate_matches(manager):
            name = match.get("depName") or manager["depNameTemplate"]
            found[f"{name}@{match.get('currentDigest') or match['currentValue']}"] = match[
                "currentValue"
            ]
    # Renovate looks tags up by repository: upload-sarif's is github/codeql-action.
    expected = {
        re.sub(r"^([^/]+/[^/@]+)/[^@]+@", r"\1@", reference): version
        for reference, version in pinned_actions().items()
    }
    assert found == expected


def test_renovate_config_matches_its_schema_and_leaves_renders_to_dependabot():
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.renovate", "renovate.json"],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "template/**" in RENOVATE["ignorePaths"]


def images_used_by(project) -> set[str]:
    """Every image a render pulls: base images, compose services, CI containers."""
    images = {
        image
        for path in project.path.glob("*/Dockerfile")
        for image in Dockerfile.parse(path).base_images
    }
    env = {**compose.env_file(project.path / ".env.example"), "IMAGE_TAG": "1.0.0"}
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        stack = compose.load(project.path / name, env)
        images |= {
            s["image"] for s in stack["services"].values() if "image" in s and "build" not in s
        }
    images |= workflow_images(project.path / ".github" / "workflows")
    # The project's own images, built from its Dockerfiles, are not pins.
    own = {f"{env[name]}:1.0.0" for name in ("BACKEND_IMAGE", "FRONTEND_IMAGE") if name in env}
    return images - own


def workflow_jobs(directory: Path) -> list[dict]:
    return [
        job
        for workflow in sorted(directory.glob("*.yml"))
        for job in yaml.safe_load(workflow.read_text())["jobs"].values()
    ]


def workflow_images(directory: Path) -> set[str]:
    """The job containers and service containers of the workflows in directory."""
    images = set()
    for job in workflow_jobs(directory):
        containers = [job.get("container"), *job.get("services", {}).values()]
        images |= {c["image"] if isinstance(c, dict) else c for c in containers if c}
    return images


def workflow_actions(directory: Path) -> set[str]:
    return {
        step["uses"]
        for job in workflow_jobs(directory)
        for step in job.get("steps", [])
        if "uses" in step
    }


def actions_used_by(project) -> set[str]:
    return workflow_actions(project.path / ".github" / "workflows")


def test_a_render_uses_only_pins_with_evidence(project):
    images = images_used_by(project)
    assert images, "no image found: the scan itself is broken"
    assert images <= set(EVIDENCE["images"]), images - set(EVIDENCE["images"])
    actions = actions_used_by(project)
    assert actions and actions <= set(EVIDENCE["actions"]), actions - set(EVIDENCE["actions"])


def test_the_repositorys_own_workflows_use_only_pins_with_evidence():
    """.github/workflows/ (the template's CI and release, not a render's) uses
    pins from pins.yml too; its container is one of copier.yml's images, so
    a bump there that leaves this file behind fails here."""
    workflows = TEMPLATE / ".github" / "workflows"
    images = workflow_images(workflows)
    assert images, "no image found: the scan itself is broken"
    assert images <= set(EVIDENCE["images"]), images - set(EVIDENCE["images"])
    actions = workflow_actions(workflows)
    assert actions and actions <= set(EVIDENCE["actions"]), actions - set(EVIDENCE["actions"])
    # The tag written beside each commit is the one pins.yml says it peels from.
    for workflow in sorted(workflows.glob("*.yml")):
        lines = [line for line in workflow.read_text().splitlines() if "uses:" in line]
        for line in lines:
            tagged = re.fullmatch(r"\s*(?:- )?uses: (\S+) # (\S+)", line)
            assert tagged, f"{workflow.name}: {line.strip()} names no tag"
            assert EVIDENCE["actions"][tagged[1]]["version"] == tagged[2], line
