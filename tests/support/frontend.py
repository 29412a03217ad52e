"""Building a rendered frontend with npm, outside the render."""

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


def npm(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run npm in cwd; never raises on failure."""
    executable = shutil.which("npm")
    assert executable, "npm is not installed: the frontend needs Node 20+ and npm"
    env = {
        **os.environ,
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"


@dataclass
class Frontend:
    path: Path
    install: subprocess.CompletedProcess
    build: subprocess.CompletedProcess

    @property
    def dist(self) -> Path:
        return self.path / "dist"

    def require_build(self) -> None:
        if self.install.returncode != 0 or self.build.returncode != 0:
            pytest.fail("the frontend did not build:\n" + output(self.install) + output(self.build))


def build(source: Path, path: Path) -> Frontend:
    """A render's frontend, copied out, installed with npm ci and built, so
    node_modules/ and dist/ never land in the render other tests read."""
    assert source.is_dir(), f"no frontend/ in {source.parent}"
    shutil.copytree(source, path, ignore=shutil.ignore_patterns("node_modules", "dist"))
    install = npm("ci", cwd=path)
    built = npm("run", "build", cwd=path) if install.returncode == 0 else install
    return Frontend(path, install, built)
