"""wrk, 50 closed-loop clients by default: each sends its next request as
soon as the last is answered, so the server is saturated."""

import json
import os
import subprocess
from pathlib import Path

from rehearsal.http_client import Client

from .scenarios import API, lua_string

# wrk runs one Lua state per thread: request() builds each request,
# response() counts every answer that is not a 2xx (wrk itself counts only
# 4xx and 5xx, and a redirect would pass), done() hands the totals and the
# latency percentiles (microseconds) back as JSON.
LUA_REPORT = """
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) not_2xx = 0 end
response = function(status, headers, body)
  if status < 200 or status > 299 then not_2xx = not_2xx + 1 end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("not_2xx") end
  io.write(string.format(
    'BENCHMARK {"requests": %d, "duration_us": %d, "socket_errors": %d, "not_2xx": %d,'
    .. ' "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, failed,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def run_wrk(
    wrk: str, client: Client, lua: str, workdir: Path, seconds: int, connections: int
) -> dict:
    script = workdir / "scenario.lua"
    # The token goes in the script, which only this user can read, never on
    # wrk's command line, which every user of the machine can.
    authorization = (
        f'wrk.headers["Authorization"] = {lua_string("Token " + client.token)}\n'
        if client.token
        else ""
    )
    # A seed of its own per run: create's e-mail addresses never repeat.
    seed = f"math.randomseed({int.from_bytes(os.urandom(4))})\n"
    script.write_text(seed + authorization + lua + LUA_REPORT)
    script.chmod(0o600)
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script]
    for name, value in client.headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        [*map(str, command), client.base + API], capture_output=True, text=True, check=True
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCHMARK "))
    raw = json.loads(line.removeprefix("BENCHMARK "))
    requests = raw["requests"]
    errors = raw["socket_errors"] + raw["not_2xx"]
    return {
        "requests": requests,
        "throughput": requests / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "error_rate": errors / requests if requests else 1.0,
    }
