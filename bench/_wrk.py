"""wrk on loopback: the same GET request every time (a cache may answer it) or, uncached, a
unique SPARQL comment appended to the query of every request (no cache can), with the
figures printed by wrk's done() hook as one JSON line, so nothing depends on wrk's layout.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass

MARK = "BENCH-JSON "

#: Lua: each thread numbers its requests; the comment "#<run>-<thread>-<n>" ends the query.
UNIQUE = """
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  n = 0
end
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "%%0A%%23" .. "%(run)s-" .. id .. "-" .. n)
end
"""

DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "%(mark)s{\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d, "
    .. "\\"errors\\": %%d, \\"timeouts\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status, e.timeout))
end
"""


@dataclass
class Figures:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int  #: non-2xx/3xx answers, socket errors and timeouts
    requests: int = 0


def lua_script(unique: bool, run: str = "") -> str:
    """The wrk script: done() always; request() adding a unique comment when `unique`."""
    script = DONE % {"mark": MARK}
    if unique:
        script = UNIQUE % {"run": run} + script
    return script


def parse(output: str) -> Figures:
    """The figures of wrk's output (the done() line); ValueError when there is none."""
    for line in output.splitlines():
        if line.startswith(MARK):
            d = json.loads(line[len(MARK) :])
            seconds = d["duration_us"] / 1e6
            return Figures(
                requests_per_s=d["requests"] / seconds if seconds else 0.0,
                p50_ms=d["p50_us"] / 1000,
                p99_ms=d["p99_us"] / 1000,
                errors=d["errors"] + d["timeouts"],
                requests=d["requests"],
            )
    raise ValueError(f"wrk printed no figures:\n{output[-2000:]}")


def wrk(url: str, query: str, accept: str, duration_s: float, unique: bool) -> Figures:
    """wrk -t THREADS -c CONNECTIONS for `duration_s` on `url?query=...`."""
    full = f"{url}?{urllib.parse.urlencode({'query': query})}"
    threads = os.environ.get("BENCH_THREADS", "2")
    connections = os.environ.get("BENCH_CONNECTIONS", "8")
    seconds = max(1, round(duration_s))
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua_script(unique, secrets.token_hex(4)))
        script.flush()
        command = ["wrk", "-t", threads, "-c", connections, "-d", f"{seconds}s"]
        command += ["--timeout", f"{max(seconds, 30)}s", "-s", script.name]
        command += ["-H", f"Accept: {accept}", full]
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        )
    return parse(done.stdout)
