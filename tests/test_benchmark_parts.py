"""The load benchmark's parts (scripts/benchmarking/) on their own, fast:
CPU time from /proc with exited children, the same-bytes check of a variant
view, the open loop's schedule. tests/test_rehearsal.py runs them together."""

import importlib
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from support.scripts import imported

BUSY = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"


@pytest.fixture
def benchmarking(render):
    """The defaults render's benchmark package, imported as its script does."""
    with imported(render("defaults").path, "benchmarking") as package:
        yield package


def test_a_trees_cpu_counts_its_children_that_exited(benchmarking, tmp_path):
    cpu = importlib.import_module("benchmarking.cpu")
    # A parent whose child burns 0.4 s of CPU, once told to, and exits
    # before the parent does; the parent writes the child's exit status.
    done = tmp_path / "status"
    parent = subprocess.Popen(
        ["sh", "-c", 'read go; "$PYTHON" -c "$BUSY"; echo $? > "$DONE"; sleep 30'],
        env={"BUSY": BUSY, "PYTHON": sys.executable, "DONE": str(done), "PATH": "/usr/bin:/bin"},
        stdin=subprocess.PIPE,
    )
    try:
        before = cpu.tree_cpu_ms({"tree": parent.pid})["tree"]
        parent.stdin.write(b"go\n")
        parent.stdin.close()
        deadline = time.monotonic() + 60
        while not (done.exists() and done.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        after = cpu.tree_cpu_ms({"tree": parent.pid})["tree"]
    finally:
        parent.kill()
        parent.wait()
    assert done.read_text().strip() == "0"
    assert after - before >= 350, (before, after)


class Answers(BaseHTTPRequestHandler):
    """The API and a variant on the same paths; the variant may differ."""

    protocol_version = "HTTP/1.1"
    variant_body = b'{"results":[]}'
    variant_type = "application/json"
    created = 0

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        variant = "X-Variant" in self.headers
        if variant:
            self.send_header("X-Variant", "1")
        self.send_header("Content-Type", self.variant_type if variant else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        variant = "X-Variant" in self.headers
        if self.path.startswith("/api/customers/7/"):
            self._answer(200, b'{"id":7}')
        else:
            self._answer(200, self.variant_body if variant else b'{"results":[]}')

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(201, b'{"id":7}')

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    # nginx's backlog, not socketserver's 5: the open loop connects 64 at once.
    request_queue_size = 511


@pytest.fixture
def server():
    httpd = Server(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        Answers.variant_body = b'{"results":[]}'
        Answers.variant_type = "application/json"


def scenario_list(benchmarking):
    scenarios = importlib.import_module("benchmarking.scenarios")
    return [
        scenarios.Scenario("list", "", lambda rng: scenarios.Request("GET", "/api/customers/")),
        scenarios.Scenario(
            "create", "", lambda rng: scenarios.Request("POST", "/api/customers/", {"a": 1})
        ),
    ]


def test_the_same_bytes_check_passes_only_on_the_same_bytes(benchmarking, server):
    same_bytes = importlib.import_module("benchmarking.same_bytes")
    client = importlib.import_module("rehearsal.http_client").Client(
        f"http://127.0.0.1:{server.server_port}"
    )
    failed = importlib.import_module("rehearsal.report").RehearsalFailed
    same_bytes.check_same_bytes(client, scenario_list(benchmarking), "X-Variant")
    # One byte of difference (a space) fails the run.
    Answers.variant_body = b'{"results": []}'
    with pytest.raises(failed, match="list: the same status, Content-Type and bytes"):
        same_bytes.check_same_bytes(client, scenario_list(benchmarking), "X-Variant")
    # The same bytes as another type (what a client would parse otherwise) fail too.
    Answers.variant_body = b'{"results":[]}'
    Answers.variant_type = "text/html; charset=utf-8"
    with pytest.raises(failed, match="list: the same status, Content-Type and bytes"):
        same_bytes.check_same_bytes(client, scenario_list(benchmarking), "X-Variant")


def test_the_open_loop_keeps_its_schedule(benchmarking, server):
    open_loop = importlib.import_module("benchmarking.open_loop")
    client = importlib.import_module("rehearsal.http_client").Client(
        f"http://127.0.0.1:{server.server_port}"
    )
    started = time.monotonic()
    result = open_loop.open_loop(client, scenario_list(benchmarking)[0], 50, 2, seed=1)
    # 100 requests at 50 a second take 2 s, however fast the server answers.
    assert result["requests"] == 100 and result["errors"] == 0
    assert 1.9 < time.monotonic() - started < 6
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]


class Closing(Answers):
    """Closes every connection after one answer without saying so, as a
    server does with a keep-alive connection that idled too long."""

    def do_GET(self):
        super().do_GET()
        self.close_connection = True


def test_the_open_loop_tries_a_closed_keep_alive_connection_again(benchmarking):
    httpd = Server(("127.0.0.1", 0), Closing)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        open_loop = importlib.import_module("benchmarking.open_loop")
        client = importlib.import_module("rehearsal.http_client").Client(
            f"http://127.0.0.1:{httpd.server_port}"
        )
        # More requests than connections: each connection is used again.
        result = open_loop.open_loop(client, scenario_list(benchmarking)[0], 100, 1.5, seed=1)
    finally:
        httpd.shutdown()
    assert result["requests"] == 150 and result["errors"] == 0
