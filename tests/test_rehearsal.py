"""The rendered project's production rehearsal (scripts/rehearse.py), run as
its users run it: the whole topology on loopback, the user flows in a real
browser, then everything stopped; and the load benchmark built on it."""

import importlib.util
import json
import os
import subprocess
from xml.etree import ElementTree

import psutil
import pytest

from support import standins
from support.scripts import imported
from support.template_repo import TEMPLATE


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


def containers_left(project) -> list[str]:
    """The rehearsal's containers (named after the project) still there."""
    with imported(project.path, "rehearsal.containers") as containers:
        listed = containers.engine("ps", "--all", "--format", "{{.Names}}")
    assert listed.returncode == 0, listed.stderr
    prefix = f"{project.answers['project_slug']}-rehearsal-"
    return [name for name in listed.stdout.split() if name.startswith(prefix)]


@pytest.mark.parametrize(
    ("name", "images"),
    [("defaults", False), ("everything-off", False), ("defaults", True)],
    ids=["defaults", "everything-off", "defaults-images"],
)
def test_the_rehearsal_passes_and_leaves_nothing_running(name, images, render, tmp_path):
    """With images, against the project's images built and run by podman
    (over the stand-in bases of test_images) instead of this machine's servers."""
    project = render(name)
    if images:
        for part in ("backend", "frontend"):
            standins.ensure_bases(project.path / part / "Dockerfile")
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
            *(["--images"] if images else []),
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
    # Every render: anonymous clients refused, each role by API token, a
    # session log-in with CSRF, and log-out ending the session on the server.
    for line in (
        "anonymous requests are refused (401/403, a JSON detail, no data)",
        "an editor may not delete (403)",
        "a viewer may not create, change or delete (403)",
        "nothing the viewer sent was written",
        "a manager deletes it",
        "a revoked token is refused (401)",
        "a wrong password is refused (400), saying no more than that",
        "a change without the CSRF token is refused (403)",
        "the session cookie is Secure, HttpOnly, SameSite=Lax",
        "the old session cookie no longer works: it ended on the server",
        # The servers as the runtime role, the release step as the owner.
        "roles: app owns the database, the servers connect as app_runtime",
        "the runtime role reads the customers",
        "the runtime role may not DROP TABLE customers",
        "the runtime role may not CREATE TABLE intruder",
        "the runtime role may not CREATE ROLE intruder",
        # A mail through the worker, read at the catcher.
        "manage.py run_worker takes tasks, mail to the catcher on loopback",
        "the password is changed (200), the notice queued",
        "one notice, sent once",
        "the worker's health check passes (its heartbeat is fresh)",
        "its only link is the service's own address",
        "it carries no password",
    ):
        assert f"ok: {line}" in stdout, line
    if project.answers["use_frontend"]:
        for line in (
            "the page asks for a log-in and shows no customers",
            "logged in as rehearsal-editor (customer editors)",
            "a customer created through the page appears in the list",
            "an edit through the page is saved",
            "deactivating through the page marks the customer inactive",
            "after logging in again, the form still holds what was typed",
            "a viewer's page has no add form and no edit or deactivate controls",
            "a create forged from the viewer's page, CSRF token and all, is refused (403)",
            "a password changed through the page",
            "asking for a reset link answers the same for an unknown address and a known one",
            "the mailed reset link's key leaves the address bar",
            "the new password from the reset link logs in",
            "the link works once: used again, the page offers a new one",
            "an editor's rows offer no Delete",
            "a manager without a second factor is sent to set one up; the API refuses them (403)",
            "the page shows the app's key and its otpauth:// address as text",
            "after the password again, the app is set up and 10 recovery codes shown",
            "the codes leave the page once kept, and the manager sees the customers",
            "a manager deletes a customer through the page",
            "a manager invites through the page; the list shows the invitations pending",
            "and revokes one",
            "after the password, the page asks for the app's code; nobody is logged in yet",
            "a wrong code is refused, and the page asks again",
            "the app's code completes the log-in",
            "a recovery code logs in instead of the app's code",
            "after the password again, the app and its recovery codes are removed",
            "the mailed link shows the address and role invited; the key leaves the address bar",
            "the account is made; the log-in form has its name",
            "the invitee logs in, with the role invited",
            "the API's docs page shows the session all 30 operations of openapi.json",
            "logging out removes the list from the page and ends the session",
            "no browser errors",
        ):
            assert f"ok: {line}" in stdout, line
        if project.answers["tls_termination"] == "nginx":
            assert "plain HTTP redirects to the public HTTPS origin (301 to https://" in stdout
    if project.answers["use_monitoring"]:
        assert "Prometheus scrapes the backend" in stdout
        assert "Prometheus counts the failed log-ins" in stdout
    if project.answers["use_backups"]:
        assert "A backup taken and verified" in stdout
    assert still_running(process.pid) == []
    if images:
        for line in (
            "the backend image builds",
            "the release step (migrate) from the image",
            "the frontend image builds",
        ):
            assert f"ok: {line}" in stdout, line
        assert containers_left(project) == []


# ---------------------------------------------------------------------------
# The load benchmark (scripts/benchmark.py, tools/bench-load), at a tiny size
# ---------------------------------------------------------------------------


def test_the_load_benchmark_measures_every_configuration(render, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "bench_load", TEMPLATE / "tools" / "bench_load.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # Every configuration but two that only repeat another's path at another
    # size or edge (production straight to gunicorn: the bare render is
    # measured that way; the naive setup's small table: production's is
    # measured small): the test proves the tool works, not the figures.
    repeated = {"production-direct": "production", "naive-small": "naive"}
    measured = [c for c in bench.CONFIGURATIONS if c.key not in repeated]
    results = bench.measure(
        render("defaults"),
        render("everything-off"),
        tmp_path,
        customers=600,
        small=300,
        # The test proves the tool works, not the figures: the shortest runs,
        # each after a warm-up (a cold worker's first requests may fail).
        duration=1,
        repeats=1,
        warmup=1,
        open_duration=1,
        configurations=measured,
    )
    scenarios = ["list, first page", "list, deep page", "search by last name", "detail", "create"]
    assert list(results) == [c.key for c in measured]
    for config in measured:
        run = results[config.key]
        assert run["via"] == config.via
        # The bare floor only reads: create is left out of its run.
        expected = scenarios[:-1] if config.floor == "bare" else scenarios
        assert [r["scenario"] for r in run["results"]] == expected, config.key
        for r in run["results"]:
            # Every request answered 2xx: no redirect, no 429, no socket error.
            assert r["requests"] > 0 and r["errors"] == 0, (config.key, r)
            # CPU per request from /proc for every server of the render and
            # the client: each used some, and the servers' total is their sum.
            servers = {"gunicorn", "postgresql", "redis", "nginx"}
            if config.render == "bare":
                servers = {"gunicorn", "postgresql"}
            elif config.via == "gunicorn":
                servers -= {"nginx"}
            assert set(r["cpu_ms"]) == servers | {"client"}, config.key
            assert r["cpu_ms"]["gunicorn"] > 0 and r["cpu_ms"]["client"] > 0, (config.key, r)
            assert r["server_cpu_ms"] == pytest.approx(
                sum(v for k, v in r["cpu_ms"].items() if k != "client")
            )
        # The open loop: list, detail and search at half the closed loop's rate.
        opened = {r["scenario"]: r for r in run["open_loop"]}
        if config.open_loop:
            assert list(opened) == ["list, first page", "search by last name", "detail"]
            closed = {r["scenario"]: r for r in run["results"]}
            for name, r in opened.items():
                assert r["rate"] == pytest.approx(closed[name]["throughput"] / 2)
                assert r["requests"] > 0 and r["errors"] == 0, (config.key, r)
        else:
            assert opened == {}
    assert results["production"]["customers"] == 600
    assert results["production-small"]["customers"] == 300
    assert results["naive"]["settings"].endswith(".settings.naive")
    # Every configuration authenticates with a token but the one measuring
    # authentication's cost, whose API is open (in a copy of the render only).
    assert {key: run["auth"] for key, run in results.items()} == {
        config.key: "none" if config.key == "open" else "token" for config in measured
    }
    assert results["open"]["settings"].endswith(".settings.open")
    # Both floors answered every scenario with the API's status, type and
    # bytes (benchmark.py checked before each load, and fails the run
    # otherwise), each from a copy of the render: the lean one with its own
    # settings (no middleware), the bare one around the project's WSGI app.
    for key in ("lean", "bare-floor"):
        assert results[key]["same_bytes_header"] == "X-Benchmark-Floor", key
    assert results["lean"]["settings"].endswith(".settings.lean")
    assert results["bare-floor"]["settings"].endswith(".settings.production")
    assert results["bare-floor"]["reads_only"] and not results["lean"]["reads_only"]
    assert not (render("defaults").backend / "benchmark_floor").exists()
    # The report: issue 23's targets with a verdict each, every table, the
    # comparisons, the plot, and the production figures beside the previous
    # report's; the two configurations left out stand in by the figures of
    # the path they repeat.
    results |= {key: results[same] for key, same in repeated.items()}
    previous = json.loads((TEMPLATE / "docs" / "benchmarks" / "load.json").read_text())
    report = bench.report(results, "tools/bench-load", "load.svg", previous)
    verdicts = bench.targets(results)
    assert len(verdicts) == 16
    assert report.count("| met |") + report.count("| **missed**: ") == len(verdicts)
    for heading in (
        "Targets (issue 23)",
        "CPU per request",
        "The floors",
        "Open loop",
        "Every configuration",
        "(a) What the production features cost",
        "(b) What growth costs",
        "(c) What the template buys",
        "(d) What authentication costs",
        "(e) Against the previous report",
    ):
        assert f"## {heading}" in report
    assert f"measured {previous['production']['measured_at'][:10]} (" in report
    # Set against a report from before log-in, the comparison says what log-in costs.
    before_log_in = {**previous, "production": {**previous["production"], "auth": "none"}}
    compared = bench.report(results, "tools/bench-load", "load.svg", before_log_in)
    assert "(no log-in, " in compared and "what authentication costs" in compared
    bench.plot(results, tmp_path / "load.svg")
    svg = ElementTree.parse(tmp_path / "load.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


def test_the_benchmark_counts_instructions_under_callgrind(render, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "bench_instructions", TEMPLATE / "tools" / "bench_instructions.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # The API, both floors (each checked to answer the API's bytes first, or
    # the count fails) and one feature switched off: every path of the tool.
    feature = "JSON access log"
    counted = bench.measure(
        render("defaults"), tmp_path, customers=300, requests=3, runs=1, features=[feature]
    )
    scenarios = ["list, first page", "list, deep page", "search by last name", "detail", "create"]
    assert list(counted) == ["API", "lean", "bare", f"without {feature}"]
    for name, (counts,) in counted.items():
        # The bare floor only reads.
        assert list(counts) == (scenarios[:-1] if name == "bare" else scenarios), name
        # A request is hundreds of thousands of instructions at the least (the
        # bare floor's detail); one counted outside its window (the import,
        # the warm-up) would be billions.
        for scenario, count in counts.items():
            assert 100_000 < count < 500_000_000, (name, scenario, count)
    # The bare floor, with no Django request cycle, is below the lean one:
    # were its requests falling through to Django, it would not be.
    (lean,), (bare,) = counted["lean"], counted["bare"]
    assert all(bare[n] < lean[n] for n in bare), (bare, lean)
    # The feature is really off on the path the requests take (a token's: the
    # thin one), or its share would be noise around nothing.
    (api,), (without,) = counted["API"], counted[f"without {feature}"]
    assert all(without[n] < api[n] for n in api), (without, api)
    # The report: a verdict per scenario against the lean floor and one for
    # the feature, each a table row.
    report = importlib.import_module("bench_instructions_report")
    text = report.report({"HEAD": counted}, 3, 300, "tools/bench-instructions", None)
    verdicts = report.verdicts(counted)
    assert len(verdicts) == len(scenarios) + 1
    assert text.count("| met |") + text.count("| **missed**: ") == len(verdicts)
    for heading in ("Targets (issue 23)", "The API and its floors", "What each production"):
        assert f"## {heading}" in text
