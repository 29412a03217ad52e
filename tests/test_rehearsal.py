"""The rendered project's production rehearsal (scripts/rehearse.py), run as
its users run it: the whole topology on loopback, the user flows in a real
browser, then everything stopped."""

import os
import subprocess

import psutil
import pytest


def still_running(session: int) -> list[str]:
    """Processes of the session that are alive (an exited, unreaped one is not)."""
    running = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == session and process.status() != psutil.STATUS_ZOMBIE:
                running.append(f"{process.pid} {' '.join(process.cmdline())}")
        except (ProcessLookupError, psutil.NoSuchProcess, PermissionError):
            continue
    return running


@pytest.mark.parametrize("name", ["defaults", "everything-off"])
def test_the_rehearsal_passes_and_leaves_nothing_running(name, render, tmp_path):
    project = render(name)
    # A session of its own: every server it starts belongs to it, so what is
    # left of that session afterwards is what the rehearsal failed to stop.
    process = subprocess.Popen(
        [
            project.venv() / "bin" / "python",
            "scripts/rehearse.py",
            "--customers",
            "2000",
            "--workdir",
            tmp_path / "rehearsal",
        ],
        cwd=project.path,
        env=project.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stdout, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, stdout[-6000:] + stderr[-6000:]
    assert "REHEARSAL PASSED" in stdout
    if project.answers["use_frontend"]:
        assert "a customer created through the page appears in the list" in stdout
    if project.answers["use_monitoring"]:
        assert "Prometheus scrapes the backend" in stdout
    if project.answers["use_backups"]:
        assert "A backup taken and verified" in stdout
    assert still_running(process.pid) == []
